import { cancelSafely } from "./cancel";
import { CancelledError, RuntimeError, TimeoutError, isCancelledError } from "./errors";
import { getEventLoop, noteProgress, type Loop } from "./loop";
import type { Task } from "./task";
import { LoopTimer } from "./timer";
import { checkDuration, checkFunction, secondsToMs } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython's `async with asyncio.timeout(seconds)` as a scoped call:
 * `await timeout(2, async () => { … })` runs the body and, if it has not
 * finished after 2 s, cancels it and raises TimeoutError. null means no limit.
 *
 * Semantics (CPython 3.12's timeout() and wait_for(), see within()):
 * - The outcome wins: a body that has finished when the caller resumes gives
 *   its value or error, even after the deadline; a body that catches the
 *   cancellation and returns is taken at its word. TimeoutError is raised
 *   only when the body ended with the CancelledError the deadline caused.
 * - A limit of 0 or less means "only if it completes without waiting": the
 *   body runs until its first real wait, then is cancelled.
 * - The task awaiting timeout() being cancelled cancels the body and waits
 *   for it to end; CancelledError propagates, even if the deadline passed
 *   meanwhile. If the body had already finished (or finishes anyway), the
 *   caller gets its outcome and the cancellation arrives at the caller's
 *   next await: nothing the body took (an item, a lock, a permit) is lost.
 *
 * The body runs as a task of its own, started like createTask(fn); the
 * deadline sits in the loop's timer heap (no task, no host timer).
 *
 * @throws TypeError when body is not a function; TypeError/RangeError for a
 *   bad limit (NaN, a string, ±Infinity); TimeoutError as above.
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

function scoped<T>(ms: number | null, body: () => T | PromiseLike<T>, fn: string): Promise<Awaited<T>> {
  try {
    checkFunction(`${fn}()`, "body", body);
  } catch (e) {
    return Promise.reject(e);
  }
  const loop = getEventLoop();
  // An anonymous body is named after the task that set the timeout (the one a report should name).
  const task = body.name ? loop.createTask(body) : loop.createTask(body, { name: loop.current?.name ?? "" });
  return within(loop, task as Task<Awaited<T>>, ms);
}

/**
 * The caller's side of a wait on `inner`: the caller parks here until inner
 * has ended, whatever happens meanwhile.
 */
class Scope implements WaitHome {
  waiter: Waiter<void> | null = null;
  /** The deadline cancelled inner. */
  expired = false;
  /** The caller was cancelled. */
  cancelled = false;
  /** The caller stopped waiting for inner (see forward()). */
  abandoned = false;
  private forwarding = false;
  constructor(readonly inner: Task<any>) {}

  // The wake-up keeps the waiter's home: a cancel that comes before the
  // caller resumes reaches unpark() below instead of replacing the outcome.
  readonly done = (): void => this.wakeCaller();
  readonly expire = (): void => {
    if (this.inner.done()) return;
    this.expired = true;
    this.forward();
  };
  /** The caller was cancelled: cancel inner, and let the caller resume once inner has ended. */
  unpark(): boolean {
    // Reached again while cancelling inner: a cycle (a task waiting for
    // itself through others). Stop waiting, or the cancel goes round for ever.
    if (this.forwarding) {
      this.abandoned = true;
      return true;
    }
    this.cancelled = true;
    if (!this.inner.done()) this.forward();
    return this.abandoned;
  }

  /**
   * Cancels inner. When the cancel cannot reach it (it awaits a plain
   * promise, or nothing), waiting for it to end could last for ever: the
   * caller stops waiting and raises (MicroPython's wait_for never waits).
   */
  private forward(): void {
    const inner = this.inner;
    const loop = inner.loop;
    if (inner === loop.current) {
      cancelSafely(loop, inner);
      return;
    }
    this.forwarding = true;
    try {
      inner.cancel();
    } finally {
      this.forwarding = false;
    }
    if (!inner.done() && !inner.reachable()) {
      this.abandoned = true;
      this.wakeCaller();
    }
  }
  /** WaitHome: a cancel of the caller goes on to inner (Task.reachable). */
  forwardsTo(): Task<any> | null {
    return this.abandoned ? null : this.inner;
  }
  private wakeCaller(): void {
    const w = this.waiter;
    if (w && w.state === PARKED) w.loop.wake(w, undefined);
  }
}

/**
 * Waits for inner to end, cancelling it after ms milliseconds (null: never),
 * with the semantics documented on timeout(). Shared by timeout() and
 * waitFor(): one mechanism, so both keep the same promises.
 * @internal
 */
export async function within<T>(loop: Loop, inner: Task<T>, ms: number | null): Promise<T> {
  // The task that must get the outcome: the caller's step's, or (when
  // createTask(worker()) hands the wait to a new task) the owner of the
  // waiter the caller resumed from.
  const caller = loop.current;
  let owner = caller;
  if (inner.isRunningNow()) throw new RuntimeError("a task can't wait for itself");
  const scope = new Scope(inner);
  const timer = ms === null ? null : new LoopTimer(scope.expire);
  if (inner.done()) noteProgress();
  else {
    timer?.start(ms!);
    inner.onDone(scope.done);
    try {
      while (!inner.done() && !scope.abandoned) {
        const w = loop.waiter<void>();
        if (w.state === PARKED) {
          w.home = scope;
          scope.waiter = w;
        }
        try {
          await w;
          owner = w.owner;
        } catch (e) {
          owner = w.owner;
          // Only a cancel pending before this wait began lands here (the
          // scope handles any later one): treat it as a cancel of the caller.
          if (!isCancelledError(e)) throw e;
          if (!scope.cancelled) scope.unpark();
          else scope.abandoned ||= !scope.inner.reachable();
        }
      }
    } finally {
      scope.waiter = null;
      timer?.stop();
      inner.offDone(scope.done);
    }
  }
  if (!inner.done()) {
    // Abandoned: inner could not be cancelled (see Scope.forward).
    if (scope.expired && !scope.cancelled) throw new TimeoutError();
    throw new CancelledError();
  }
  const { failed, value } = inner.takeOutcome();
  if (failed && isCancelledError(value)) {
    if (scope.expired && !scope.cancelled) throw new TimeoutError();
    throw value;
  }
  // An outcome the caller must not lose: it gets it; its own cancel comes at its next await.
  if (scope.cancelled && owner !== null) owner.deferCancel();
  if (failed) throw value;
  return value as T;
}
