import { cancelSafely } from "./cancel";
import { CancelledError, RuntimeError, TimeoutError, cancelledError, currentCancelMessage, isCancelledError } from "./errors";
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
 * The body runs as a task of its own, started like createTask(fn), and is
 * given the scope's Timeout (CPython's `async with timeout(s) as cm`):
 * `cm.when()`, `cm.reschedule(when)`, `cm.expired()`. The deadline sits in
 * the loop's timer heap (no task, no host timer).
 *
 * @throws TypeError when body is not a function; TypeError/RangeError for a
 *   bad limit (NaN, a string, ±Infinity); TimeoutError as above.
 */
export function timeout<T>(seconds: number | null, body: (scope: Timeout) => T | PromiseLike<T>): Promise<Awaited<T>> {
  if (seconds === null || seconds === undefined) return scoped(null, false, body, "timeout");
  return scoped(secondsToMs(checkDuration("timeout", seconds, "seconds")), false, body, "timeout");
}

/** timeout() with the limit in milliseconds. */
export function timeoutMs<T>(ms: number | null, body: (scope: Timeout) => T | PromiseLike<T>): Promise<Awaited<T>> {
  if (ms === null || ms === undefined) return scoped(null, false, body, "timeoutMs");
  return scoped(checkDuration("timeoutMs", ms, "milliseconds"), false, body, "timeoutMs");
}

/**
 * CPython 3.13's `async with asyncio.timeout_at(when)` as a scoped call:
 * timeout() with an absolute deadline, `when` in seconds on the loop's clock
 * (`loop.time()`), so that several steps can share one deadline:
 * `const end = loop.time() + 5; await timeoutAt(end, a); await timeoutAt(end, b);`.
 * A deadline already past means "only if it completes without waiting";
 * null means no limit. Semantics and errors as timeout()'s.
 * @throws TypeError when body is not a function; TypeError/RangeError for a
 *   bad deadline (NaN, a string, ±Infinity); TimeoutError.
 */
export function timeoutAt<T>(when: number | null, body: (scope: Timeout) => T | PromiseLike<T>): Promise<Awaited<T>> {
  if (when === null || when === undefined) return scoped(null, true, body, "timeoutAt");
  return scoped(secondsToMs(checkDuration("timeoutAt", when, "seconds on loop.time()")), true, body, "timeoutAt");
}

/** limit: ms from now, or (absolute) the deadline in ms on the loop's clock; null: none. */
function scoped<T>(limit: number | null, absolute: boolean, body: (scope: Timeout) => T | PromiseLike<T>, fn: string): Promise<Awaited<T>> {
  try {
    checkFunction(`${fn}()`, "body", body);
  } catch (e) {
    return Promise.reject(e);
  }
  const loop = getEventLoop();
  const now = loop.now();
  const at = limit === null ? null : absolute ? limit : now + limit;
  const cm = new Timeout(at);
  // An anonymous body is named after the task that set the timeout (the one a report should name).
  const task = loop.createTask(() => body(cm), { name: body.name || (loop.current?.name ?? "") });
  const scope = new Scope(task as Task<Awaited<T>>);
  cm.scope = scope;
  return within(loop, task as Task<Awaited<T>>, at === null ? null : at - now, scope);
}

/**
 * The scope of a timeout(), timeoutMs() or timeoutAt() call, handed to its
 * body (CPython 3.13's asyncio.Timeout): its deadline can be read, moved or
 * removed while the body runs.
 */
export class Timeout {
  /** @internal */
  scope: Scope | null = null;
  /** The deadline, ms on the loop's clock; null: none. */
  private at: number | null;

  /** @internal made by timeout() / timeoutMs() / timeoutAt() */
  constructor(at: number | null) {
    this.at = at;
  }

  /** The deadline in seconds on loop.time(), or null for none (CPython's Timeout.when()). */
  when(): number | null {
    return this.at === null ? null : this.at / 1000;
  }

