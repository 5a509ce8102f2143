import { RuntimeError } from "./errors";
import { describe } from "./format";
import { copyArray, checkDuration, isArray, readOptions } from "./validate";

/** A time field: one value, an array of values (range() makes one), or null for every value (a crontab's `*`). */
export type CronField = number | readonly number[] | null;

/**
 * Peter Hinch's time specifiers (micropython-async v3/as_drivers/sched,
 * SCHEDULE.md §4.1), with his defaults: every day at 03:00:00.
 */
export interface CronSpec {
  /** Seconds, 0–59 (default 0). */
  secs?: CronField;
  /** Minutes, 0–59 (default 0). */
  mins?: CronField;
  /** Hours, 0–23 (default 3). */
  hrs?: CronField;
  /** Day of the month, 1–31 (default null: any). */
  mday?: CronField;
  /** Month, 1–12 (default null: any). */
  month?: CronField;
  /** Day of the week, 0–6 = Monday–Sunday as MicroPython's localtime() (default null: any). */
  wday?: CronField;
}

/** The compiled fields, in NAMES' order: the allowed values ascending, or null for any. @internal */
export type CronFields = readonly (readonly number[] | null)[];

const NAMES = ["secs", "mins", "hrs", "mday", "month", "wday"];
const LOW = [0, 0, 0, 1, 1, 0];
const HIGH = [59, 59, 23, 31, 12, 6];
const DEFAULTS = [[0], [0], [3], null, null, null];
/** As Hinch counts them: February has 28 days. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAY_S = 86400;

/**
 * Checks and compiles a spec; `extra` names the other keys the caller takes.
 * @throws TypeError for a spec that is not an object, an unknown key, a field
 * that is not a number, an array of numbers or null; RangeError for a value
 * out of its field's range or not an integer, an empty array, an mday past the
 * end of a given month (February: 28), an mday above 22 together with wday
 * (Hinch's rules); TypeError naming fn when reading the spec throws (a
 * getter, a Proxy's trap). @internal
 */
export function compileSpec<E extends string>(fn: string, spec: unknown, extra: readonly E[]): { fields: CronFields; extra: { [P in E]?: unknown } } {
  if (spec === null || typeof spec !== "object") throw new TypeError(`${fn}: expected the times as an object such as { hrs: 3, mins: 30 }, got ${describe(spec)}`);
  // Unknown keys are refused there, the keys read once.
  const read = readOptions(fn, spec, [...NAMES, ...extra], "");
  const fields: (readonly number[] | null)[] = [];
  for (let i = 0; i < NAMES.length; i++) {
    const v = read[NAMES[i]];
    fields.push(v === undefined ? DEFAULTS[i] : compileField(fn, NAMES[i], v, LOW[i], HIGH[i]));
  }
  const mday = fields[3];
  const month = fields[4];
  if (mday !== null) {
    const last = mday[mday.length - 1];
    if (month !== null) {
      for (const m of month) {
        if (last > MONTH_DAYS[m - 1]) throw new RangeError(`${fn}: month ${m} has no day ${last} (February counts 28 days)`);
      }
    }
    if (fields[5] !== null && last > 22) throw new RangeError(`${fn}: with wday, mday must be at most 22 (the weekday is the first on or after mday, and must be in the month), got ${last}`);
  }
  return { fields, extra: read as { [P in E]?: unknown } };
}

function compileField(fn: string, name: string, v: unknown, low: number, high: number): readonly number[] | null {
  if (v === null) return null;
  const list = typeof v === "number" ? [v] : isArray(v) ? copyArray(fn, `${name} as an array`, v) : null;
  if (list === null) throw new TypeError(`${fn}: expected ${name} as a number, an array of numbers or null, got ${describe(v)}`);
  if (list.length === 0) throw new RangeError(`${fn}: ${name} is an empty array (null means every value)`);
  for (const x of list) {
    if (typeof x !== "number" || Number.isNaN(x)) throw new TypeError(`${fn}: expected ${name} as numbers, got ${describe(x)}`);
    if (!Number.isInteger(x) || x < low || x > high) throw new RangeError(`${fn}: ${name} must be integers from ${low} to ${high}, got ${x}`);
  }
  return (list as number[]).sort((a, b) => a - b);
}

