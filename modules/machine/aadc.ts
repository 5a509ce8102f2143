import { isInstance, RuntimeError } from "../asyncio/errors";
import { describe } from "../asyncio/format";
import { getEventLoop, settledNow } from "../asyncio/loop";
import { LoopTimer } from "../asyncio/timer";
import { PARKED, type Waiter, type WaitHome } from "../asyncio/waiter";
import { ADC } from "./adc";
import { readOptions } from "./args";

/** AADC's options. */
export interface AadcOptions {
  /** How often the ADC is read while a task waits, in ms (default 10). */
  periodMs?: number;
}

interface Watch {
  waiter: Waiter<number>;
  lo: number;
  hi: number;
  /** Resolve when the reading is within lo … hi (inside()), else when it is not (outside()). */
  inside: boolean;
  method: string;
}

/**
 * Peter Hinch's AADC, the asynchronous ADC (micropython-async v3,
 * primitives/aadc.py; its docs: v3/docs/DRIVERS.md §5, "ADC monitoring"): a
 * task waits until the reading of a machine.ADC goes outside bounds, or
 * comes inside them.
 *
 *   const level = new AADC(new ADC(34));
 *   const v = await level.outside(10000, 50000); // too low or too high (Hinch: await aadc(10000, 50000))
 *   await level.inside(20000, 40000);            // back in range (Hinch: sense(False), then await aadc(…))
 *   await level.outside(2000);                   // moved by more than 2000 since the last reading (Hinch: await aadc(2000))
 *
 * Bounds are inclusive (lo <= reading <= hi is inside), in readU16() units,
 * as Hinch's. Each wait resolves with the reading that satisfied it; one
 * already satisfied resolves at once. While any task waits, the ADC is read
 * every periodMs on the loop's timer heap (one entry for all the waits; no
 * task, no host timer of its own), where Hinch's stream is polled by the
 * scheduler. Waits are cancellable (waitFor(), timeout(), task.cancel())
 * and leave nothing behind.
 *
 * Errors name the watcher: "AADC(ADC(34)).outside(): …". TypeError for a
 * bound that is not a number, RangeError for bounds outside 0 … 65535 or lo
 * > hi, RuntimeError once the watcher or its ADC is closed: closing either
 * rejects every pending wait. A reading that fails rejects them with its error.
 */
export class AADC implements WaitHome {
  readonly adc: ADC;
  readonly periodMs: number;
  private readonly name: string;
  private last: number | null = null;
  private watches: Watch[] = [];
  private readonly timer: LoopTimer;
  private closedBecause: string | null = null;
  private readonly unwatchAdc: () => void;

  /** @throws TypeError, RangeError (periodMs), RuntimeError (the ADC is closed) */
  constructor(adc: ADC, options: AadcOptions = {}) {
    if (!isInstance(adc, ADC)) throw new TypeError(`AADC: expected a machine.ADC, got ${describe(adc)}`);
    const name = `AADC(${adc.toString()})`;
    const periodMs = readOptions(name, options, ["periodMs"], "an options object").periodMs ?? 10;
    if (typeof periodMs !== "number" || Number.isNaN(periodMs)) throw new TypeError(`${name}: expected periodMs as a number of milliseconds, got ${describe(periodMs)}`);
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new RangeError(`${name}: periodMs must be a finite number of milliseconds > 0, got ${periodMs}`);
    if (!adc.isOpen()) throw new RuntimeError(`${name}: the ADC is closed`);
    this.adc = adc;
    this.name = name;
    this.periodMs = periodMs;
    this.timer = new LoopTimer(() => this.poll());
    this.unwatchAdc = adc.onClose(() => this.shut("the ADC was closed"));
  }

  /**
   * The ADC's reading now (Hinch's read_u16()); with last, the last one this
   * watcher took (null before any).
   * @throws RuntimeError (the ADC is closed)
   */
  readU16(last = false): number | null {
    if (last) return this.last;
    return (this.last = this.adc.readU16());
  }

