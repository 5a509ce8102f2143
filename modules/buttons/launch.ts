import { getEventLoop } from "../asyncio/loop";
import { Task } from "../asyncio/task";
import { describe } from "../asyncio/ticks";

export type Callback = (...args: any[]) => unknown;

/**
 * Peter Hinch's launch(): calls fn(...args) and returns its result; a
 * returned promise (an async callback) runs on as a task of its own, so its
 * failure is reported like any task's. A callback that throws must not break
 * the button that called it: the error goes to the loop's exception handler.
 */
export function launch(fn: Callback, args: readonly unknown[], what: string): unknown {
  const loop = getEventLoop();
  let result: unknown;
  try {
    result = fn(...args);
  } catch (e) {
    loop.callExceptionHandler({ message: `Exception in the ${what} callback`, exception: e, future: null });
    return undefined;
  }
  // Check for Task first: reading .then on a Task parks an awaiter.
  if (result instanceof Task) return result;
  if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
    return loop.createTask(result as PromiseLike<unknown>);
  }
  return result;
}

/** A time option in milliseconds: a finite number >= 0 (negative is a RangeError, non-numbers a TypeError). */
export function checkMs(fn: string, name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${fn}: expected ${name} as a number of milliseconds, got ${describe(v)}`);
  if (v < 0 || !Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be a finite number of milliseconds >= 0, got ${v}`);
  return v;
}

/** A callback setter's arguments: fn a function (or null/false as the setter documents), args an array. */
export function checkCallback(fn: string, cb: unknown, args: unknown): void {
  if (cb !== null && cb !== false && typeof cb !== "function") throw new TypeError(`${fn}: expected a function, null (make an Event) or false (none), got ${describe(cb)}`);
  if (!Array.isArray(args)) throw new TypeError(`${fn}: expected args as an array, got ${describe(args)}`);
}
