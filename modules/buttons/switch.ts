import { Event } from "../asyncio/event";
import { checkDebounced, Debouncer, type InputPin } from "./debouncer";
import { checkCallback, launch, type Callback } from "./launch";
import { Pulse } from "../asyncio/pulse";

export interface SwitchOptions {
  /** Edges are ignored for this long after a change (default 50 ms, Hinch's debounce_ms). */
  debounceMs?: number;
}

/**
 * Peter Hinch's Switch: a debounced switch between a pin and ground (pin
 * pulled up): level 0 is closed, 1 is open. Callbacks as Hinch
 * (closeFunc/openFunc; null makes an Event, closeEvent/openEvent, renamed
 * from Hinch's close/open because close() stops the switch here), plus
 * awaitables closed()/opened() that resolve at the next closure/opening.
 * The switch takes over the pin's irq handler.
 *
 * Whatever a callback throws goes to the loop's exception handler and the
 * switch goes on. After close() (or once its Pin is closed) closed(),
 * opened(), closeFunc() and openFunc() refuse with RuntimeError; value()
 * keeps the last debounced level.
 */
export class Switch extends Debouncer {
  /** Set on each closure once closeFunc(null) made it; the application clears it. */
  closeEvent: Event | null = null;
  /** Set on each opening once openFunc(null) made it; the application clears it. */
  openEvent: Event | null = null;
  protected readonly noun = "switch";
  private closeCb: { fn: Callback; args: readonly unknown[] } | null = null;
  private openCb: { fn: Callback; args: readonly unknown[] } | null = null;
  private readonly closes = new Pulse();
  private readonly opens = new Pulse();

  /**
   * Starts watching pin (an input, usually Pin.PULL_UP).
   * @throws TypeError, RangeError (bad pin or options; nothing is registered then), RuntimeError (the pin is closed or an output)
   */
  constructor(pin: InputPin, options: SwitchOptions = {}) {
    const { name, debounceMs } = checkDebounced("Switch", pin, options, []);
    super(pin, debounceMs, name);
  }

  /**
   * Runs fn(...args) on each closure; null: set closeEvent instead; false: nothing.
   * @throws TypeError, RuntimeError (closed)
   */
  closeFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.closeCb = this.slot("closeFunc", fn, args, (ev) => (this.closeEvent = ev));
  }
  /**
   * Runs fn(...args) on each opening; null: set openEvent instead; false: nothing.
   * @throws TypeError, RuntimeError (closed)
   */
  openFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    this.openCb = this.slot("openFunc", fn, args, (ev) => (this.openEvent = ev));
  }
  /** Resolves at the next (debounced) closure; rejects with RuntimeError once the switch is closed. */
  closed(): Promise<void> {
    return this.next(this.closes, "closed");
  }
  /** Resolves at the next (debounced) opening; rejects with RuntimeError once the switch is closed. */
  opened(): Promise<void> {
    return this.next(this.opens, "opened");
  }
  /** Debounced level: 0 closed, 1 open (Hinch's switch()); after close(), the last one. */
  value(): 0 | 1 {
    return this.level;
  }

  protected changed(level: 0 | 1): void {
    const cb = level === 0 ? this.closeCb : this.openCb;
    if (cb) launch(cb.fn, cb.args, `${this.name} ${level === 0 ? "close" : "open"}`);
    if (this.isClosed) return;
    if (level === 0) this.closes.fire();
    else this.opens.fire();
  }
  protected stopped(): void {
    this.failAll(this.closes, "closed");
    this.failAll(this.opens, "opened");
  }

  private slot(method: string, fn: Callback | null | false, args: readonly unknown[], keep: (ev: Event) => void): { fn: Callback; args: readonly unknown[] } | null {
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
