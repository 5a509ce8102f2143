import { getEventLoop } from "../asyncio/loop";
import { callUser } from "../asyncio/calluser";
import { describe } from "../asyncio/ticks";
import { isArray } from "../asyncio/validate";

export type Callback = (...args: any[]) => unknown;

/**
 * Peter Hinch's launch(): calls fn(...args) and returns its result; a
 * returned promise (an async callback) runs on as a task of its own, so its
 * failure is reported like any task's. Never throws: a callback that throws
 * (any value) must not break the button or timer that called it, so the
 * error goes to the loop's exception handler as "Exception in <what>
 * callback", once, and undefined is returned.
 */
export function launch(fn: Callback, args: readonly unknown[], what: string): unknown {
  return callUser(getEventLoop(), fn, args, `${what} callback`);
}

/**
 * A time option in milliseconds: a finite number >= 0.
 * @throws TypeError (not a number, or NaN), RangeError (negative or infinite)
 */
export function checkMs(fn: string, name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${fn}: expected ${name} as a number of milliseconds, got ${describe(v)}`);
  if (v < 0 || !Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be a finite number of milliseconds >= 0, got ${v}`);
  return v;
}

/**
 * A callback setter's arguments: cb a function, null or false (what null
 * and false mean is in `choices`), args an array.
 * @throws TypeError
 */
export function checkCallback(fn: string, cb: unknown, args: unknown, choices = "a function, null (make an Event) or false (none)"): void {
  if (cb !== null && cb !== false && typeof cb !== "function") throw new TypeError(`${fn}: expected the callback as ${choices}, got ${describe(cb)}`);
  if (!isArray(args)) throw new TypeError(`${fn}: expected args as an array, got ${describe(args)}`);
}
