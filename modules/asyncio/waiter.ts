import type { Timed } from "./heap";
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
  run(loop: Scheduler): void;
  /** The next entry in the ready queue (an intrusive list: no allocation per step). */
  next?: Runnable | null;
}

/**
 * What tasks and waiters need from the loop (loop.ts implements it). The
 * dependency is one-way: the loop knows tasks and waiters; they know only
 * this interface.
 */
export interface Scheduler {
  /** The task whose step is running (or ran last, until the next turn). */
  current: Task<any> | null;
  /** Counts steps; a waiter's `awaited` is the step in which it was first awaited. */
  readonly step: number;
  /** Host.compactHeap (XS's kind of engine): how a task keeps its fields and watches its coroutine. */
  readonly compactHeap: boolean;
  /**
   * A waiter's resolve function is handed over through these (no closure per
   * waiter; on the loop, not in a module variable: Moddable makes a preloaded
   * module's variables constant). Only resolve is kept; a failure resolves
   * with a rejected promise: keeping reject too would keep both resolving
   * functions alive, 6 more heap slots per waiter on XS, for the rare path.
   */
  readonly capture: (resolve: (value: any) => void) => void;
  captured: (value: unknown) => void;
  waiter<T>(): Waiter<T>;
  wake(w: Waiter<any>, value: unknown, failed?: boolean): void;
  wakeSoon(w: Waiter<any>, value: unknown, failed?: boolean): void;
  failNow(w: Waiter<any>, error: unknown): void;
  cancelWaiter(w: Waiter<any>): void;
  stepping(): boolean;
  progressed(): void;
  finished(task: Task<any>, unretrievedError: boolean): void;
  reportUnretrieved(task: Task<any>): void;
  /** Queues a step that calls fn with `current` set to owner (the core's own; the public CPython-shaped one is Loop.callSoon). */
  post(owner: Task<any> | null, fn: () => void): void;
}


/**
 * The one awaitable behind sleep(), Event.wait(), Lock.acquire() and friends:
 * a native Promise (so `await` takes the engine's fast path) that the loop
 * settles in a step of its owner task. Owner = the task running when it was
 * created; that is how cancel() finds it and how currentTask() stays right.
 */
export class Waiter<T = unknown> extends Promise<T> implements Timed, Runnable {
  // Only four properties are set at construction (this is the per-await
  // allocation); the others appear when used. No prototype defaults: on
  // Moddable a preloaded prototype is frozen, and assigning over a frozen
  // inherited property throws.
  declare readonly loop: Scheduler;
  declare owner: Task<any> | null;
  declare state: number;
  declare private resolveWith: (v: unknown) => void;
  declare home?: WaitHome | null;
  declare value?: unknown;
  declare failed?: boolean;
  /** The loop step in which something first awaited or then'ed this promise (0/absent: not yet). See the constructor accessor below. */
  declare awaited?: number;
  /** A task's awaiter: the step in which the task's `then` was read (see Loop.recent). */
  declare seen?: number;
  /** Timer-heap fields, set when the waiter sleeps. */
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;
  declare next?: Runnable | null;

  constructor(loop: Scheduler, owner: Task<any> | null, state = PARKED) {
    super(loop.capture);
    this.state = state;
    this.owner = owner;
    this.resolveWith = loop.captured;
    (this as { loop: Scheduler }).loop = loop;
  }

  run(loop: Scheduler): void {
    const owner = this.owner;
    loop.current = owner;
    const home = this.home;
    if (home) {
      this.home = null;
      if (home.resumed) home.resumed(this);
    }
    this.state = DONE;
    // Task.detach(), inline for the usual case: the task's only waiter.
    if (owner !== null) {
      if (owner.waiting === this && !owner.moreWaiting) owner.waiting = null;
      else owner.detach(this);
    }
    if (this.failed) this.reject();
    else this.resolveWith(this.value);
  }

  /** The timer heap released this sleeper. */
  expired(): void {
    this.state = READY;
  }

  /** Resolves or rejects the promise now, detaching it from its owner. */
  settle(): void {
    this.state = DONE;
    const owner = this.owner;
    if (owner !== null) owner.detach(this);
    if (this.failed) this.reject();
    else this.resolveWith(this.value);
  }
  private reject(): void {
    if (!this.awaited) this.silence();
    this.resolveWith(Promise.reject(this.value));
  }

  /** Marks a rejection as handled when nobody awaits this waiter, so the engine never sees an unhandled rejection. */
  silence(): void {
    this.awaited ||= this.loop.step;
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
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
      if (!this.awaited) this.awaited = this.loop.step;
      return Promise;
    },
  });
}
hookAwait(Waiter.prototype);
