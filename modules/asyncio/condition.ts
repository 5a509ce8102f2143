import { CancelledError, RuntimeError, isCancelledError } from "./errors";
import { Lock } from "./lock";
import { getEventLoop } from "./loop";
import { describe } from "./ticks";
import { checkCount, checkFunction } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython's asyncio.Condition: a lock (its own, or one passed in) plus a
 * line of tasks waiting to be notified.
 *
 * wait() releases the lock, waits for notify(), then re-acquires the lock
 * before returning, also when it is cancelled (then it raises CancelledError
 * holding the lock, as CPython does). A waiter cancelled after it was
 * notified but before it resumed passes the notification to the next waiter,
 * so no notify() is lost (CPython 3.13).
 */
export class Condition implements WaitHome {
  readonly lock: Lock;
  private readonly waiting: Waiter<void>[] = [];

  constructor(lock?: Lock) {
    if (lock === undefined || lock === null) lock = new Lock();
    else if (!(lock instanceof Lock)) throw new TypeError(`Condition: expected an asyncio Lock or nothing, got ${describe(lock)}`);
    this.lock = lock;
  }

  locked(): boolean {
    return this.lock.locked();
  }
  acquire(): Promise<true> {
    return this.lock.acquire();
  }
  release(): void {
    this.lock.release();
  }
  /** Acquires the lock, runs fn, releases (also when fn throws or is cancelled). */
  with<R>(fn: () => R | PromiseLike<R>): Promise<R> {
    if (typeof fn !== "function") return Promise.reject(new TypeError(`Condition.with(): expected fn (a function), got ${describe(fn)}`));
    return this.lock.with(fn);
  }

  /** Releases the lock, waits until notified, re-acquires the lock; resolves to true. Call it holding the lock. */
  async wait(): Promise<true> {
    if (!this.lock.locked()) throw new RuntimeError("Condition.wait(): the lock is not acquired");
    this.lock.release();
    let failure: { error: unknown } | null = null;
    try {
      const w = getEventLoop().waiter<void>();
      if (w.state === PARKED) {
        w.home = this;
        this.waiting.push(w);
      }
      await w;
    } catch (e) {
      failure = { error: e };
    }
    // Must hold the lock again before leaving, even when cancelled.
    for (;;) {
      try {
        await this.lock.acquire();
        break;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        failure = { error: e };
      }
    }
    if (failure) throw failure.error;
    return true;
  }
  /** Waits until predicate() is truthy (checked first, then after each notification); returns its value. */
  async waitFor<R>(predicate: () => R): Promise<R> {
    checkFunction("Condition.waitFor()", "predicate", predicate);
    let result = predicate();
    while (!result) {
      await this.wait();
      result = predicate();
    }
    return result;
  }
  /** Wakes up to n waiting tasks. Call it holding the lock. */
  notify(n = 1): void {
    if (!this.lock.locked()) throw new RuntimeError("Condition.notify(): the lock is not acquired");
    checkCount("Condition.notify()", "n", n, 0);
    this.wake(n);
  }
  /** Wakes every waiting task. Call it holding the lock. */
  notifyAll(): void {
    if (!this.lock.locked()) throw new RuntimeError("Condition.notifyAll(): the lock is not acquired");
    this.wake(this.waiting.length);
  }

  private wake(n: number): void {
    for (let i = 0; i < n && this.waiting.length; i++) {
      const w = this.waiting.shift()!;
      // It keeps `home`: a cancel before it resumes passes the notification on.
      w.loop.wake(w, undefined);
    }
  }

  /** WaitHome: a waiting task was cancelled. */
  unpark(w: Waiter<any>): boolean {
    if (w.state === PARKED) {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    } else this.wake(1);
    return true;
  }
}
