import { cancelSafely } from "../asyncio/cancel";
import { RuntimeError } from "../asyncio/errors";
import { sleepMs } from "../asyncio/funcs";
import { getEventLoop } from "../asyncio/loop";
import type { Task } from "../asyncio/task";
import { ThreadSafeFlag } from "../asyncio/threadsafeflag";
import { describe } from "../asyncio/ticks";
import { readOptions } from "../asyncio/validate";
import { Pin } from "../machine/pin";
import { checkMs } from "./launch";
import type { Pulse } from "../asyncio/pulse";

const BOTH_EDGES = 3; // Pin.IRQ_RISING | Pin.IRQ_FALLING

/** What a switch or button needs from its pin: machine.Pin, or anything with the same value()/irq(). */
export type InputPin = Pick<Pin, "value" | "irq">;

/** "Pin(0)" for a Pin (or anything with a numeric id), "pin" otherwise. Never throws. */
function pinName(pin: object): string {
  try {
    const id = (pin as { id?: unknown }).id;
    if (typeof id === "number") return `Pin(${id})`;
  } catch {
    // A getter that throws: the name is only for messages.
  }
  return "pin";
}

/**
 * Checks what Switch and Pushbutton share, before either registers
 * anything: the pin, the options object and debounceMs (default 50).
 * Returns the object's name for messages, "Pushbutton(Pin(0))", and the
 * values of `keys` in the options (each read once; a getter that throws is
 * a TypeError naming the object).
 * @throws TypeError, RangeError
 * @internal
 */
export function checkDebounced<K extends string>(kind: string, pin: unknown, options: unknown, keys: readonly K[]): { name: string; debounceMs: number; read: { [P in K]?: unknown } } {
  if (pin === null || typeof pin !== "object" || typeof (pin as InputPin).value !== "function" || typeof (pin as InputPin).irq !== "function") {
    throw new TypeError(`${kind}: expected an input Pin, got ${describe(pin)}`);
  }
  const name = `${kind}(${pinName(pin)})`;
  const read = readOptions(name, options, [...keys, "debounceMs"], "an options object");
  const debounceMs = checkMs(name, "debounceMs", read.debounceMs ?? 50);
  return { name, debounceMs, read };
}

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
  /** "Pushbutton(Pin(0))": starts every error message and report. */
  protected readonly name: string;
  protected isClosed = false;
  /** Added to "is closed" in errors: why, when it wasn't close(). */
  private closedBecause = "";
  private readonly flag = new ThreadSafeFlag();
  private task: Task<void> | null = null;
  private unwatchPin: (() => void) | null = null;

  /** pin, debounceMs and name as checkDebounced() returned them; the subclass has checked its own options too. */
  protected constructor(pin: InputPin, debounceMs: number, name: string) {
    this.pin = pin;
    this.debounceMs = debounceMs;
    this.name = name;
    // Each step may throw (a closed pin, an output, a closed loop): undo what came before.
    this.level = pin.value() ? 1 : 0;
    pin.irq(() => this.flag.set(), BOTH_EDGES);
    try {
      this.task = getEventLoop().createTask(() => this.watch());
      if (pin instanceof Pin) this.unwatchPin = pin.onClose(() => this.shut(" (its pin was closed)"));
    } catch (e) {
      pin.irq(null);
      if (this.task) this.task.cancel();
      throw e;
    }
  }

  /**
   * Stops watching the pin for good: cancels the internal task, removes the
   * pin's irq handler, rejects pending awaitables with RuntimeError.
   * Idempotent; closing the pin does it too.
   */
  close(): void {
    this.shut("");
  }
  deinit(): void {
    this.close();
  }
  toString(): string {
    return this.name;
  }

  /** The debounced level changed. */
  protected abstract changed(level: 0 | 1): void;
  /** The object was closed: stop timers, reject waiters (see closedError). */
  protected abstract stopped(): void;
  /** "switch" or "button", for "the button is closed". */
  protected abstract readonly noun: string;

  protected closedError(method: string): RuntimeError {
    return new RuntimeError(`${this.name}.${method}(): the ${this.noun} is closed${this.closedBecause}`);
  }
  /** @throws RuntimeError once closed */
  protected checkOpen(method: string): void {
    if (this.isClosed) throw this.closedError(method);
  }
  /** pulse.wait(), or at once a rejection once closed (a closed object never fires). */
  protected next<T>(pulse: Pulse<T>, method: string): Promise<T> {
    return this.isClosed ? Promise.reject(this.closedError(method)) : pulse.wait();
  }
  /** Rejects pulse's waiters with closedError(method). */
  protected failAll(pulse: Pulse<any>, method: string): void {
    pulse.fail(() => this.closedError(method));
  }

  private shut(because: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedBecause = because;
    const unwatch = this.unwatchPin;
    this.unwatchPin = null;
    const task = this.task;
    this.task = null;
    try {
      unwatch?.();
      this.pin.irq(null);
    } finally {
      // Whatever the pin did, nothing of ours may stay behind.
      if (task) cancelSafely(task.loop, task);
      this.stopped();
    }
  }

  private async watch(): Promise<void> {
    for (;;) {
      this.flag.clear();
      let raw: 0 | 1;
      try {
        raw = this.pin.value() ? 1 : 0;
      } catch (e) {
        // A pin that can't be read can't be debounced: close, so that awaiters are rejected rather than left hanging.
        getEventLoop().callExceptionHandler({ message: `Exception in ${this.name} reading its pin`, exception: e, future: null });
        this.shut(" (its pin failed)");
        return;
      }
      if (raw === this.level) {
        await this.flag.wait();
        continue;
      }
      this.level = raw;
      try {
        this.changed(raw);
      } catch (e) {
        // User callbacks are reported by launch(); this keeps the button alive if anything else fails.
        getEventLoop().callExceptionHandler({ message: `Exception in ${this.name}`, exception: e, future: null });
      }
      if (this.isClosed) return; // a callback closed us
      await sleepMs(this.debounceMs);
    }
  }
}
