import { RuntimeError } from "../asyncio/errors";
import { getEventLoop } from "../asyncio/loop";
import { RINGBUF_MAX_CAPACITY, RingbufQueue } from "../asyncio/ringbufqueue";
import { QueueFull } from "../asyncio/syncerrors";
import { describe } from "../asyncio/ticks";
import { LoopTimer } from "../asyncio/timer";
import { checkArray, checkCount, readOptions } from "../asyncio/validate";
import { Pin } from "../machine/pin";
import { checkMs } from "./launch";
import { Pulse } from "../asyncio/pulse";

/** A row of the array: an output (Pin.OPEN_DRAIN, as Hinch, or Pin.OUT). */
export type RowPin = Pick<Pin, "value">;
/** A column of the array: an input pulled up (Pin.IN, Pin.PULL_UP). */
export type ColPin = Pick<Pin, "value" | "irq">;

const IRQ_FALLING = 2; // Pin.IRQ_FALLING

/** Checks a pin list: a non-empty array of pins, none seen before; returns the copy checked. @throws TypeError, RangeError */
function checkPins(name: string, what: string, given: unknown, seen: Set<unknown>, input: boolean): unknown[] {
  const pins = checkArray(name, `${what} as an array of Pins`, given);
  if (pins.length === 0) throw new RangeError(`${name}: ${what} is empty (an array needs at least one row and one column)`);
  pins.forEach((pin: unknown, i: number) => {
    const p = pin as ColPin;
    if (pin === null || typeof pin !== "object" || typeof p.value !== "function" || (input && typeof p.irq !== "function")) {
      throw new TypeError(`${name}: expected ${what}[${i}] as ${input ? "an input" : "an output"} Pin, got ${describe(pin)}`);
    }
    if (seen.has(pin)) throw new RangeError(`${name}: ${what}[${i}] (${describe(pin)}) appears twice in rowPins and colPins`);
    seen.add(pin);
  });
  return pins;
}

/**
 * What Keyboard and SwArray share (Hinch's scan loop): the pins, the
 * debounced state of each key, the scanning and the queue's closing.
 *
 * The scan code of the key at row r, column c is r · colPins.length + c.
 * Scanning is edge-driven while no key is down: every row is held low and
 * a falling edge on a column wakes the scanner. Once a key is down the
 * array is scanned every debounceMs (Hinch: continuously, waiting debounce
 * after a change), until a scan finds every key up and nothing changed.
 * Scans run on the loop's timer heap: no task, no host timer of its own.
 * @internal
 */
abstract class KeyScanner<T> extends RingbufQueue<T> {
  readonly rowPins: readonly RowPin[];
  readonly colPins: readonly ColPin[];
  readonly debounceMs: number;
  protected readonly name: string;
  private readonly state: Uint8Array;
  private readonly scanTimer = new LoopTimer(() => this.scan());
  private readonly arrivals = new Pulse();
  private idle = false;
  private closed = false;
  private closedBecause = "";
  private unwatch: (() => void)[] = [];

  /** Arguments checked by checkScanner(), the pins as the copies it made (this object's own). @throws RuntimeError (a row that is an input, a column that is an output, a closed pin) */
  protected constructor(name: string, rowPins: RowPin[], colPins: ColPin[], bufsize: number, debounceMs: number) {
    super(bufsize);
    this.name = name;
    this.rowPins = rowPins;
    this.colPins = colPins;
    this.debounceMs = debounceMs;
    this.state = new Uint8Array(rowPins.length * colPins.length);
    try {
      for (const col of this.colPins) col.irq(() => this.wake(), IRQ_FALLING);
      this.rest();
      for (const pin of [...this.rowPins, ...this.colPins]) {
        if (pin instanceof Pin) this.unwatch.push(pin.onClose(() => this.shut(` (Pin(${pin.id}) was closed)`)));
      }
      // Keys already down send no edge: the first scan finds them.
      this.scanTimer.start(0);
    } catch (e) {
      this.release(false);
      throw e;
    }
  }

  /** Number of keys: rowPins.length · colPins.length. */
  get nkeys(): number {
    return this.state.length;
  }
  /**
   * The debounced state of a key (Hinch's `kbd[scanCode]`): true while pressed.
   * @throws TypeError, RangeError (not a scan code)
   */
  isPressed(scanCode: number): boolean {
    return this.state[checkCount(`${this.name}.isPressed()`, "scanCode", scanCode, 0, this.nkeys - 1)] === 1;
  }
  /**
   * The debounced state of all keys as a number, bit scanCode set while
   * pressed (Hinch's SwArray.keymap()).
   * @throws RangeError when there are more than 53 keys (a number holds 53 bits exactly)
   */
  keymap(): number {
    if (this.nkeys > 53) throw new RangeError(`${this.name}.keymap(): ${this.nkeys} keys do not fit in a number (53 at most); use isPressed()`);
    let map = 0;
    for (let sc = this.nkeys - 1; sc >= 0; sc--) map = map * 2 + this.state[sc];
    return map;
  }