/**
 * The first second at or after `t` that matches (t and the result: whole
 * seconds since 1970 on the local clock, whose calendar is read in UTC).
 * @internal
 */
export function nextMatch(f: CronFields, t: number): number {
  let day = Math.floor(t / DAY_S);
  let tod = t - day * DAY_S;
  // compileSpec() makes sure some day matches within a year.
  for (let n = 0; n < 800; n++, day++, tod = 0) {
    if (!dayMatches(f, day)) continue;
    const s = timeOfDay(f, tod);
    if (s >= 0) return day * DAY_S + s;
  }
  throw new RuntimeError("cron: no matching day in two years");
}

function dayMatches(f: CronFields, day: number): boolean {
  const date = new Date(day * DAY_S * 1000);
  const month = f[4];
  if (month !== null && month.indexOf(date.getUTCMonth() + 1) < 0) return false;
  const mday = f[3];
  const wday = f[5];
  const md = date.getUTCDate();
  if (mday === null) return wday === null || wday.indexOf(weekday(day)) >= 0;
  if (wday === null) return mday.indexOf(md) >= 0;
  // Hinch: mday first, then wday: the first day from mday on with a wanted weekday (mday 8, wday 6: the second Sunday).
  for (const m of mday) {
    if (md < m || md > m + 6) continue;
    let first = m;
    while (wday.indexOf(weekday(day - md + first)) < 0) first++;
    if (first === md) return true;
  }
  return false;
}

/** Monday = 0 (MicroPython); day 0, 1 January 1970, was a Thursday. */
function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The first second of the day at or after tod that matches hrs, mins and secs, or -1. */
function timeOfDay(f: CronFields, tod: number): number {
  const hour = Math.floor(tod / 3600);
  const minute = Math.floor(tod / 60) % 60;
  for (let h = nextIn(f[2], hour, 23); h >= 0; h = nextIn(f[2], h + 1, 23)) {
    for (let m = nextIn(f[1], h === hour ? minute : 0, 59); m >= 0; m = nextIn(f[1], m + 1, 59)) {
      const s = nextIn(f[0], h === hour && m === minute ? tod % 60 : 0, 59);
      if (s >= 0) return h * 3600 + m * 60 + s;
    }
  }
  return -1;
}

function nextIn(list: readonly number[] | null, x: number, high: number): number {
  if (list === null) return x <= high ? x : -1;
  for (let i = 0; i < list.length; i++) if (list[i] >= x) return list[i];
  return -1;
}

/**
 * Peter Hinch's cron (v3/as_drivers/sched/cron.py, SCHEDULE.md §5): a
 * function that takes the time now, in seconds since 1970 on the local clock
 * (MicroPython's time.time()), and returns the seconds until the first time
 * that matches the spec (0 when now matches). It keeps no state. Unlike
 * Hinch's, its answer is always the soonest match (his needs the start-up
 * search of SCHEDULE.md §7.1), and `secs` may be null or values closer than
 * 10 s apart.
 * @throws as compileSpec(); the returned function: TypeError/RangeError for a
 * time that is not a finite number.
 */
export function cron(spec: CronSpec = {}): (now: number) => number {
  const { fields } = compileSpec("cron()", spec, []);
  return (now: number): number => {
    checkDuration("cron()(now)", now, "seconds");
    return nextMatch(fields, Math.ceil(now)) - now;
  };
}

/**
 * Python's range() as an array, for time fields: range(0, 60, 15) is
 * [0, 15, 30, 45]; range(5) is [0, 1, 2, 3, 4].
 * @throws TypeError for a bound or step that is not a number; RangeError for
 * one that is not an integer, a step of 0, or more than 10 000 values (no
 * field takes more than 60).
 */
export function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [what, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
    if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`range(): expected ${what} as a number, got ${describe(v)}`);
    if (!Number.isInteger(v)) throw new RangeError(`range(): ${what} must be an integer, got ${v}`);
  }
  if (step === 0) throw new RangeError("range(): step must not be 0");
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > 10_000) throw new RangeError(`range(): ${count} values is more than 10000`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}