  /**
   * Moves the deadline to `when` (seconds on loop.time(); null: no limit),
   * as CPython's Timeout.reschedule(). A time already past expires the
   * scope at the next turn.
   * @throws TypeError/RangeError for a bad time (NaN, a string, ±Infinity);
   *   RuntimeError once the deadline has expired (the body is being
   *   cancelled) or the scope has ended.
   */
  reschedule(when: number | null): void {
    if (when !== null) checkDuration("Timeout.reschedule()", when, "seconds on loop.time()");
    const scope = this.scope;
    if (scope === null || scope.ended) throw new RuntimeError("Timeout.reschedule(): the timeout has ended; it can only be moved while its body runs");
    if (scope.expired) throw new RuntimeError("Timeout.reschedule(): the timeout has expired; its body is being cancelled");
    if (when === null) {
      this.at = null;
      scope.disarm();
      return;
    }
    this.at = secondsToMs(when);
    scope.arm(this.at - getEventLoop().now());
  }

  /** Whether the deadline cancelled the body (CPython's Timeout.expired()); stays true after the scope ends. */
  expired(): boolean {
    return this.scope !== null && this.scope.expired;
  }

  toString(): string {
    const state = this.scope?.expired ? "expired" : this.scope?.ended ? "finished" : "active";
    return `<Timeout [${state}] when=${String(this.when())}>`;
  }
}

/**
 * The caller's side of a wait on `inner`: the caller parks here until inner
 * has ended, whatever happens meanwhile.
 */
class Scope implements WaitHome {
  waiter: Waiter<void> | null = null;
  /** The deadline, in the loop's timer heap (made when first armed). */
  timer: LoopTimer | null = null;
  /** The deadline cancelled inner. */
  expired = false;
  /** within() has returned or thrown: the deadline can no longer move. */
  ended = false;
  /** The caller was cancelled. */
  cancelled = false;
  /** That cancel's message (Task.cancel(msg)), passed on to inner and to the caller's CancelledError. */
  message: string | undefined = undefined;
  /** The caller stopped waiting for inner (see forward()). */
  abandoned = false;
  private forwarding = false;
  constructor(readonly inner: Task<any>) {}

  /** (Re)sets the deadline ms from now (<= 0: at the next turn). */
  arm(ms: number): void {
    (this.timer ??= new LoopTimer(this.expire)).start(ms);
  }
  disarm(): void {
    this.timer?.stop();
  }

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
    this.message = currentCancelMessage();
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
      cancelSafely(loop, inner, this.message);
      return;
    }
    this.forwarding = true;
    try {
      inner.cancel(this.message);
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
export async function within<T>(loop: Loop, inner: Task<T>, ms: number | null, scope = new Scope(inner)): Promise<T> {
  // The task that must get the outcome: the caller's step's, or (when
  // createTask(worker()) hands the wait to a new task) the owner of the
  // waiter the caller resumed from.
  const caller = loop.current;
  let owner = caller;
  if (inner.isRunningNow()) throw new RuntimeError("a task can't wait for itself");
  if (inner.done()) noteProgress();
  else {
    if (ms !== null) scope.arm(ms);
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
      scope.ended = true;
      scope.disarm();
      inner.offDone(scope.done);
    }
  }
  scope.ended = true;
  if (!inner.done()) {
    // Abandoned: inner could not be cancelled (see Scope.forward).
    if (scope.expired && !scope.cancelled) throw new TimeoutError();
    throw cancelledError(scope.message);
  }
  const { failed, value } = inner.takeOutcome();
  if (failed && isCancelledError(value)) {
    if (scope.expired && !scope.cancelled) throw new TimeoutError();
    throw value;
  }
  // An outcome the caller must not lose: it gets it; its own cancel comes at its next await.
  if (scope.cancelled && owner !== null) owner.deferCancel(scope.message);
  if (failed) throw value;
  return value as T;
}
