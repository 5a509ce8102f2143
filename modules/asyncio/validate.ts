import { describe, thrownMessage } from "./format";

/**
 * An options argument's values for keys, each read once (undefined is {}).
 * Anything may come as options, even a Proxy whose traps throw or an object
 * whose getters do: reading it ends in a TypeError naming the call, never in
 * what the getter threw. A key it does not take is refused, as CPython
 * refuses an unexpected keyword argument: a misspelt option would otherwise
 * be its default without a word.
 * @throws TypeError "<where>: expected <shape>, got …" (not an object),
 *   "<where>: unknown option "<key>" (expected one of …)",
 *   "<where>: reading <key> of the options threw (…)"
 */
export function readOptions<K extends string>(where: string, options: unknown, keys: readonly K[], shape: string): { [P in K]?: unknown } {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || isArray(options)) throw new TypeError(`${where}: expected ${shape}, got ${describe(options)}`);
  let own: string[];
  try {
    own = Object.keys(options);
  } catch (e) {
    throw new TypeError(`${where}: reading the options threw (${thrownMessage(e, describe)})`);
  }
  for (const key of own) {
    if ((keys as readonly string[]).indexOf(key) < 0) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected ${keys.length ? `one of ${keys.join(", ")}` : "none"})`);
  }
  const out: { [P in K]?: unknown } = {};
  for (const key of keys) {
    try {
      out[key] = (options as Record<string, unknown>)[key];
    } catch (e) {
      throw new TypeError(`${where}: reading ${key} of the options threw (${thrownMessage(e, describe)})`);
    }
  }
  return out;
}

/** Array.isArray, false for a revoked Proxy (where Array.isArray throws). */
export function isArray(v: unknown): v is unknown[] {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * An array argument, copied (so a Proxy of one, whose traps may throw, is
 * read once, here).
 * @throws TypeError "<fn>: expected <what>, got …" when it is no array (a
 *   revoked Proxy included) or reading it throws
 */
export function checkArray(fn: string, what: string, v: unknown): unknown[] {
  if (!isArray(v)) throw new TypeError(`${fn}: expected ${what}, got ${describe(v)}`);
  return copyArray(fn, what, v);
}

/**
 * An array already known to be one (isArray), copied (see checkArray()).
 * @throws TypeError "<fn>: reading <what> threw (…)"
 */
export function copyArray(fn: string, what: string, v: unknown[]): unknown[] {
  try {
    // An index loop: slice() would call an Array subclass's constructor, which may take other arguments.
    const n = v.length;
    const copy: unknown[] = [];
    for (let i = 0; i < n; i++) copy.push(v[i]);
    return copy;
  } catch (e) {
    throw new TypeError(`${fn}: reading ${what} threw (${thrownMessage(e, describe)})`);
  }
}

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