  /** The oldest item, waiting while there is none; rejects with RuntimeError once deinit() ran and the queue is empty. */
  override async get(): Promise<T> {
    while (this.empty()) {
      if (this.closed) throw new RuntimeError(`${this.name}.get(): the ${this.name} is closed${this.closedBecause}`);
      await this.arrivals.wait();
    }
    return this.getNowait();
  }
  /** RingbufQueue.putNowait() (the oldest item goes when full, with QueueFull), waking get(). */
  override putNowait(item: T): void {
    try {
      super.putNowait(item);
    } finally {
      this.arrivals.fire();
    }
  }
  /** for await (const item of kbd): the items in order; the loop ends once deinit() ran and the queue is empty. */
  override [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (this.empty()) {
          if (this.closed) return { value: undefined, done: true };
          await this.arrivals.wait();
        }
        return { value: this.getNowait(), done: false };
      },
    };
  }

  /**
   * Stops scanning for good and closes the pins (they can be opened again);
   * what is queued can still be taken, then get() rejects with RuntimeError
   * and iteration ends. Closing any of its pins does the same. Idempotent.
   */
  deinit(): void {
    this.shut("");
  }
  override toString(): string {
    return this.name;
  }

  /** Key sc's debounced state changed (closed: pressed). */
  protected abstract changed(sc: number, closed: boolean): void;
  /** deinit(): stop timers of its own. */
  protected abstract stopped(): void;

  /** Queues item; when full the oldest goes (Hinch). */
  protected report(item: T): void {
    try {
      this.putNowait(item);
    } catch (e) {
      if (!(e instanceof QueueFull)) throw e;
    }
  }

  /** A column fell while idle (an interrupt): scan at the next turn. */
  private wake(): void {
    if (!this.idle) return;
    this.idle = false;
    this.scanTimer.start(0);
  }
  /** Idle: every row low, so that any key pulls its column down. */
  private rest(): void {
    for (const row of this.rowPins) row.value(0);
    this.idle = true;
  }
  private scan(): void {
    if (this.closed) return;
    const ncols = this.colPins.length;
    let busy = false;
    try {
      // wake() ignores the edges the scan itself makes.
      this.idle = false;
      for (const row of this.rowPins) row.value(1);
      this.rowPins.forEach((row, r) => {
        row.value(0);
        try {
          this.colPins.forEach((col, c) => {
            const sc = r * ncols + c;
            const closed = col.value() ? 0 : 1;
            if (closed) busy = true;
            if (closed === this.state[sc]) return;
            this.state[sc] = closed;
            busy = true;
            this.changed(sc, closed === 1);
          });
        } finally {
          row.value(1);
        }
      });
      if (this.closed) return;
      if (busy) this.scanTimer.start(this.debounceMs);
      else this.rest();
    } catch (e) {
      // A pin that fails can't be scanned: close, so that consumers are not left waiting for keys.
      getEventLoop().callExceptionHandler({ message: `Exception in ${this.name} scanning its pins`, exception: e, future: null });
      this.shut(" (its pins failed)");
    }
  }
  private shut(because: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closedBecause = because;
    this.scanTimer.stop();
    try {
      this.stopped();
    } finally {
      this.release(true);
      // Consumers waiting find the queue closed.
      this.arrivals.fire();
    }
  }
  /** Removes what the keyboard registered on its pins; closes them with closePins. */
  private release(closePins: boolean): void {
    const unwatch = this.unwatch;
    this.unwatch = [];
    for (const u of unwatch) u();
    for (const col of this.colPins) {
      try {
        col.irq(null);
      } catch {
        // A pin already closed has no handler left.
      }
    }
    if (!closePins) return;
    const closeAll = (pins: readonly object[], what: string): void => {
      pins.forEach((pin, i) => {
        const close = (pin as { close?: unknown }).close;
        try {
          if (typeof close === "function") close.call(pin);
        } catch (e) {
          getEventLoop().callExceptionHandler({ message: `Exception in ${this.name} closing ${what}[${i}]`, exception: e, future: null });
        }
      });
    };
    closeAll(this.rowPins, "rowPins");
    closeAll(this.colPins, "colPins");
  }
}

