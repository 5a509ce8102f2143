import { Event } from "../asyncio/event";
import { RuntimeError } from "../asyncio/errors";
import { LoopTimer } from "../asyncio/timer";
import { describe } from "../asyncio/ticks";
import { Debouncer, type InputPin } from "./debouncer";
import { checkCallback, checkMs, launch, type Callback } from "./launch";
import { Pulse } from "./pulse";

export interface PushbuttonOptions {
  /** See the class comment (Hinch's suppress). Default false. */
  suppress?: boolean;
  /** Electrical level of the button NOT pressed; default: the pin's level at construction (Hinch). */
  sense?: 0 | 1 | null;
  /** A press held this long is a long press (default 1000); 0 or null: no long presses. */
  longMs?: number | null;
  /** A second press this soon after the first is a double click (default 400); 0 or null: no double clicks. */
  doubleMs?: number | null;
  /** Edges are ignored for this long after a change (default 50). */
  debounceMs?: number;
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

  constructor(pin: InputPin, options: PushbuttonOptions = {}) {
    if (options === null || typeof options !== "object") throw new TypeError(`Pushbutton: expected an options object, got ${describe(options)}`);
    super(pin, options.debounceMs ?? 50, "Pushbutton");
    const { suppress = false, sense = null, longMs = 1000, doubleMs = 400 } = options;
    if (sense !== null && sense !== 0 && sense !== 1) throw new RangeError(`Pushbutton: sense must be 0, 1 or null, got ${describe(sense)}`);
    this.suppress = !!suppress;
    this.sense = sense ?? this.level;
    this.longMs = longMs === null ? 0 : checkMs("Pushbutton", "longMs", longMs);
    this.doubleMs = doubleMs === null ? 0 : checkMs("Pushbutton", "doubleMs", doubleMs);
    this.state = this.isPressedLevel(this.level);
    this.longTimer = new LoopTimer(() => this.emit(this.longCb, this.longs, "long"));
    this.doubleTimer = new LoopTimer(() => this.doubleExpired());
  }

  pressFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.pressCb = this.slot("pressFunc", fn, args, (ev) => (this.press = ev));
  }
  releaseFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.releaseCb = this.slot("releaseFunc", fn, args, (ev) => (this.release = ev));
  }
  longFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.longCb = this.slot("longFunc", fn, args, (ev) => (this.long = ev));
  }
  doubleFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.doubleCb = this.slot("doubleFunc", fn, args, (ev) => (this.double = ev));
  }

  /** Resolves at the next press. */
  pressed(): Promise<void> {
    return this.presses.wait();
  }
  /** Resolves at the next release event (subject to suppress). */
  released(): Promise<void> {
    return this.releases.wait();
  }
  /** Resolves at the next long press. */
  longPressed(): Promise<void> {
    return this.longs.wait();
  }
  /** Resolves at the next double click. */
  doubleClicked(): Promise<void> {
    return this.doubles.wait();
  }
  /** Debounced state: true while pressed (Hinch's button()). */
  isPressed(): boolean {
    return this.state;
  }
  /** Instantaneous, undebounced state (Hinch's rawstate()). */
  rawState(): boolean {
    return this.isPressedLevel(this.pin.value());
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
    const error = () => new RuntimeError("Pushbutton: the button was closed");
    for (const p of [this.presses, this.releases, this.longs, this.doubles]) p.fail(error);
  }

  private pressedNow(): void {
    this.emit(this.pressCb, this.presses, "press");
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

  private emit(slot: Slot, pulse: Pulse, what: string): void {
    if (slot) launch(slot.fn, slot.args, `Pushbutton ${what}`);
    pulse.fire();
  }
  private isPressedLevel(level: 0 | 1): boolean {
    return level !== this.sense;
  }
  private slot(name: string, fn: Callback | null | false, args: readonly unknown[], keep: (ev: Event) => void): Slot {
    checkCallback(`Pushbutton.${name}()`, fn, args);
    if (fn === null) {
      const ev = new Event();
      keep(ev);
      return { fn: () => ev.set(), args: [] };
    }
    return fn ? { fn, args } : null;
  }
}
