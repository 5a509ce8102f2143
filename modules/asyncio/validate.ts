import { describe } from "./ticks";

/** A count argument (Queue maxsize, Semaphore value, Barrier parties): an integer from min to max (2^53 − 1 by default). */
export function checkCount(fn: string, what: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number") throw new TypeError(`${fn}: expected ${what} as a number, got ${describe(v)}`);
  if (Number.isNaN(v)) throw new TypeError(`${fn}: expected ${what} as a number, got NaN`);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${fn}: ${what} must be an integer >= ${min}, got ${v}`);
  if (v > max) throw new RangeError(`${fn}: ${what} must be at most ${max}, got ${v}`);
  return v;
}

/** A duration: a finite number (NaN and strings are TypeErrors, ±Infinity a RangeError). */
export function checkDuration(fn: string, v: unknown, unit: string): number {
  if (typeof v !== "number") throw new TypeError(`${fn}: expected a number of ${unit}, got ${describe(v)}`);
  if (Number.isNaN(v)) throw new TypeError(`${fn}: expected a number of ${unit}, got NaN`);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${v} ${unit} is not a finite duration`);
  return v;
}

export function checkFunction(fn: string, what: string, v: unknown): void {
  if (typeof v !== "function") throw new TypeError(`${fn}: expected ${what} (a function), got ${describe(v)}`);
}

/** Seconds to milliseconds, kept to whole microseconds so 0.29 s is 290 ms exactly. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1e6) / 1e3;
}
