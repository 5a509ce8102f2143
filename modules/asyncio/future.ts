import { isInstance } from "./errors";
import { describe } from "./format";
import { getEventLoop } from "./loop";
import { Task } from "./task";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

// A wrapped promise's waiter: cancelling it just rejects it (the promise
// runs on; what it later gives is dropped).
const FUTURE_HOME: WaitHome = { unpark: () => true };

/**
 * Makes a plain promise (or any thenable: a `fetch()`, a promise around a
 * Moddable `Timer`, a library's promise) an asyncio awaitable of the running
 * task, as CPython's `asyncio.wrap_future()` does for a concurrent future:
 * `await asyncio.wrapFuture(p)`. The task then stays parked in the loop
 * while p is pending, so `cancel()`, `waitFor` and `timeout` reach it at once
 * (CancelledError; p runs on and its outcome is dropped), and it resumes in a
 * step of its own, so `currentTask()` and later cancels stay right. Awaiting
 * p directly works too, but the task leaves the loop's bookkeeping until its
 * next asyncio await, and JavaScript does not say which task a plain
 * promise's continuation belongs to (README, Known differences).
 * A Task is returned as it is (awaiting a task is already an asyncio await).
 * @throws TypeError when p is not a thenable.
 */
export function wrapFuture<T>(p: PromiseLike<T>): Promise<T> {
  if (isInstance(p, Task)) return p as unknown as Promise<T>;
  let then: unknown;
  try {
    then = p !== null && (typeof p === "object" || typeof p === "function") ? (p as PromiseLike<T>).then : undefined;
  } catch (e) {
    return Promise.reject(e);
  }
  if (typeof then !== "function") throw new TypeError(`wrapFuture: expected a promise or a thenable, got ${describe(p)}`);
  const loop = getEventLoop();
  const w: Waiter<T> = loop.waiter<T>();
  if (w.state !== PARKED) return w;
  w.home = FUTURE_HOME;
  try {
    (then as PromiseLike<T>["then"]).call(
      p,
      (v) => loop.wakeSoon(w, v),
      (e) => loop.wakeSoon(w, e, true),
    );
  } catch (e) {
    loop.wakeSoon(w, e, true);
  }
  return w;
}
