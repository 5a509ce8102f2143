import { Event } from "../asyncio/event";
import { RuntimeError } from "../asyncio/errors";
import { Debouncer, type InputPin } from "./debouncer";
import { checkCallback, launch, type Callback } from "./launch";
import { Pulse } from "./pulse";

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
 */
export class Switch extends Debouncer {
  /** Set on each closure once closeFunc(null) made it; the application clears it. */
  closeEvent: Event | null = null;
  /** Set on each opening once openFunc(null) made it; the application clears it. */
  openEvent: Event | null = null;
  private closeCb: { fn: Callback; args: readonly unknown[] } | null = null;
  private openCb: { fn: Callback; args: readonly unknown[] } | null = null;
  private readonly closes = new Pulse();
  private readonly opens = new Pulse();

  constructor(pin: InputPin, options: SwitchOptions = {}) {
    super(pin, options.debounceMs ?? 50, "Switch");
  }

  /** Runs fn(...args) on each closure; null: set closeEvent instead; false: nothing. */
  closeFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    checkCallback("Switch.closeFunc()", fn, args);
    if (fn === null) {
      const ev = (this.closeEvent = new Event());
      this.closeCb = { fn: () => ev.set(), args: [] };
    } else this.closeCb = fn ? { fn, args } : null;
  }
  /** Runs fn(...args) on each opening; null: set openEvent instead; false: nothing. */
  openFunc(fn: Callback | null | false, args: readonly unknown[] = []): void {
    checkCallback("Switch.openFunc()", fn, args);
    if (fn === null) {
      const ev = (this.openEvent = new Event());
      this.openCb = { fn: () => ev.set(), args: [] };
    } else this.openCb = fn ? { fn, args } : null;
  }
  /** Resolves at the next (debounced) closure. */
  closed(): Promise<void> {
    return this.closes.wait();
  }
  /** Resolves at the next (debounced) opening. */
  opened(): Promise<void> {
    return this.opens.wait();
  }
  /** Debounced level: 0 closed, 1 open (Hinch's switch()). */
  value(): 0 | 1 {
    return this.level;
  }

  protected changed(level: 0 | 1): void {
    if (level === 0) {
      if (this.closeCb) launch(this.closeCb.fn, this.closeCb.args, "Switch close");
      this.closes.fire();
    } else {
      if (this.openCb) launch(this.openCb.fn, this.openCb.args, "Switch open");
      this.opens.fire();
    }
  }
  protected stopped(): void {
    const error = () => new RuntimeError("Switch: the switch was closed");
    this.closes.fail(error);
    this.opens.fail(error);
  }
}