/** The arguments both classes share; returns the checked bufsize. @throws TypeError, RangeError */
function checkScanner<K extends string>(name: string, rowPins: unknown, colPins: unknown, options: unknown, keys: readonly K[]): { rows: RowPin[]; cols: ColPin[]; bufsize: number; read: { [P in K]?: unknown } } {
  const seen = new Set<unknown>();
  // The copies checked are the ones used: an array read again (its iterator, a Proxy) could give others.
  const rows = checkPins(name, "rowPins", rowPins, seen, false) as RowPin[];
  const cols = checkPins(name, "colPins", colPins, seen, true) as ColPin[];
  const read = readOptions(name, options, [...keys, "bufsize"], "an options object");
  return { rows, cols, bufsize: checkCount(name, "bufsize", read.bufsize ?? 10, 1, RINGBUF_MAX_CAPACITY), read };
}
/** A debounce time in ms, at least 1 (it is also the scan period while a key is down). @throws TypeError, RangeError */
function checkDebounce(name: string, what: string, v: unknown): number {
  const ms = checkMs(name, what, v ?? 50);
  if (ms < 1) throw new RangeError(`${name}: ${what} must be at least 1 ms (it is the scan period while a key is down), got ${ms}`);
  return ms;
}

export interface KeyboardOptions {
  /** Keys the queue holds (default 10); when full the oldest goes. */
  bufsize?: number;
  /** Debounce time and scan period while a key is down, in ms (default 50, Hinch's db_delay); at least 1. */
  dbDelay?: number;
}

/**
 * Peter Hinch's Keyboard (micropython-async v3/primitives/sw_array.py,
 * DRIVERS.md §4.4): a keypad wired as a crosspoint array, rows on outputs
 * (Pin.OPEN_DRAIN), columns on inputs pulled up. Each press puts the key's
 * scan code (row · colPins.length + column) on the queue, which is a
 * RingbufQueue: `for await (const scanCode of kbd)`, `await kbd.get()`;
 * when full the oldest code goes. Releases are not queued:
 * `isPressed(scanCode)` (Hinch's `kbd[scanCode]`) tells the debounced state.
 *
 * The keyboard takes its pins over: it drives the rows, sets the columns'
 * irq, and deinit() closes them all. Cancelling a task waiting in get() or
 * in `for await` takes no key. A pin that fails while scanned is reported
 * through the loop's exception handler and the keyboard closes.
 * @throws (constructor) TypeError, RangeError (bad pins or options: nothing
 *   registered then); RuntimeError (what Pin throws for a closed pin, a row
 *   that is an input, a column that is an output)
 */
export class Keyboard extends KeyScanner<number> {
  constructor(rowPins: readonly RowPin[], colPins: readonly ColPin[], options: KeyboardOptions = {}) {
    const { rows, cols, bufsize, read } = checkScanner("Keyboard", rowPins, colPins, options, ["dbDelay"]);
    super("Keyboard", rows, cols, bufsize, checkDebounce("Keyboard", "dbDelay", read.dbDelay));
  }
  protected changed(sc: number, closed: boolean): void {
    if (closed) this.report(sc);
  }
  protected stopped(): void {}
}

/** SwArray cfg: report contact closure (a press). */
export const CLOSE = 1;
/** SwArray cfg: report contact opening (a release). */
export const OPEN = 2;
/** SwArray cfg: report a press held longPressMs. */
export const LONG = 4;
/** SwArray cfg: report a second press within doubleClickMs of the first. */
export const DOUBLE = 8;
/** SwArray cfg: hold CLOSE back until the press is known to be neither long nor double (see SwArray). */
export const SUPPRESS = 16;

export interface SwArrayOptions {
  /** Events the queue holds (default 10); when full the oldest goes. */
  bufsize?: number;
  /** Debounce time and scan period while a key is down, in ms (default 50, Hinch's SwArray.debounce_ms); at least 1. */
  debounceMs?: number;
  /** A press held this long (ms) is a long press (default 1000, Hinch's long_press_ms). */
  longPressMs?: number;
  /** A second press this soon (ms) after the first is a double click (default 400, Hinch's double_click_ms). */
  doubleClickMs?: number;
}

// Per-key flags of SwArray.
const LONG_RAN = 1;
const DOUBLED = 2;
const CLICK_HELD = 4;

