import { isInstance } from "./errors";
import type { Loop } from "./loop";
import { Task } from "./task";
import { Future } from "./future";

/**
 * Calls user code from a host callback or the loop (an irq handler, a button
 * callback, a Barrier action's result) and never throws: what it throws (any
 * value) is reported once through the loop's exception handler as
 * "Exception in <what>", and undefined is returned. A returned promise (an async
 * callback) runs on as a task, so its failure is reported like any task's;
 * a returned Task is left as is. Peter Hinch's launch(), made safe. @internal
 */
export function callUser(loop: Loop, fn: (...args: any[]) => unknown, args: readonly unknown[], what: string): unknown {
  // Debug mode times it on its own: a slow handler is named, not billed to the step it interrupted.
  const started = loop.getDebug() ? loop.now() : -1;
  try {
    return adoptResult(loop, fn(...args));
  } catch (e) {
    loop.callExceptionHandler({ message: `Exception in ${what}`, exception: e, future: null });
    return undefined;
  } finally {
    if (started >= 0) loop.timeCallback(what, started);
  }
}

/**
 * A user callback's result: a promise-like becomes a task (its failure is
 * then reported, never left unhandled). Throws what looking at it throws (a
 * revoked Proxy, a `then` getter that throws). @internal
 */
export function adoptResult(loop: Loop, result: unknown): unknown {
  // Task first: reading .then on a Task parks an awaiter.
  if (isInstance(result, Task)) return result;
  // A Future's `then` parks the running task (none here) on it: awaited from a task of its own instead.
  if (isInstance(result, Future)) return loop.createTask(() => result as Future<unknown>);
  if (result !== null && (typeof result === "object" || typeof result === "function") && typeof (result as PromiseLike<unknown>).then === "function") {
    return loop.createTask(result as PromiseLike<unknown>);
  }
  return result;
}
