import { Event } from "../asyncio/event";
import { LoopTimer } from "../asyncio/timer";
import { describe } from "../asyncio/ticks";
import { checkDebounced, type InputPin } from "./debouncer";
import { checkLevel, Edges } from "./eswitch";
import { checkMs } from "./launch";

export interface EButtonOptions {
  /** Hinch's suppress: press and release of a single click wait until no double click can follow (see the class). Default false. */
  suppress?: boolean;
  /** Electrical level of the button NOT pressed; null (default): the pin's level at construction (Hinch). */
  sense?: 0 | 1 | null;
  /** Edges are ignored for this long (ms) after a change (default 50, Hinch's EButton.debounce_ms). */
  debounceMs?: number;
  /** A press held this long (ms) sets `long` (default 1000, Hinch's EButton.long_press_ms). */
  longPressMs?: number;
  /** A second press this soon (ms) after the first sets `double` (default 400, Hinch's EButton.double_click_ms). */
  doubleClickMs?: number;
}

/**
 * Peter Hinch's EButton (micropython-async v3/primitives/events.py,
 * DRIVERS.md §4.1): a debounced pushbutton with an Event interface:
 * `press`, `release`, `long` (held longPressMs) and `double` (a second press
 * within doubleClickMs of the first; that press starts no long press). The
 * application clears the Events it uses. `value()` (Hinch's `eb()`) is true
 * while pressed.
 *
 * suppress (Hinch): `press` is not set at the press; when the double-click
 * window closes without a second press and the button is no longer held,
 * `press` and `release` are set together. A long press then sets `long`
 * and `release`, a double click `double` and `release`: `press` stands for
 * a single short click only. (Needs longPressMs > doubleClickMs, as Hinch.)
 *
 * Edge-driven like Pushbutton (the pin's irq, no polling); the long and
 * double-click times run on the loop's timer heap. The button takes over
 * the pin's irq handler. `deinit()` (or closing its Pin) stops it and its
 * timers for good and clears all four Events (Hinch).
 * @throws (constructor) TypeError, RangeError for a bad pin or option
 *   (nothing registered then); RuntimeError for a closed or output pin
 */
export class EButton {
  readonly press = new Event();
  readonly release = new Event();
  readonly long = new Event();
  readonly double = new Event();
  readonly suppress: boolean;
  readonly sense: 0 | 1;
  readonly longPressMs: number;
  readonly doubleClickMs: number;
  private readonly edges: Edges;
  private readonly pin: InputPin;
  private state: boolean;
  private readonly longTimer = new LoopTimer(() => this.long.set());
  private readonly doubleTimer = new LoopTimer(() => this.doubleExpired());

  constructor(pin: InputPin, options: EButtonOptions = {}) {
    const { name, debounceMs, read } = checkDebounced("EButton", pin, options, ["suppress", "sense", "longPressMs", "doubleClickMs"]);
    const { suppress = false, sense = null, longPressMs = 1000, doubleClickMs = 400 } = read;
    if (typeof suppress !== "boolean") throw new TypeError(`${name}: expected suppress as a boolean, got ${describe(suppress)}`);
    const fixed = sense === null ? null : checkLevel(name, "sense", sense);
    this.longPressMs = checkMs(name, "longPressMs", longPressMs);
    this.doubleClickMs = checkMs(name, "doubleClickMs", doubleClickMs);
    this.suppress = suppress;
    this.pin = pin;
    this.edges = new Edges(pin, debounceMs, name, "button", (level) => this.changed(level), () => this.stopped());
    this.sense = fixed ?? this.edges.debounced();
    this.state = this.edges.debounced() !== this.sense;
  }

  get debounceMs(): number {
    return this.edges.debounceMs;
  }
  /** Debounced state: true while pressed (Hinch's `eb()`); after deinit(), the last one. */
  value(): boolean {
    return this.state;
  }
  /** Instantaneous, undebounced state: true if pressed (Hinch's rawstate()). @throws what the pin's value() throws (a closed pin) */
  rawState(): boolean {
    return (this.pin.value() ? 1 : 0) !== this.sense;
  }
  /** Stops watching the pin, stops the timers and clears the four Events (Hinch). Idempotent. */
  deinit(): void {
    this.edges.close();
  }
  toString(): string {
    return this.edges.toString();
  }

  private changed(level: 0 | 1): void {
    const pressed = level !== this.sense;
    if (pressed === this.state) return;
    this.state = pressed;
    if (pressed) {
      if (!this.suppress) this.press.set();
      if (this.doubleTimer.running()) {
        this.doubleTimer.stop();
        this.double.set();
      } else {
        this.doubleTimer.start(this.doubleClickMs);
        this.longTimer.start(this.longPressMs);
      }
    } else {
      this.longTimer.stop();
      // suppress: inside the double-click window the release is postponed (set with press when the window closes).
      if (!this.suppress || !this.doubleTimer.running()) this.release.set();
    }
  }
  private doubleExpired(): void {
    // Hinch's _dtf, which runs only with suppress: a long press still being timed is not a click.
    if (this.suppress && !this.longTimer.running()) {
      this.press.set();
      this.release.set();
    }
  }
  private stopped(): void {
    this.longTimer.stop();
    this.doubleTimer.stop();
    this.press.clear();
    this.release.clear();
    this.long.clear();
    this.double.clear();
  }
}
