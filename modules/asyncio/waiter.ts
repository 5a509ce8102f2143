import type { Timed } from "./heap";
import type { Loop } from "./loop";
import type { Task } from "./task";

export const PARKED = 0;
export const READY = 1;
export const DONE = 2;

/** Where a parked waiter lives; told when the waiter leaves other than by waking. */
export interface WaitHome {
  /**
   * The owner task was cancelled. Remove the waiter from this home and return
   * true to have it rejected with CancelledError, or false when the home
   * handles cancellation itself (awaiting a task forwards the cancel to it).
   */
  unpark(w: Waiter<any>): boolean;
  /** Optional: the waiter is about to resume (its step has started). */
  resumed?(w: Waiter<any>): void;
  /**
   * Optional: the task a cancel of this waiter's owner is passed on to, when
   * the home forwards it instead of rejecting the waiter (awaiting a task,
   * waitFor, timeout); see Task.reachable().
   */
  forwardsTo?(w: Waiter<any>): Task<any> | null;
}

/** An entry of the loop's ready queue: runs as one step. */
export interface Runnable {
  run(loop: Loop): void;
}

/**
 * The one awaitable behind sleep(), Event.wait(), Lock.acquire() and friends:
 * a native Promise (so `await` takes the engine's fast path) that the loop
 * settles in a step of its owner task. Owner = the task running when it was
 * created; that is how cancel() finds it and how currentTask() stays right.
 */
export class Waiter<T = unknown> extends Promise<T> implements Timed, Runnable {
  // Only five properties are set at construction (this is the per-await
  // allocation); the others appear when used. No prototype defaults: on
  // Moddable a preloaded prototype is frozen, and assigning over a frozen
  // inherited property throws.
  declare readonly loop: Loop;
  declare owner: Task<any> | null;
  declare state: number;
  declare private settleValue: (v: any) => void;
  declare private settleError: (e: unknown) => void;
  declare home?: WaitHome | null;
  declare value?: unknown;
  declare failed?: boolean;
  /** Something has awaited or then'ed this promise (see the constructor accessor below). */
  declare awaited?: boolean;
  /** Timer-heap fields, set when the waiter sleeps. */
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;

  constructor(loop: Loop, owner: Task<any> | null) {
    super(loop.captureResolvers as (resolve: (v: T) => void, reject: (e: unknown) => void) => void);
    this.settleValue = loop.capturedResolve;
    this.settleError = loop.capturedReject;
    (this as { loop: Loop }).loop = loop;
    this.owner = owner;
    this.state = PARKED;
  }

  run(loop: Loop): void {
    loop.current = this.owner;
    const home = this.home;
    if (home) {
      this.home = null;
      if (home.resumed) home.resumed(this);
    }
    this.settle();
  }

  /** The timer heap released this sleeper. */
  expired(): void {
    this.home = null;
    this.state = READY;
  }

  /** Resolves or rejects the promise now, detaching it from its owner. */
  settle(): void {
    this.state = DONE;
    const owner = this.owner;
    if (owner) owner.detach(this);
    if (this.failed) {
      if (!this.awaited) this.silence();
      this.settleError(this.value);
    } else this.settleValue(this.value as T);
  }

  /** Marks a rejection as handled when nobody awaits this waiter, so the engine never sees an unhandled rejection. */
  silence(): void {
    this.awaited = true;
    Promise.prototype.then.call(this, undefined, ignore);
  }
}

function ignore(): void {}

// `await w`, Promise.resolve(w) and w.then() all read w.constructor first
// (ECMAScript PromiseResolve / SpeciesConstructor). Answering %Promise% keeps
// the native fast path and tells us, synchronously, that w has been awaited.
// Every subclass of Waiter needs it too (a class gets its own `constructor`).
export function hookAwait(proto: object): void {
  Object.defineProperty(proto, "constructor", {
    configurable: true,
    get(this: Waiter) {
      if (!this.awaited) {
        this.awaited = true;
        this.loop.noteAwaited(this);
      }
      return Promise;
    },
  });
}
hookAwait(Waiter.prototype);
