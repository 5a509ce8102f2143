import { callUser } from "./calluser";
import { compileSpec, nextMatch, type CronFields, type CronSpec } from "./cron";
import { isInstance } from "./errors";
import { Event } from "./event";
import { describe } from "./format";
import { getEventLoop, getHost, sleepMs } from "./loop";
import type { Task } from "./task";
import { checkCount, checkFunction } from "./validate";

/**
 * Peter Hinch's Sequence (v3/as_drivers/sched/sched.py, SCHEDULE.md §4): the
 * schedules given it as their target trigger it, and
 * `for await (const args of seq)` yields the args of the schedule that fired.
 * Like Hinch's, it holds one trigger: two before the reader runs give the
 * second's args once. A reader cancelled while it waits takes nothing.
 */
export class Sequence implements AsyncIterable<unknown[]> {
  private readonly event = new Event();
  private args: unknown[] = [];

  trigger(args: unknown[]): void {
    this.args = args;
    this.event.set();
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown[]> {
    return {
      next: async () => {
        await this.event.wait();
        this.event.clear();
        return { value: this.args, done: false };
      },
    };
  }
}

/** schedule()'s options: the time specifiers, and how many runs. */
export interface ScheduleOptions extends CronSpec {
  /** Runs at the next `times` matching times, then the task ends (default null: for ever; 0: none). */
  times?: number | null;
  /**
   * The wall clock: ms since 1970 on the local clock, its calendar read in
   * UTC (MicroPython's time.time() × 1000 on a board whose RTC keeps local
   * time). Default: Date.now() plus the host's time-zone offset.
   */
  clock?: () => number;
}

/** A wait is cut into slices of at most this (Hinch's _MAXT), so a clock that is set meanwhile (SNTP) is noticed. */
const MAX_WAIT_MS = 1_000_000;
/** A time reached this late means the clock jumped forward: its run is skipped, not made up. */
const LATE_MS = 60_000;

/**
 * Peter Hinch's schedule (v3/as_drivers/sched/sched.py, SCHEDULE.md §4):
 * runs `target` at the times `options` names (a crontab's fields: see
 * CronSpec; default every day at 03:00:00), `times` times or for ever. The
 * target is a function, called `target(...args)` (an async one runs as a
 * task; what either throws goes to the loop's exception handler and the
 * schedule goes on), an Event (set()), or a Sequence (trigger(args)).
 *
 * Returns the Task that waits (Hinch's coroutine, already started):
 * `cancel()` stops it; with `times` it ends after the last run, with that
 * run's result (an async target's, once it finishes; its failure fails the
 * task). The first run is at the first matching whole second from now on;
 * each later one at the first after the one before. Waits are on the loop's
 * timer heap, in slices of at most 1000 s checked against the clock, so long
 * waits are fine and a clock that is set (SNTP after boot) is followed: a
 * time it jumps over by more than a minute is skipped.
 *
 * The calendar comes from `options.clock` (default: the host's Date, in local
 * time). A device without a set clock starts in 1970: set it first. Unlike
 * Hinch's, `secs` may be null (every second) or values closer than 10 s.
 * @throws TypeError for a target that is none of those, a clock that is not a
 * function, and as cron(); RangeError for times not an integer >= 0.
 */
export function schedule(target: ((...args: any[]) => unknown) | Event | Sequence, options: ScheduleOptions = {}, ...args: unknown[]): Task<unknown> {
  const fn = "schedule()";
  if (typeof target !== "function" && !isInstance(target, Event) && !isInstance(target, Sequence)) {
    throw new TypeError(`${fn}: expected the target as a function, an Event or a Sequence, got ${describe(target)}`);
  }
  const { fields, extra } = compileSpec(fn, options, ["times", "clock"]);
  const times = extra.times == null ? null : checkCount(fn, "times", extra.times, 0);
  const clock = (extra.clock ?? localClock) as () => number;
  checkFunction(fn, "the clock", clock);
  return getEventLoop().createTask(() => runSchedule(target, args, fields, times, clock), { name: "schedule" });
}

async function runSchedule(target: ((...args: any[]) => unknown) | Event | Sequence, args: unknown[], fields: CronFields, times: number | null, clock: () => number): Promise<unknown> {
  const loop = getEventLoop();
  let result: unknown;
  /** The last second considered: a run is due at the first match after it. */
  let after = Math.ceil(read(clock) / 1000) - 1;
  while (times === null || times > 0) {
    const due = nextMatch(fields, after + 1) * 1000;
    let now = read(clock);
    while (now < due) {
      await sleepMs(Math.min(due - now, MAX_WAIT_MS));
      now = read(clock);
    }
    if (now - due > LATE_MS) {
      after = Math.ceil(now / 1000) - 1;
      continue;
    }
    after = due / 1000;
    if (times !== null) times--;
    if (typeof target === "function") result = callUser(loop, target, args, "a scheduled function");
    // A subclass's set() or trigger() may throw: reported, and the schedule goes on.
    else callUser(loop, fire, [target, args], isInstance(target, Event) ? "a scheduled Event's set()" : "a scheduled Sequence's trigger()");
  }
  return await result;
}

function fire(target: Event | Sequence, args: unknown[]): void {
  if (isInstance(target, Event)) (target as Event).set();
  else (target as Sequence).trigger(args);
}

function read(clock: () => number): number {
  const now = clock();
  if (typeof now !== "number" || !Number.isFinite(now)) throw new TypeError(`schedule(): the clock returned ${describe(now)}, not a time in ms`);
  return now;
}

/** Local time in ms since 1970 (calendar fields read in UTC give the local date and time). */
function localClock(): number {
  const host = getHost();
  const now = typeof host.wallClock === "function" ? host.wallClock() : Date.now();
  return now - new Date(now).getTimezoneOffset() * 60_000;
}
