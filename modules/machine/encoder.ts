import { callUser } from "../asyncio/calluser";
import { isInstance, RuntimeError } from "../asyncio/errors";
import { describe } from "../asyncio/format";
import { getEventLoop } from "../asyncio/loop";
import { LoopTimer } from "../asyncio/timer";
import { Pin } from "./pin";
import { Pulse } from "../asyncio/pulse";
import { peek, readOptions } from "./args";

/** What an encoder needs from each of its pins: machine.Pin, or anything with the same value()/irq(). */
export type EncoderPin = Pick<Pin, "value" | "irq">;
/** Called as callback(value, delta, ...args) when the encoder's value changes; an async one runs on as a task. */
export type EncoderCallback = (value: number, delta: number, ...args: any[]) => unknown;

/** Encoder's options: Hinch's constructor arguments (delay is delayMs). */
export interface EncoderOptions {
  /** Initial value (default 0). */
  v?: number;
  /** Divides the count (a whole number >= 1, default 1): 4 or 2 tracks the detents of a knob with 4 or 2 pulses per click. */
  div?: number;
  /** Lower limit of the value (default none). */
  vmin?: number | null;
  /** Upper limit of the value (default none). */
  vmax?: number | null;
  /** The value is reduced modulo this whole number > 0 (default none). */
  mod?: number | null;
  /** Runs at each change of the value: callback(value, delta, ...args). */
  callback?: EncoderCallback | null;
  args?: readonly unknown[];
  /** After motion is seen, the value is read this many ms later (default 100): it limits how often the callback runs. */
  delayMs?: number;
}

const OPTION_KEYS = ["v", "div", "vmin", "vmax", "mod", "callback", "args", "delayMs"] as const;
const BOTH_EDGES = 3; // Pin.IRQ_RISING | Pin.IRQ_FALLING

/** Python's round(): halves go to the even neighbour (Hinch's `round(hv / div)`). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  const even = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even + 0; // no -0
}

function pinName(pin: unknown): string {
  const id = peek(pin, "id");
  return typeof id === "number" ? `Pin(${id})` : "pin";
}

/**
 * Peter Hinch's Encoder (micropython-async v3, primitives/encoder.py; its
 * docs: v3/docs/DRIVERS.md §6, "Quadrature encoders"): a rotary control knob
 * on two pins (inputs, usually Pin.PULL_UP), its edges counted in the pins'
 * irq handlers. Each edge of X adds 1 when X and Y then differ, else
 * subtracts 1; each edge of Y the reverse; an edge that does not change its
 * pin's level (a bounce already undone) counts nothing, so contact bounce
 * adds and takes back the same amount. delayMs after the first edge of a
 * movement the count is read, divided (div, Python's round), held within
 * vmin … vmax and reduced modulo mod, in that order, as Hinch does; when that
 * value changed, callback(value, delta, ...args) runs, in the loop's context
 * (not the interrupt's), and changed() resolves with it.
 *
 * As Hinch: meant for hand-turned knobs, not CNC machines (an edge the port
 * coalesces is lost); the encoder takes over both pins' irq handlers.
 * Differences: the delay is a timer on the loop's heap, not a task (no task,
 * no host timer of its own; the value is read exactly delayMs after the
 * first edge of a movement, where Hinch's task reads it delayMs after it is
 * next scheduled); changed() is new; close() stops it.
 *
 * Errors name the encoder: "Encoder(Pin(4), Pin(5)).changed(): the encoder
 * is closed". Whatever the callback throws goes to the loop's exception
 * handler and the encoder goes on. Closing either pin closes the encoder.
 */
export class Encoder {
  readonly pinX: EncoderPin;
  readonly pinY: EncoderPin;
  readonly delayMs: number;
  private readonly name: string;
  private readonly div: number;
  private readonly vmin: number | null;
  private readonly vmax: number | null;
  private readonly mod: number | null;
  private readonly callback: EncoderCallback | null;
  private readonly args: readonly unknown[];
  /** Pin levels as last counted. */
  private x: 0 | 1;
  private y: 0 | 1;
  /** The raw count ("hardware value"), changed by the irq handlers. */
  private count: number;
  /** The value (divided, limited): value(). */
  private current: number;
  /** The raw count, divided value and limited value at the last reading. */
  private prevCount: number;
  private prevDivided: number;
  private prevValue: number;
  private readonly timer: LoopTimer;
  private readonly changes = new Pulse<number>();
  private closed = false;
  private closedBecause = "";
  private unwatch: (() => void)[] = [];

