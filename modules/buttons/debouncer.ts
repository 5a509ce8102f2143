import { cancelSafely } from "../asyncio/cancel";
import { sleepMs } from "../asyncio/funcs";
import { getEventLoop } from "../asyncio/loop";
import type { Task } from "../asyncio/task";
import { ThreadSafeFlag } from "../asyncio/threadsafeflag";
import { describe } from "../asyncio/ticks";
import type { Pin } from "../machine/pin";
import { checkMs } from "./launch";

const BOTH_EDGES = 3; // Pin.IRQ_RISING | Pin.IRQ_FALLING

/** What a switch or button needs from its pin: machine.Pin, or anything with the same value()/irq(). */
export type InputPin = Pick<Pin, "value" | "irq">;

/**
 * Edge-driven debouncing shared by Switch and Pushbutton. The pin's irq
 * sets a ThreadSafeFlag; ONE task per object waits on it, so an idle button
 * costs nothing (no polling). On a change the new level is acted on at once,
 * then edges are ignored for debounceMs and the level is read again (a
 * change that happened meanwhile is acted on then): the same leading-edge
 * debounce as Hinch's 50 ms polling loop, without its up-to-50 ms latency.
 * Sleeps and timers are the loop's, on its single host timer.
 * @internal
 */
export abstract class Debouncer {
  readonly pin: InputPin;
  readonly debounceMs: number;
  /** Debounced electrical level. */
  protected level: 0 | 1;
  private readonly flag = new ThreadSafeFlag();
  private task: Task<void> | null;
  private closing = false;

  constructor(pin: InputPin, debounceMs: number, what: string) {
    if (pin === null || typeof pin !== "object" || typeof pin.value !== "function" || typeof pin.irq !== "function") {
      throw new TypeError(`${what}: expected an input Pin, got ${describe(pin)}`);
    }
    this.debounceMs = checkMs(what, "debounceMs", debounceMs);
    this.pin = pin;
    pin.irq(() => this.flag.set(), BOTH_EDGES);
    this.level = pin.value();
    this.task = getEventLoop().createTask(() => this.watch());
  }

  /** Stops watching the pin: cancels the internal task and removes the pin's irq handler. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.pin.irq(null);
    const task = this.task;
    this.task = null;
    if (task) cancelSafely(task.loop, task);
    this.stopped();
  }
  deinit(): void {
    this.close();
  }

  /** The debounced level changed. */
  protected abstract changed(level: 0 | 1): void;
  /** close() was called: stop timers, release waiters. */
  protected abstract stopped(): void;

  private async watch(): Promise<void> {
    for (;;) {
      this.flag.clear();
      const raw = this.pin.value();
      if (raw === this.level) {
        await this.flag.wait();
        continue;
      }
      this.level = raw;
      this.changed(raw);
      if (this.closing) return; // a callback closed us
      await sleepMs(this.debounceMs);
    }
  }
}
