import { Event } from "../asyncio/event";
import { LoopTimer } from "../asyncio/timer";
import { describe } from "../asyncio/ticks";
import { checkDebounced, Debouncer, type InputPin } from "./debouncer";
import { checkCallback, checkMs, launch, type Callback } from "./launch";
import { Pulse } from "../asyncio/pulse";

export interface PushbuttonOptions {
  /** See the class comment (Hinch's suppress). Default false. */
  suppress?: boolean;
  /** Electrical level of the button NOT pressed; default: the pin's level at construction (Hinch). */
  sense?: 0 | 1 | null;
  /** A press held this long (ms) is a long press (default 1000; Hinch's long_press_ms); 0 or null: no long presses. */
  longPressMs?: number | null;
  /** A second press this soon (ms) after the first is a double click (default 400; Hinch's double_click_ms); 0 or null: no double clicks. */
  doubleClickMs?: number | null;
  /** The former name of longPressMs (giving both is a TypeError). */
  longMs?: number | null;
  /** The former name of doubleClickMs (giving both is a TypeError). */
  doubleMs?: number | null;
  /** Edges are ignored for this long (ms) after a change (default 50). */
  debounceMs?: number;
}

/** An option under its name or its former one: the name given and its value. @throws TypeError when both are given */
function alias(name: string, read: Record<string, unknown>, key: string, former: string, otherwise: number): [string, unknown] {
  if (read[key] !== undefined && read[former] !== undefined) throw new TypeError(`${name}: give ${key} or its former name ${former}, not both`);
  // null is a value here (none of these), not a default.
  return read[key] !== undefined ? [key, read[key]] : read[former] !== undefined ? [former, read[former]] : [key, otherwise];
}

type Slot = { fn: Callback; args: readonly unknown[] } | null;

/**
 * Peter Hinch's Pushbutton: a debounced button with press, release, long
 * press and double click, as callbacks (pressFunc/releaseFunc/longFunc/
 * doubleFunc as Hinch: a function, null to make an Event named press/
 * release/long/double, false for none) and as awaitables (pressed(),
 * released(), longPressed(), doubleClicked(): the next such event).
 *
 * Long and double click times run from the (debounced) press, on the loop's
 * timer heap. The second press of a double click starts no long press
 * (Hinch issue #101). Long and double detection is always on unless turned
 * off with longMs/doubleMs 0 (Hinch: only when a callback is set).
 *
 * suppress (Hinch): the release event is reserved for a "plain" click. After
 * a long press or a double click there is no release event, and a short
 * click's release event waits until the double-click window has closed
 * (until then a second click might come). Works with or without a release
 * callback (Hinch issue #115). Other events are not affected.
 *
 * Whatever a callback throws goes to the loop's exception handler and the
 * button goes on. After close() (or once its Pin is closed) the awaitables,
 * the xFunc() setters and rawState() refuse with RuntimeError; isPressed()
 * keeps the last debounced state.
 */
export class Pushbutton extends Debouncer {
  readonly suppress: boolean;
  readonly sense: 0 | 1;
  readonly longMs: number;
  readonly doubleMs: number;
  /** Events made by pressFunc(null) etc. (Hinch); set on each event, cleared by the application. */
  press: Event | null = null;
  release: Event | null = null;
  long: Event | null = null;
  double: Event | null = null;
  protected readonly noun = "button";
  private pressCb: Slot = null;
  private releaseCb: Slot = null;
  private longCb: Slot = null;
  private doubleCb: Slot = null;
  private readonly presses = new Pulse();
  private readonly releases = new Pulse();
  private readonly longs = new Pulse();
  private readonly doubles = new Pulse();
  private readonly longTimer: LoopTimer;
  private readonly doubleTimer: LoopTimer;
  private state: boolean;
  /** A first click's double-click window is open (suppress holds its release back). */
  private doublePending = false;
  /** This press completed a double click (suppress drops its release). */
  private doubleRan = false;

  /**
   * Starts watching pin (an input; active low with Pin.PULL_UP unless sense says otherwise).
   * @throws TypeError, RangeError (bad pin or options; nothing is registered then), RuntimeError (the pin is closed or an output)
   */
  constructor(pin: InputPin, options: PushbuttonOptions = {}) {
    // Every option is checked before super() registers the irq handler and the task.
    const { name, debounceMs, read } = checkDebounced("Pushbutton", pin, options, ["suppress", "sense", "longPressMs", "doubleClickMs", "longMs", "doubleMs"]);
    const { suppress = false, sense = null } = read;
    const [longKey, longMs] = alias(name, read, "longPressMs", "longMs", 1000);
    const [doubleKey, doubleMs] = alias(name, read, "doubleClickMs", "doubleMs", 400);
    if (typeof suppress !== "boolean") throw new TypeError(`${name}: expected suppress as a boolean, got ${describe(suppress)}`);
    if (sense !== null && typeof sense !== "number") throw new TypeError(`${name}: expected sense as 0, 1 or null, got ${describe(sense)}`);
    if (sense !== null && sense !== 0 && sense !== 1) throw new RangeError(`${name}: sense must be 0, 1 or null, got ${sense}`);
    const long = longMs === null ? 0 : checkMs(name, longKey, longMs);
    const double = doubleMs === null ? 0 : checkMs(name, doubleKey, doubleMs);
    super(pin, debounceMs, name);
    this.suppress = suppress;
    this.sense = sense ?? this.level;
    this.longMs = long;
    this.doubleMs = double;
    this.state = this.isPressedLevel(this.level);
    this.longTimer = new LoopTimer(() => this.emit(this.longCb, this.longs, "long"));
    this.doubleTimer = new LoopTimer(() => this.doubleExpired());
  }

