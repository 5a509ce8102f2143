import { RuntimeError } from "./errors";
import { describe } from "./format";
import { getEventLoop, type Loop, type Sleeper } from "./loop";
import { ticksFrom } from "./ticks";
import { checkDuration, readOptions, secondsToMs } from "./validate";
import { PARKED, type Waiter } from "./waiter";

/** What a Ticker does when its consumer falls behind by whole periods. */
export type MissedTicks = "skip" | "burst";

/** every()'s options. */
export interface EveryOptions {
  /**
   * "skip" (default): a late consumer gets one tick at once, the latest one
   * due, and `skipped` says how many it passed over; the ticks after it keep
   * their places (a blink stays in phase, never a burst of toggles).
   * "burst": every tick is delivered, those already due one per loop turn,
   * and `backlog` says how many are still due after this one (counting samples).
   */
  missed?: MissedTicks;
}

/** One tick of a Ticker. */
export interface Tick {
  /** k: this tick was due k periods after the ticker was made (1, 2, …). */
  index: number;
  /** When it was due, on MicroPython's ticks_ms clock: `ticksDiff(ticksMs(), tick.deadline)` is how late it came. */
  deadline: number;
  /** Ticks passed over just before this one ("skip"); 0 with "burst". */
  skipped: number;
  /** Ticks already due after this one, to come at once ("burst"); 0 with "skip". */
  backlog: number;
}

/**
 * Periodic ticks that do not drift: tick k is due at start + k·period on the
 * loop's clock, computed from k, so a late wake-up delays that tick only,
 * never the ones after it (a `while (true) { …; await sleep(p) }` loop adds
 * each wake-up's lateness to every later one). Embassy's Ticker, for
 * asyncio; made with every()/everyMs().
 *
 *   for await (const tick of asyncio.every(0.5)) led.toggle();
 *   const t = asyncio.everyMs(20); while (true) { await t.next(); sample(); }
 *
 * An async iterator: next() resolves with `{ value: Tick, done: false }`,
 * or `{ done: true }` once stop()ped (a `break` out of `for await` stops it).
 * The first tick is due one period after the ticker was made. Each next()
 * goes through the loop (a tick already due still waits for one turn), so a
 * consumer that is always late cannot starve other tasks. Waiting is a sleep
 * on the loop's timer heap: no task, no host timer of its own. Cancelling a
 * task waiting in next() takes no tick: the next call gets it. stop() ends
 * the waits in progress (`done`) and every later one.
 */
export class Ticker implements AsyncIterableIterator<Tick> {
  /** The period, in ms. */
  readonly periodMs: number;
  readonly missed: MissedTicks;
  /** Ticks passed over so far ("skip"). */
  skippedTotal = 0;
  private readonly loop: Loop;
  private readonly start: number;
  private index = 0;
  private stopped = false;
  private readonly waits: Waiter<void>[] = [];

  /** @internal use every() / everyMs(). */
  constructor(fn: string, periodMs: number, options: EveryOptions | undefined) {
    const missed = readOptions(fn, options, ["missed"], 'options as an object such as { missed: "burst" }').missed ?? "skip";
    if (missed !== "skip" && missed !== "burst") throw new TypeError(`${fn}: options.missed must be "skip" or "burst", got ${describe(missed)}`);
    this.periodMs = periodMs;
    this.missed = missed;
    this.loop = getEventLoop();
    this.start = this.loop.now();
  }

  /** When tick k is (was) due, on the loop's clock (ms). */
  private due(k: number): number {
    return this.start + k * this.periodMs;
  }

  /**
   * Waits for the next tick.
   * @throws CancelledError when the waiting task is cancelled (no tick is taken).
   * @throws RuntimeError from another loop than the ticker's.
   */
  async next(): Promise<IteratorResult<Tick, undefined>> {
    const loop = this.loop;
    if (getEventLoop() !== loop) throw new RuntimeError("Ticker.next(): the ticker belongs to another event loop");
    let turned = false;
    while (!this.stopped) {
      const now = loop.now();
      const wait = this.due(this.index + 1) - now;
      if (wait <= 0 && turned) return { value: this.take(now), done: false };
      const w = loop.sleep(wait > 0 ? wait : 0);
      this.waits.push(w);
      try {
        await w;
      } finally {
        this.waits.splice(this.waits.indexOf(w), 1);
      }
      turned = true;
    }
    return { value: undefined, done: true };
  }

  private take(now: number): Tick {
    const late = Math.floor((now - this.start) / this.periodMs);
    let k = this.index + 1;
    let skipped = 0;
    let backlog = 0;
    if (late > k) {
      if (this.missed === "skip") {
        skipped = late - k;
        k = late;
        this.skippedTotal += skipped;
      } else backlog = late - k;
    }
    this.index = k;
    return { index: k, deadline: ticksFrom(this.due(k)), skipped, backlog };
  }

  /** Ends the ticker: waits in progress resolve `done`, and so does every later next(). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.waits.slice()) {
      if (w.state !== PARKED) continue;
      if (w.heapIndex >= 0) this.loop.removeSleeper(w as unknown as Sleeper);
      this.loop.wake(w, undefined);
    }
  }

  /** Async iteration's end (a `break` out of `for await`): stop(). */
  async return(): Promise<IteratorResult<Tick, undefined>> {
    this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  toString(): string {
    return `<Ticker every ${this.periodMs} ms>`;
  }
}

function checkPeriod(fn: string, v: unknown, unit: string): number {
  const n = checkDuration(fn, v, unit);
  if (!(n > 0)) throw new RangeError(`${fn}: the period must be more than 0 ${unit}, got ${n}`);
  return n;
}

/**
 * A Ticker whose ticks are `seconds` apart, on the current loop: no drift
 * (see Ticker). New here: neither MicroPython, Hinch nor CPython has one
 * (Embassy's Ticker::every).
 * @throws TypeError (not a number; bad options), RangeError (not finite, or <= 0)
 */
export function every(seconds: number, options?: EveryOptions): Ticker {
  const ms = secondsToMs(checkPeriod("every", seconds, "seconds"));
  if (!(ms > 0)) throw new RangeError(`every: the period must be at least 0.000001 seconds, got ${seconds}`);
  if (ms === Infinity) throw new RangeError(`every: ${seconds} seconds is too long a period (more than the largest number of ms)`);
  return new Ticker("every", ms, options);
}

/** every() in milliseconds. @throws as every(). */
export function everyMs(ms: number, options?: EveryOptions): Ticker {
  return new Ticker("everyMs", checkPeriod("everyMs", ms, "milliseconds"), options);
}
