import { isInstance } from "./errors";
import { getEventLoop, Loop } from "./loop";
import { print } from "./print";
import { describe, formatError, safeString } from "./format";
import { Task } from "./task";
import { checkArray } from "./validate";

/**
 * Peter Hinch's launch() (micropython-async v3/primitives/__init__.py):
 * calls fn(...args); when it returns a promise (an async function, a
 * coroutine) that is started as a task and the Task is returned, otherwise
 * fn's return value (a Task as it is; a value whose `then` cannot be read,
 * such as a revoked Proxy, as it is too). What fn throws is thrown (as Hinch's).
 * @throws TypeError when fn is not a function or args not an array
 */
export function launch(fn: (...args: any[]) => unknown, args: readonly unknown[] = []): unknown {
  if (typeof fn !== "function") throw new TypeError(`launch: expected a function, got ${describe(fn)}`);
  const res = fn(...checkArray("launch", "args as an array", args));
  // A Task is returned as it is: reading its `then` would park an awaiter on it.
  if (isInstance(res, Task)) return res;
  if (isPromiseLike(res)) return getEventLoop().createTask(res as PromiseLike<unknown>) as Task<unknown>;
  return res;
}

/** Whether v has a `then` method; a value whose `then` cannot be read (a revoked Proxy) is not a promise (Hinch's launch returns it). */
function isPromiseLike(v: unknown): boolean {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return false;
  try {
    return typeof (v as PromiseLike<unknown>).then === "function";
  } catch {
    return false;
  }
}

/**
 * Peter Hinch's set_global_exception() (micropython-async
 * v3/primitives/__init__.py): makes the first unhandled error end the
 * program instead of being reported while the rest runs on. The current
 * loop's exception handler becomes one that prints the report with
 * asyncio's print() (message, then the error and its stack) and stops the
 * loop at once: runForever() settles, run()/runUntilComplete() rejects with
 * RuntimeError. Hinch's calls sys.exit(); on a device this ends the app (the
 * loop stops, nothing more runs) but does not reboot it.
 */
export function setGlobalException(loop: Loop = getEventLoop()): void {
  if (!isInstance(loop, Loop)) throw new TypeError(`setGlobalException: expected an event loop (or nothing: the current one), got ${describe(loop)}`);
  loop.setExceptionHandler((l, context) => {
    print(safeString(context.message));
    if (context.exception !== undefined) print(formatError(context.exception));
    l.halt();
  });
}
