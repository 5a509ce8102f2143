import { getEventLoop } from "../asyncio/loop";
import { ThreadSafeFlag } from "../asyncio/threadsafeflag";
import { describe } from "../asyncio/ticks";
import { FALLING, getDigitalPort, RISING, type DigitalLine, type DigitalPort } from "./port";

type Level = 0 | 1;
export type IrqHandler = (pin: Pin) => void;

function toLevel(v: unknown, what: string): Level {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && !Number.isNaN(v)) return v ? 1 : 0;
  throw new TypeError(`${what}: expected a boolean or a number, got ${describe(v)}`);
}

/**
 * MicroPython's machine.Pin: new Pin(14, Pin.OUT), value(), on(), off(),
 * toggle(), irq(), plus an awaitable edge(). Outputs read back the last
 * written level (ESP32's digital IO can't read an output).
 */
export class Pin {
  static readonly IN = 0;
  static readonly OUT = 1;
  static readonly OPEN_DRAIN = 2;
  static readonly PULL_UP = 1;
  static readonly PULL_DOWN = 2;
  static readonly IRQ_RISING = RISING;
  static readonly IRQ_FALLING = FALLING;

  readonly id: number;
  readonly mode: number;
  readonly pull: number | null;
  private readonly port: DigitalPort;
  private line: DigitalLine | null;
  private written: Level;
  private handler: IrqHandler | null = null;
  private handlerTrigger = 0;
  private edgeFlag: ThreadSafeFlag | null = null;
  private edgeTrigger = 0;
  private edgeWaiters = 0;

  constructor(id: number, mode: number = Pin.IN, pull: number | null = null, options: { value?: number | boolean } = {}) {
    const port = getDigitalPort();
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > port.maxPin) {
      throw new RangeError(`Pin: pin ${describe(id)} is out of range for the ${port.name} (0–${port.maxPin})`);
    }
    if (mode !== Pin.IN && mode !== Pin.OUT && mode !== Pin.OPEN_DRAIN) {
      throw new RangeError(`Pin(${id}): mode must be Pin.IN, Pin.OUT or Pin.OPEN_DRAIN, got ${describe(mode)}`);
    }
    if (pull !== null && pull !== undefined && pull !== Pin.PULL_UP && pull !== Pin.PULL_DOWN) {
      throw new RangeError(`Pin(${id}): pull must be null, Pin.PULL_UP or Pin.PULL_DOWN, got ${describe(pull)}`);
    }
    this.id = id;
    this.mode = mode;
    this.pull = pull ?? null;
    this.port = port;
    this.written = options.value === undefined ? 0 : toLevel(options.value, `Pin(${id}) value option`);
    this.line = this.open(0);
  }

  /** value() reads the pin; value(v) drives an output (truthy = 1). */
  value(): Level;
  value(v: number | boolean): void;
  value(v?: number | boolean): Level | void {
    const line = this.checkOpen();
    if (v === undefined) return this.mode === Pin.IN ? line.read() : this.written;
    const level = toLevel(v, `Pin(${this.id}).value()`);
    if (this.mode === Pin.IN) throw new Error(`Pin(${this.id}).value(${level}): the pin is an input`);
    this.written = level;
    line.write(level);
  }
  on(): void {
    this.value(1);
  }
  off(): void {
    this.value(0);
  }
  toggle(): void {
    this.value(this.written ? 0 : 1);
  }

  /**
   * Calls handler(pin) on each matching edge, from the host's callback
   * context (outside any task): keep it short, or set a flag/event.
   * irq(null) removes it.
   */
  irq(handler: IrqHandler | null, trigger: number = Pin.IRQ_RISING | Pin.IRQ_FALLING): this {
    if (handler !== null && typeof handler !== "function") throw new TypeError(`Pin(${this.id}).irq(): handler must be a function or null`);
    this.checkTrigger(trigger, "irq");
    this.handler = handler;
    this.handlerTrigger = handler ? trigger : 0;
    this.reopen();
    return this;
  }

  /** Resolves at the next matching edge; cancellable like any asyncio awaitable. */
  async edge(trigger: number = Pin.IRQ_RISING | Pin.IRQ_FALLING): Promise<void> {
    this.checkTrigger(trigger, "edge");
    if (this.edgeWaiters > 0) throw new Error(`Pin(${this.id}).edge(): another task is already waiting on this pin`);
    const flag = (this.edgeFlag ??= new ThreadSafeFlag());
    flag.clear();
    this.edgeTrigger = trigger;
    this.edgeWaiters++;
    this.reopen();
    try {
      await flag.wait();
    } finally {
      this.edgeWaiters--;
      this.edgeTrigger = 0;
      this.reopen();
    }
  }

  close(): void {
    this.line?.close();
    this.line = null;
  }
  deinit(): void {
    this.close();
  }
  toString(): string {
    return `Pin(${this.id}, mode=${["IN", "OUT", "OPEN_DRAIN"][this.mode]}${this.pull ? `, pull=${this.pull === Pin.PULL_UP ? "PULL_UP" : "PULL_DOWN"}` : ""})`;
  }

  private checkTrigger(trigger: number, what: string): void {
    if (this.mode !== Pin.IN) throw new Error(`Pin(${this.id}).${what}(): edges are only reported on input pins`);
    if (typeof trigger !== "number" || trigger < 1 || trigger > 3 || !Number.isInteger(trigger)) {
      throw new RangeError(`Pin(${this.id}).${what}(): trigger must be Pin.IRQ_RISING, Pin.IRQ_FALLING or both, got ${describe(trigger)}`);
    }
  }
  private checkOpen(): DigitalLine {
    if (!this.line) throw new Error(`Pin(${this.id}): the pin is closed`);
    return this.line;
  }
  private reopen(): void {
    const edges = this.handlerTrigger | this.edgeTrigger;
    if (this.line && edges === this.openEdges) return;
    this.line?.close();
    this.line = this.open(edges);
  }
  private openEdges = 0;
  private open(edges: number): DigitalLine {
    this.openEdges = edges;
    return this.port.open({
      pin: this.id,
      mode: this.mode === Pin.IN ? "input" : this.mode === Pin.OUT ? "output" : "open-drain",
      pull: this.pull === Pin.PULL_UP ? "up" : this.pull === Pin.PULL_DOWN ? "down" : "none",
      edges,
      onEdge: edges ? (level) => this.edgeSeen(level) : undefined,
      initial: this.written,
    });
  }
  private edgeSeen(level: Level): void {
    // A host callback, outside any task: whatever step ran last is not running now.
    const loop = getEventLoop();
    const current = loop.current;
    loop.current = null;
    try {
      this.dispatchEdge(level);
    } finally {
      loop.current = current;
    }
  }
  private dispatchEdge(level: Level): void {
    const kind = level ? RISING : FALLING;
    if (this.handlerTrigger & kind) {
      try {
        this.handler!(this);
      } catch (e) {
        // Runs in a host callback: an escaping exception would abort XS.
        getEventLoop().callExceptionHandler({ message: `Exception in the irq handler of Pin(${this.id})`, exception: e, future: null });
      }
    }
    if (this.edgeTrigger & kind) this.edgeFlag!.set();
  }
}