/**
 * Peter Hinch's SwArray (micropython-async v3/primitives/sw_array.py,
 * DRIVERS.md §4.5): a Keyboard that queues `[scanCode, event]` pairs,
 * event being one of CLOSE, OPEN, LONG, DOUBLE; cfg (an OR of those and
 * SUPPRESS) says which are queued. `for await (const [sc, evt] of swa)`.
 *
 * Without SUPPRESS: CLOSE at each press, OPEN at each release, LONG when a
 * press has lasted longPressMs, DOUBLE at a press within doubleClickMs of
 * the previous press (after its CLOSE; that press is timed for no LONG).
 * With SUPPRESS (Hinch's table, DRIVERS.md §4.6) CLOSE stands for a single
 * short press only: a short press gives CLOSE and OPEN together once the
 * double-click window has closed and the key is up; a long press LONG,
 * then OPEN at the release; a double click DOUBLE, then OPEN at the
 * release. A kind that cfg leaves out is not timed at all (no LONG in cfg:
 * a long press is a plain press). Times run from the debounced press, on
 * the loop's timer heap.
 * @throws (constructor) as Keyboard's, and TypeError/RangeError for cfg
 *   (an integer from 0 to 31) and the times
 */
export class SwArray extends KeyScanner<[number, number]> {
  readonly cfg: number;
  readonly longPressMs: number;
  readonly doubleClickMs: number;
  private readonly flags: Uint8Array;
  private readonly longTimers: LoopTimer[] = [];
  private readonly doubleTimers: LoopTimer[] = [];

  constructor(rowPins: readonly RowPin[], colPins: readonly ColPin[], cfg: number, options: SwArrayOptions = {}) {
    const { rows, cols, bufsize, read } = checkScanner("SwArray", rowPins, colPins, options, ["debounceMs", "longPressMs", "doubleClickMs"]);
    checkCount("SwArray", "cfg", cfg, 0, 31);
    const debounceMs = checkDebounce("SwArray", "debounceMs", read.debounceMs);
    const longPressMs = checkMs("SwArray", "longPressMs", read.longPressMs ?? 1000);
    const doubleClickMs = checkMs("SwArray", "doubleClickMs", read.doubleClickMs ?? 400);
    super("SwArray", rows, cols, bufsize, debounceMs);
    this.cfg = cfg;
    this.longPressMs = longPressMs;
    this.doubleClickMs = doubleClickMs;
    this.flags = new Uint8Array(this.nkeys);
  }

  protected changed(sc: number, closed: boolean): void {
    const suppress = (this.cfg & SUPPRESS) !== 0;
    const long = this.timer(LONG, sc);
    const double = this.timer(DOUBLE, sc);
    if (closed) {
      if (!suppress) this.emit(sc, CLOSE);
      if (double?.running()) {
        double.stop();
        this.flags[sc] = DOUBLED;
        this.emit(sc, DOUBLE);
        return;
      }
      this.flags[sc] = 0;
      long?.start(this.longPressMs);
      double?.start(this.doubleClickMs);
      return;
    }
    long?.stop();
    if (!suppress || this.flags[sc] & (LONG_RAN | DOUBLED)) this.emit(sc, OPEN);
    else if (double?.running()) this.flags[sc] |= CLICK_HELD;
    else {
      this.emit(sc, CLOSE);
      this.emit(sc, OPEN);
    }
  }
  protected stopped(): void {
    // Timers are made at a key's first press: the arrays have holes, which forEach skips.
    this.longTimers.forEach((t) => t.stop());
    this.doubleTimers.forEach((t) => t.stop());
  }

  /** Key sc's timer of kind (LONG or DOUBLE), made at its first use; undefined when cfg leaves the kind out. */
  private timer(kind: number, sc: number): LoopTimer | undefined {
    if (!(this.cfg & kind)) return undefined;
    if (kind === LONG) return (this.longTimers[sc] ??= new LoopTimer(() => this.longPressed(sc)));
    return (this.doubleTimers[sc] ??= new LoopTimer(() => this.windowClosed(sc)));
  }
  private longPressed(sc: number): void {
    this.flags[sc] |= LONG_RAN;
    this.emit(sc, LONG);
  }
  /** Key sc's double-click window closed: a short press held back by SUPPRESS is told now. */
  private windowClosed(sc: number): void {
    if (!(this.flags[sc] & CLICK_HELD)) return;
    this.flags[sc] &= ~CLICK_HELD;
    this.emit(sc, CLOSE);
    this.emit(sc, OPEN);
  }
  private emit(sc: number, event: number): void {
    if (this.cfg & event) this.report([sc, event]);
  }
}