  /** Runs fn(...args) at each press; null: set `press` (an Event) instead; false: nothing. @throws TypeError, RuntimeError (closed) */
  pressFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.pressCb = this.slot("pressFunc", fn, args, (ev) => (this.press = ev));
  }
  /** Runs fn(...args) at each release event; null: set `release` instead; false: nothing. @throws TypeError, RuntimeError (closed) */
  releaseFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.releaseCb = this.slot("releaseFunc", fn, args, (ev) => (this.release = ev));
  }
  /** Runs fn(...args) at each long press; null: set `long` instead; false: nothing. @throws TypeError, RuntimeError (closed) */
  longFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.longCb = this.slot("longFunc", fn, args, (ev) => (this.long = ev));
  }
  /** Runs fn(...args) at each double click; null: set `double` instead; false: nothing. @throws TypeError, RuntimeError (closed) */
  doubleFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.doubleCb = this.slot("doubleFunc", fn, args, (ev) => (this.double = ev));
  }

  /** Resolves at the next press; rejects with RuntimeError once the button is closed. */
  pressed(): Promise<void> {
    return this.next(this.presses, "pressed");
  }
  /** Resolves at the next release event (subject to suppress); rejects with RuntimeError once closed. */
  released(): Promise<void> {
    return this.next(this.releases, "released");
  }
  /** Resolves at the next long press; rejects with RuntimeError once closed. */
  longPressed(): Promise<void> {
    return this.next(this.longs, "longPressed");
  }
  /** Resolves at the next double click; rejects with RuntimeError once closed. */
  doubleClicked(): Promise<void> {
    return this.next(this.doubles, "doubleClicked");
  }
  /** Debounced state: true while pressed (Hinch's button()). */
  isPressed(): boolean {
    return this.state;
  }
  /** Instantaneous, undebounced state (Hinch's rawstate()). @throws RuntimeError (closed) */
  rawState(): boolean {
    this.checkOpen("rawState");
    return this.isPressedLevel(this.pin.value() ? 1 : 0);
  }

  protected changed(level: 0 | 1): void {
    const pressed = this.isPressedLevel(level);
    if (pressed === this.state) return;
    this.state = pressed;
    if (pressed) this.pressedNow();
    else this.releasedNow();
  }
  protected stopped(): void {
    this.longTimer.stop();
    this.doubleTimer.stop();
    this.failAll(this.presses, "pressed");
    this.failAll(this.releases, "released");
    this.failAll(this.longs, "longPressed");
    this.failAll(this.doubles, "doubleClicked");
  }

  private pressedNow(): void {
    // A callback may close the button: no timer may start after that.
    if (!this.emit(this.pressCb, this.presses, "press")) return;
    if (this.doubleMs > 0 && this.doubleTimer.running()) {
      // Second click inside the window: a double click, and no long press timing.
      this.doubleTimer.stop();
      this.doublePending = false;
      this.doubleRan = true;
      this.emit(this.doubleCb, this.doubles, "double");
      return;
    }
    if (this.longMs > 0) this.longTimer.start(this.longMs);
    if (this.doubleMs > 0) {
      this.doubleTimer.start(this.doubleMs);
      this.doublePending = true;
    }
  }
  private releasedNow(): void {
    if (!this.suppress) this.emit(this.releaseCb, this.releases, "release");
    else {
      const longRan = this.longMs > 0 && !this.longTimer.running();
      if (!this.doublePending && !this.doubleRan && !longRan) this.emit(this.releaseCb, this.releases, "release");
    }
    this.longTimer.stop();
    this.doubleRan = false;
  }
  /** The double-click window closed without a second click. */
  private doubleExpired(): void {
    this.doublePending = false;
    // suppress: a short click's release was held back until now.
    if (this.suppress && !this.state && !this.longTimer.running()) this.emit(this.releaseCb, this.releases, "release");
  }

  /** Runs the callback and wakes the awaiters; false if the callback closed the button. */
  private emit(slot: Slot, pulse: Pulse, what: string): boolean {
    if (slot) launch(slot.fn, slot.args, `${this.name} ${what}`);
    if (this.isClosed) return false;
    pulse.fire();
    return true;
  }
  private isPressedLevel(level: 0 | 1): boolean {
    return level !== this.sense;
  }
  private slot(method: string, fn: Callback | null | false, args: readonly unknown[], keep: (ev: Event) => void): Slot {
    checkCallback(`${this.name}.${method}()`, fn, args);
    this.checkOpen(method);
    if (fn === null) {
      const ev = new Event();
      keep(ev);
      return { fn: () => ev.set(), args: [] };
    }
    return fn ? { fn, args } : null;
  }
}
