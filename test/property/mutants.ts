/**
 * Planted bugs: each patches the library for one run and names the invariant
 * that must catch it. They prove the property test is not vacuous: when the
 * library is right and the runs pass, it is not because nothing is checked.
 */
import asyncio, { Barrier, CancelledError, Event, Lock, Queue, RingbufQueue, Semaphore, ThreadSafeFlag } from "asyncio";
import { LoopTimer } from "../../modules/asyncio/timer";
import { K } from "./harness";

/** A failure of `kind` with an example containing `text`. */
export interface Expected {
  kind: string;
  text: string;
}

export interface Mutant {
  name: string;
  /** At least one of these must be reported (and must not be reported without the mutant). */
  expect: Expected[];
  /** Patches the library; returns the undo. */
  plant(): () => void;
}

function patch<T extends object, M extends keyof T>(obj: T, method: M, make: (original: T[M]) => T[M]): () => void {
  const had = Object.prototype.hasOwnProperty.call(obj, method);
  const original = obj[method];
  obj[method] = make(original);
  return () => {
    if (had) obj[method] = original;
    else delete obj[method];
  };
}

type AnyFn = (...args: any[]) => any;

export const MUTANTS: Mutant[] = [
  {
    name: "waitFor(op, 0) raises CancelledError and forgets what op took",
    expect: [{ kind: K.uncancelledCancel, text: "waitFor(" }],
    plant: () =>
      patch(asyncio, "waitFor", (original) => ((aw: any, s: number | null) => {
        if (s !== null && s <= 0) {
          const p = original(aw, 1);
          p.catch(() => {});
          return Promise.reject(new CancelledError());
        }
        return original(aw, s);
      }) as typeof original),
  },
  {
    name: "a cancelled Semaphore waiter that had been handed a permit keeps it",
    expect: [{ kind: K.semNotInitial, text: "sem" }, { kind: K.lostWakeup, text: "sem:" }, { kind: K.hang, text: "sem.acquire()" }],
    plant: () =>
      patch(Semaphore.prototype, "unpark", () => function (this: Semaphore, w: any): boolean {
        const line = (this as any).waiting as unknown[];
        const i = line.indexOf(w);
        if (i >= 0) line.splice(i, 1);
        return true;
      }),
  },
  {
    name: "Lock.release() lets the next waiter in while the lock looks free",
    expect: [{ kind: K.exclusion, text: "lock" }, { kind: K.release, text: "lock" }],
    plant: () =>
      patch(Lock.prototype, "release", (original) => function (this: Lock): void {
        const next = ((this as any).waiting as any[])[0];
        (original as AnyFn).call(this);
        if (next) (this as any).state = 0; // UNLOCKED: a newcomer barges in beside the woken waiter
      }),
  },
  {
    name: "Queue.getNowait() drops every 5th item",
    expect: [{ kind: K.itemLost, text: " q item" }, { kind: K.itemLost, text: " bq item" }],
    plant: () => {
      let n = 0;
      return patch(Queue.prototype, "getNowait", (original) => function (this: Queue<unknown>): unknown {
        const item = (original as AnyFn).call(this);
        if (++n % 5 === 0 && !this.empty()) return (original as AnyFn).call(this);
        return item;
      });
    },
  },
  {
    name: "RingbufQueue.putNowait() overflow drops the oldest item without throwing QueueFull",
    expect: [{ kind: K.unexpected, text: "QueueFull" }, { kind: K.itemLost, text: " rq item" }],
    plant: () =>
      patch(RingbufQueue.prototype, "putNowait", (original) => function (this: RingbufQueue<unknown>, item: unknown): void {
        try {
          (original as AnyFn).call(this, item);
        } catch {
          // swallowed QueueFull: the drop goes unreported
        }
      }),
  },
  {
    name: "Event.set() forgets the tasks already waiting",
    expect: [{ kind: K.lostWakeup, text: " ev:" }, { kind: K.hang, text: "ev.wait()" }],
    plant: () =>
      patch(Event.prototype, "set", () => function (this: Event): void {
        (this as any).state = true;
      }),
  },
  {
    name: "a Barrier party cancelled while waiting still counts",
    expect: [{ kind: K.staleWaiter, text: "barrier.waiting" }, { kind: K.barrierLeft, text: "barrier" }],
    plant: () => patch(Barrier.prototype, "unpark", () => (): boolean => true),
  },
  {
    name: "a ThreadSafeFlag keeps its waiter after it resumed",
    expect: [{ kind: K.unexpected, text: "ThreadSafeFlag" }, { kind: K.waiterLeft, text: "tsf.waiter" }],
    plant: () =>
      patch(ThreadSafeFlag.prototype, "resumed", () => function (this: ThreadSafeFlag): void {
        (this as any).state = false;
      }),
  },
  {
    name: "timeout()'s deadline stays in the timer heap after the body ended",
    expect: [{ kind: K.loopLeft, text: "timer heap" }],
    plant: () => patch(LoopTimer.prototype, "stop", () => function (this: LoopTimer): void {}),
  },
];