  /**
   * outside(lo, hi) resolves with the first reading below lo or above hi;
   * outside(delta) with the first one more than delta away from the last
   * reading this watcher took (or the current one, before any).
   * @throws (rejects with) TypeError, RangeError (bad bounds), RuntimeError (closed)
   */
  outside(lo: number, hi?: number): Promise<number> {
    return this.watch("outside", lo, hi, false);
  }

  /**
   * Resolves with the first reading within lo … hi (inclusive).
   * @throws (rejects with) TypeError, RangeError (bad bounds), RuntimeError (closed)
   */
  inside(lo: number, hi: number): Promise<number> {
    return this.watch("inside", lo, hi, true);
  }

  /** Stops watching: rejects pending waits with RuntimeError (the ADC stays open). Idempotent. */
  close(): void {
    this.unwatchAdc();
    this.shut("the watcher is closed");
  }
  deinit(): void {
    this.close();
  }
  toString(): string {
    return this.name;
  }

  /** @internal a waiting task was cancelled. */
  unpark(w: Waiter<any>): boolean {
    const i = this.watches.findIndex((x) => x.waiter === w);
    if (i >= 0) this.watches.splice(i, 1);
    if (this.watches.length === 0) this.timer.stop();
    return true;
  }

  private watch(method: string, lo: unknown, hi: unknown, inside: boolean): Promise<number> {
    const where = `${this.name}.${method}()`;
    try {
      let low: number;
      let high: number;
      if (hi === undefined && !inside) {
        const delta = checkNumber(where, "delta", lo);
        if (delta < 0) throw new RangeError(`${where}: delta must be >= 0, got ${delta}`);
        this.checkOpen(where);
        const r = this.last ?? this.adc.readU16();
        low = r - delta;
        high = r + delta;
      } else {
        low = checkNumber(where, "lo", lo);
        high = checkNumber(where, "hi", hi);
        if (low < 0 || high > 65535) throw new RangeError(`${where}: bounds must be within 0 … 65535, got ${low} … ${high}`);
        if (low > high) throw new RangeError(`${where}: lo must be <= hi, got ${low} … ${high}`);
        this.checkOpen(where);
      }
      const v = this.readU16()!;
      if (inside === (v >= low && v <= high)) return settledNow(v);
      const w = getEventLoop().waiter<number>();
      if (w.state === PARKED) {
        w.home = this;
        this.watches.push({ waiter: w, lo: low, hi: high, inside, method });
        if (!this.timer.running()) this.timer.start(this.periodMs);
      }
      return w;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private poll(): void {
    if (this.watches.length === 0) return;
    let v: number;
    try {
      v = this.readU16()!;
    } catch (e) {
      this.failAll(() => e);
      return;
    }
    const still: Watch[] = [];
    for (const x of this.watches) {
      if (x.inside === (v >= x.lo && v <= x.hi)) {
        x.waiter.home = null;
        x.waiter.loop.wake(x.waiter, v);
      } else still.push(x);
    }
    this.watches = still;
    if (still.length > 0) this.timer.start(this.periodMs);
  }

  private checkOpen(where: string): void {
    if (this.closedBecause !== null) throw new RuntimeError(`${where}: ${this.closedBecause}`);
    if (!this.adc.isOpen()) throw new RuntimeError(`${where}: the ADC is closed`);
  }
  private shut(because: string): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = because;
    this.timer.stop();
    this.failAll((x) => new RuntimeError(`${this.name}.${x.method}(): ${because}`));
  }
  private failAll(error: (x: Watch) => unknown): void {
    const watches = this.watches;
    this.watches = [];
    this.timer.stop();
    for (const x of watches) {
      x.waiter.home = null;
      x.waiter.loop.wake(x.waiter, error(x), true);
    }
  }
}

function checkNumber(where: string, what: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${where}: expected ${what} as a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${where}: ${what} must be finite, got ${v}`);
  return v;
}