  /**
   * Starts counting the edges of pinX and pinY.
   * @throws TypeError, RangeError (bad pins or options: nothing is registered then), RuntimeError (a pin closed or an output)
   */
  constructor(pinX: EncoderPin, pinY: EncoderPin, options: EncoderOptions = {}) {
    for (const p of [pinX, pinY]) {
      if (p === null || typeof p !== "object" || typeof peek(p, "value") !== "function" || typeof peek(p, "irq") !== "function") {
        throw new TypeError(`Encoder: expected two input Pins, got ${describe(p)}`);
      }
    }
    const name = `Encoder(${pinName(pinX)}, ${pinName(pinY)})`;
    if (pinX === pinY) throw new RangeError(`${name}: X and Y must be different pins`);
    const o = readOptions(name, options, OPTION_KEYS, "an options object") as EncoderOptions;
    const v = o.v ?? 0;
    const div = o.div ?? 1;
    const vmin = o.vmin ?? null;
    const vmax = o.vmax ?? null;
    const mod = o.mod ?? null;
    const delayMs = o.delayMs ?? 100;
    const callback = o.callback ?? null;
    const args = o.args ?? [];
    const number = (key: string, x: unknown): void => {
      if (typeof x !== "number" || !Number.isFinite(x)) throw new (typeof x === "number" ? RangeError : TypeError)(`${name}: expected ${key} as a finite number, got ${describe(x)}`);
    };
    number("v", v);
    number("div", div);
    if (!Number.isInteger(div) || div < 1) throw new RangeError(`${name}: div must be a whole number >= 1, got ${div}`);
    if (vmin !== null) number("vmin", vmin);
    if (vmax !== null) number("vmax", vmax);
    if (mod !== null) {
      number("mod", mod);
      if (!Number.isInteger(mod) || mod < 1) throw new RangeError(`${name}: mod must be a whole number > 0, got ${mod}`);
    }
    if ((vmin !== null && v < vmin) || (vmax !== null && v > vmax)) throw new RangeError(`${name}: incompatible options: must have vmin <= v <= vmax (v ${v}, vmin ${vmin}, vmax ${vmax})`);
    if (typeof delayMs !== "number" || Number.isNaN(delayMs)) throw new TypeError(`${name}: expected delayMs as a number of milliseconds, got ${describe(delayMs)}`);
    if (delayMs < 0 || !Number.isFinite(delayMs)) throw new RangeError(`${name}: delayMs must be a finite number of milliseconds >= 0, got ${delayMs}`);
    if (callback !== null && typeof callback !== "function") throw new TypeError(`${name}: expected the callback as a function or null, got ${describe(callback)}`);
    // Copied (Hinch's args is a tuple): a Proxy that fails fails here, not in the timer's callback.
    let argsCopy: unknown[] | null = null;
    try {
      if (Array.isArray(args)) argsCopy = [...(args as unknown[])];
    } catch {
      // a revoked Proxy, a throwing iterator
    }
    if (argsCopy === null) throw new TypeError(`${name}: expected args as an array, got ${describe(args)}`);

    this.pinX = pinX;
    this.pinY = pinY;
    this.name = name;
    this.div = div;
    this.vmin = vmin;
    this.vmax = vmax;
    this.mod = mod;
    this.delayMs = delayMs;
    this.callback = callback;
    this.args = argsCopy;
    this.count = v * div;
    this.current = v;
    this.prevCount = this.count;
    this.prevDivided = v;
    this.prevValue = v;
    this.timer = new LoopTimer(() => this.settle());
    this.x = pinX.value() ? 1 : 0;
    this.y = pinY.value() ? 1 : 0;
    // Each step may throw (a closed pin, an output): undo what came before.
    try {
      pinX.irq(() => this.edgeX(), BOTH_EDGES);
      pinY.irq(() => this.edgeY(), BOTH_EDGES);
      for (const p of [pinX, pinY]) if (isInstance(p, Pin)) this.unwatch.push((p as Pin).onClose(() => this.shut(" (its pin was closed)")));
    } catch (e) {
      try {
        this.release();
      } catch {
        // The first error is the one to report (an output pin refuses irq(null) too).
      }
      throw e;
    }
  }

  /** The value: divided, limited and reduced as the options say (Hinch's value()). */
  value(): number {
    return this.current;
  }

  /**
   * Resolves with the value at its next change (when the callback runs).
   * Cancellable; rejects with RuntimeError once the encoder is closed.
   */
  changed(): Promise<number> {
    if (this.closed) return Promise.reject(new RuntimeError(`${this.name}.changed(): the encoder is closed${this.closedBecause}`));
    return this.changes.wait();
  }

  /** Stops counting for good: removes the pins' irq handlers, rejects pending changed(). Idempotent; closing a pin does it too. */
  close(): void {
    this.shut("");
  }
  deinit(): void {
    this.close();
  }
  toString(): string {
    return this.name;
  }

  // Hinch's _x_cb and _y_cb, from the pins' irq handlers (outside any task).
  private edgeX(): void {
    const x = this.pinX.value() ? 1 : 0;
    if (x === this.x) return;
    this.x = x;
    this.count += x ^ (this.pinY.value() ? 1 : 0) ? 1 : -1;
    this.moved();
  }
  private edgeY(): void {
    const y = this.pinY.value() ? 1 : 0;
    if (y === this.y) return;
    this.y = y;
    this.count -= y ^ (this.pinX.value() ? 1 : 0) ? 1 : -1;
    this.moved();
  }
  private moved(): void {
    if (!this.closed && !this.timer.running()) this.timer.start(this.delayMs);
  }

  // Hinch's _run loop body, after its sleep_ms(delay).
  private settle(): void {
    if (this.closed) return;
    const hv = this.count;
    if (hv === this.prevCount) return; // a change undone before the reading
    this.prevCount = hv;
    const cv = roundHalfEven(hv / this.div);
    const dv = cv - this.prevDivided;
    if (dv === 0) return;
    let lcv = this.current + dv;
    if (this.vmax !== null) lcv = Math.min(this.vmax, lcv);
    if (this.vmin !== null) lcv = Math.max(this.vmin, lcv);
    if (this.mod !== null) lcv = ((lcv % this.mod) + this.mod) % this.mod;
    this.current = lcv;
    const previous = this.prevValue;
    this.prevDivided = cv;
    this.prevValue = lcv;
    if (lcv === previous) return;
    if (this.callback) callUser(getEventLoop(), this.callback, [lcv, lcv - previous, ...this.args], `${this.name} callback`);
    this.changes.fire(lcv);
  }

  private shut(because: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closedBecause = because;
    try {
      this.release();
    } finally {
      this.changes.fail(() => new RuntimeError(`${this.name}.changed(): the encoder is closed${because}`));
    }
  }
  private release(): void {
    this.timer.stop();
    const unwatch = this.unwatch;
    this.unwatch = [];
    for (const u of unwatch) u();
    try {
      this.pinX.irq(null);
    } finally {
      this.pinY.irq(null);
    }
  }
}
