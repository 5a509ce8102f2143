import { describe } from "./format";

// MicroPython's ticks arithmetic: a wrapping millisecond counter of TICKS_PERIOD.
// The period matches MicroPython's 32-bit ports (small-int range, 2**30).
export const TICKS_PERIOD = 0x40000000;
const TICKS_MAX = TICKS_PERIOD - 1;
const TICKS_HALF = TICKS_PERIOD / 2;

/** An integer, as MicroPython's ticks functions take (a float is a TypeError there); any integer is taken modulo the period. */
function requireInteger(name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${name}: expected a finite number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${name}: ${v} is not a finite number`);
  if (!Number.isInteger(v)) throw new TypeError(`${name}: expected an integer number of ms, got ${v}`);
  return v;
}

export { describe };

/** Wraps an absolute millisecond count into the ticks range. */
export function ticksFrom(ms: number): number {
  return Math.floor(ms) & TICKS_MAX;
}

/** Offsets a ticks value by delta ms; delta must stay within half the period, as in MicroPython. */
export function ticksAdd(ticks: number, delta: number): number {
  ticks = requireInteger("ticksAdd", ticks);
  delta = requireInteger("ticksAdd", delta);
  if (delta >= TICKS_HALF || delta < -TICKS_HALF) throw new RangeError(`ticksAdd: delta ${delta} is outside ±${TICKS_HALF}`);
  // Each reduced first: a sum beyond 2^53 would lose the low bits.
  return ((ticks & TICKS_MAX) + delta) & TICKS_MAX;
}

/** Signed difference a - b of two ticks values, correct across one wrap-around. */
export function ticksDiff(a: number, b: number): number {
  a = requireInteger("ticksDiff", a);
  b = requireInteger("ticksDiff", b);
  return (((a & TICKS_MAX) - (b & TICKS_MAX) + TICKS_HALF) & TICKS_MAX) - TICKS_HALF;
}
