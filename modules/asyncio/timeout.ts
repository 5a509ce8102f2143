import { cancelSafely } from "./cancel";
import { CancelledError, TimeoutError } from "./errors";
import { getEventLoop } from "./loop";
import type { Task } from "./task";
import { LoopTimer } from "./timer";
import { checkDuration, checkFunction, secondsToMs } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython's `async with asyncio.timeout(seconds)` as a scoped call:
 * `await timeout(2, async () => { … })` runs the body and, if it has not
 * finished after 2 s, cancels it and raises TimeoutError. null means no limit.
 *
 * As in CPython, the body's CancelledError becomes TimeoutError only when the
 * timeout caused it: a body that catches the cancellation and returns (or
 * raises something else) is taken at its word, and when the task awaiting
 * timeout() is itself cancelled, the body is cancelled and CancelledError
 * propagates, even if the deadline passed meanwhile. A deadline of 0 or less
 * lets the body run until its first await, then cancels it (CPython).
 *
 * The body runs as a task of its own, started like createTask(fn); the
 * deadline sits in the loop's timer heap (no task, no host timer).
 */
export function timeout<T>(seconds: number | null, body: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  if (seconds === null || seconds === undefined) return scoped(null, body, "timeout");
  return scoped(secondsToMs(checkDuration("timeout", seconds, "seconds")), body, "timeout");
}

/** timeout() with the limit in milliseconds. */
export function timeoutMs<T>(ms: number | null, body: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  if (ms === null || ms === undefined) return scoped(null, body, "timeoutMs");
  return scoped(checkDuration("timeoutMs", ms, "milliseconds"), body, "timeoutMs");
}

class Scope implements WaitHome {
  waiter: Waiter<void> | null = null;
  expired = false;
  cancelled = false;
  constructor(readonly inner: Task<any>) {}

  readonly done = (): void => {
    const w = this.waiter;
    if (w && w.state === PARKED) {
      this.waiter = null;
      w.home = null;
      w.loop.wake(w, undefined);
    }
  };
  readonly expire = (): void => {
    if (this.inner.done()) return;
    this.expired = true;
    this.inner.cancel();
  };
  /** The task awaiting timeout() was cancelled: cancel the body and stay parked until it ends (like awaiting a task). */
  unpark(): boolean {
    this.cancelled = true;
    if (!this.inner.done()) cancelSafely(this.inner.loop, this.inner);
    return false;
  }
}

async function scoped<T>(ms: number | null, body: () => T | PromiseLike<T>, fn: string): Promise<Awaited<T>> {
  checkFunction(`${fn}()`, "body", body);
  const loop = getEventLoop();
  const inner = loop.createTask(body) as Task<Awaited<T>>;
  if (ms === null) return await inner;
  const scope = new Scope(inner);
  const timer = new LoopTimer(scope.expire);
  timer.start(ms);
  inner.onDone(scope.done);
  try {
    while (!inner.done()) {
      const w = loop.waiter<void>();
      if (w.state === PARKED) {
        w.home = scope;
        scope.waiter = w;
      }
      try {
        await w;
      } catch (e) {
        // A cancel lands here only when it was pending before the wait began (the
        // body then gets it), or when the body had just ended (the cancel wins,
        // as when awaiting a task). Otherwise unpark keeps the waiter parked.
        if (!(e instanceof CancelledError) || inner.done()) throw e;
        scope.unpark();
      }
    }
  } finally {
    timer.stop();
  }
  const { failed, value } = inner.takeOutcome();
  if (!failed) return value as Awaited<T>;
  if (value instanceof CancelledError && scope.expired && !scope.cancelled) throw new TimeoutError();
  throw value;
}
