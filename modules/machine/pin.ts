import { RuntimeError } from "../asyncio/errors";
import { callUser } from "../asyncio/calluser";
import { getEventLoop, type Loop } from "../asyncio/loop";
import { describe } from "../asyncio/ticks";
import { PARKED, type Waiter, type WaitHome } from "../asyncio/waiter";
import { FALLING, getDigitalPort, RISING, type DigitalLine, type DigitalPort } from "./port";

type Level = 0 | 1;
/** An irq handler; an async one runs on as a task (its failure is reported like any task's). */
export type IrqHandler = (pin: Pin) => unknown;

function toLevel(v: unknown, what: string): Level {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v !== "number") throw new TypeError(`${what}: expected a boolean or a number, got ${describe(v)}`);
  if (Number.isNaN(v)) throw new RangeError(`${what}: NaN is not a level (expected a boolean or a number)`);
  return v ? 1 : 0;
}

/**
 * The one task waiting in edge(). Not a ThreadSafeFlag: close() must be able
 * to reject it, and set() comes from host callbacks (wakeSoon).
 */
class EdgeWait implements WaitHome {
  private waiter: Waiter<void> | null = null;

  wait(): Promise<void> {
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiter = w;
    }
    return w;
  }
  fire(): void {
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    w.home = null;
    w.loop.wakeSoon(w, undefined);
  }
  fail(error: Error): void {
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    w.home = null;
    w.loop.wake(w, error, true);
  }
  unpark(w: Waiter<any>): boolean {
    if (this.waiter === w) this.waiter = null;
    return true;
  }
}

/**
 * MicroPython's machine.Pin: new Pin(14, Pin.OUT), value(), on(), off(),
 * toggle(), irq(), plus an awaitable edge(). Outputs read back the last
 * written level (ESP32's digital IO can't read an output).
 *
 * Errors: TypeError for an argument of the wrong type, RangeError for a
 * value not allowed (pin number, mode, pull, trigger, an input-only pin as
 * an output), RuntimeError (asyncio's) for misuse in the pin's current
 * state (closed, already open, writing an input, edges on an output, a
 * second task in edge()). Messages start with the pin: "Pin(14).value(1): …".
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
  /** null once closed. */
  private line: DigitalLine | null;
  private openEdges = 0;
  private written: Level;
  private handler: IrqHandler | null = null;
  private handlerTrigger = 0;
  private readonly edgeWait = new EdgeWait();
  private edgeTrigger = 0;
  private edgeWaiters = 0;
  /** The edge() in progress and the task that asked (see edge()). */
  private pendingEdge: { promise: Promise<void>; owner: unknown; trigger: number } | null = null;
  private closeListeners: (() => void)[] = [];

  /**
   * Opens pin `id` (0 … the port's highest pin) as Pin.IN, Pin.OUT or
   * Pin.OPEN_DRAIN, with pull null, Pin.PULL_UP or Pin.PULL_DOWN;
   * options.value is an output's initial level. Everything is checked
   * before the pin is opened, so a constructor that throws leaves it free.
   * @throws TypeError, RangeError, RuntimeError (already open, no port installed)
   */
  constructor(id: number, mode: number = Pin.IN, pull: number | null = null, options: { value?: number | boolean } = {}) {
    if (typeof id !== "number") throw new TypeError(`Pin: expected the pin number as a number, got ${describe(id)}`);
    if (typeof mode !== "number") throw new TypeError(`Pin(${id}): expected mode as a number (Pin.IN, Pin.OUT or Pin.OPEN_DRAIN), got ${describe(mode)}`);
    if (mode !== Pin.IN && mode !== Pin.OUT && mode !== Pin.OPEN_DRAIN) {
      throw new RangeError(`Pin(${id}): mode must be Pin.IN, Pin.OUT or Pin.OPEN_DRAIN, got ${mode}`);
    }
    if (pull !== null && pull !== undefined && typeof pull !== "number") {
      throw new TypeError(`Pin(${id}): expected pull as null or a number (Pin.PULL_UP or Pin.PULL_DOWN), got ${describe(pull)}`);
    }
    if (pull !== null && pull !== undefined && pull !== Pin.PULL_UP && pull !== Pin.PULL_DOWN) {
      throw new RangeError(`Pin(${id}): pull must be null, Pin.PULL_UP or Pin.PULL_DOWN, got ${pull}`);
    }
    if (options === null || typeof options !== "object") throw new TypeError(`Pin(${id}): expected an options object, got ${describe(options)}`);
    const written = options.value === undefined ? 0 : toLevel(options.value, `Pin(${id}) value option`);
    const port = getDigitalPort();
    if (!Number.isInteger(id) || id < 0 || id > port.maxPin) {
      throw new RangeError(`Pin: pin ${describe(id)} is out of range for the ${port.name} (0–${port.maxPin})`);
    }
    this.id = id;
    this.mode = mode;
    this.pull = pull ?? null;
    this.port = port;
    this.written = written;
    this.line = this.open(0);
  }

  /**
   * value() reads the pin (0 or 1); value(v) drives an output (truthy = 1).
   * @throws TypeError (v not a boolean or number), RangeError (NaN), RuntimeError (closed; writing an input)
   */
  value(): Level;
  value(v: number | boolean): void;
  value(v?: number | boolean): Level | void {
    if (v === undefined) {
      const line = this.checkOpen("value()");
      return this.mode === Pin.IN ? line.read() : this.written;
    }
    const level = toLevel(v, `Pin(${this.id}).value()`);
    const line = this.checkOpen(`value(${level})`);
    if (this.mode === Pin.IN) throw new RuntimeError(`Pin(${this.id}).value(${level}): the pin is an input`);
    line.write(level);
    this.written = level;
  }
  /** value(1). */
  on(): void {
    this.value(1);
  }
  /** value(0). */
  off(): void {
    this.value(0);
  }
  /** Inverts an output. */
  toggle(): void {
    this.value(this.written ? 0 : 1);
  }

  /**
   * Calls handler(pin) on each matching edge (trigger: Pin.IRQ_RISING,
   * Pin.IRQ_FALLING or both, the default), from the host's callback context
   * (outside any task): keep it short, or set a flag/event. Whatever it
   * throws goes to the loop's exception handler; an async handler runs on as
   * a task, its failure reported the same way. irq(null) removes it, and
   * does nothing on a closed pin (close() removed it already).
   * @throws TypeError, RangeError (trigger), RuntimeError (closed; an output)
   */
  irq(handler: IrqHandler | null, trigger: number = Pin.IRQ_RISING | Pin.IRQ_FALLING): this {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(`Pin(${this.id}).irq(): expected the handler as a function or null, got ${describe(handler)}`);
    }
    this.checkTrigger(trigger, "irq()");
    if (handler === null && this.line === null) return this;
    this.checkEdges("irq()");
    this.handler = handler;
    this.handlerTrigger = handler ? trigger : 0;
    this.reopen();
    return this;
  }

  /**
   * Resolves at the next matching edge; cancellable like any asyncio
   * awaitable. One task at a time; rejected if the pin is closed meanwhile.
   * @throws (rejects with) TypeError, RangeError, RuntimeError (closed; an output; another task waiting)
   */
  edge(trigger: number = Pin.IRQ_RISING | Pin.IRQ_FALLING): Promise<void> {
    // The same task waiting again for the same edges (a Promise.race polling
    // loop) gets the wait it already has: losers never pile up or collide.
    const me = getEventLoop().current;
    const pending = this.pendingEdge;
    if (pending !== null && me !== null && pending.owner === me && pending.trigger === trigger) return pending.promise;
    const busy = this.edgeWaiters > 0;
    const promise = this.edgeOnce(trigger);
    if (!busy && this.edgeWaiters > 0) this.pendingEdge = { promise, owner: me, trigger };
    return promise;
  }
  private async edgeOnce(trigger: number): Promise<void> {
    this.checkTrigger(trigger, "edge()");
    this.checkEdges("edge()");
    if (this.edgeWaiters > 0) throw new RuntimeError(`Pin(${this.id}).edge(): another task is already waiting on this pin`);
    this.edgeTrigger = trigger;
    this.edgeWaiters++;
    try {
      this.reopen();
      await this.edgeWait.wait();
    } finally {
      this.pendingEdge = null;
      this.edgeWaiters--;
      this.edgeTrigger = 0;
      this.reopen();
    }
  }

  /**
   * Releases the pin: removes the irq handler, rejects a pending edge(),
   * and closes any Switch or Pushbutton on it. Every other method throws
   * RuntimeError afterwards. Idempotent.
   */
  close(): void {
    const line = this.line;
    if (line === null) return;
    this.line = null;
    try {
      line.close();
    } finally {
      this.released();
    }
  }
  deinit(): void {
    this.close();
  }
  toString(): string {
    return `Pin(${this.id}, mode=${["IN", "OUT", "OPEN_DRAIN"][this.mode]}${this.pull ? `, pull=${this.pull === Pin.PULL_UP ? "PULL_UP" : "PULL_DOWN"}` : ""})`;
  }

  /**
   * @internal A peripheral takes the pin over (ADC(Pin(34)), I2C's scl):
   * the line is released for open() to claim; should open() throw (the
   * host refuses the pin), the line is opened again as it was, with its
   * handler and edge waits, and the error rethrown: MicroPython leaves a
   * Pin usable when ADC() or PWM() refuses it. Once open() succeeds the pin
   * is closed for good. Returns what open() returns.
   */
  handOver<T>(open: () => T): T {
    const line = this.line;
    if (line === null) return open();
    this.line = null;
    let taken: T;
    try {
      line.close();
      taken = open();
    } catch (e) {
      try {
        this.line = this.open(this.openEdges);
      } catch {
        this.released();
      }
      throw e;
    }
    this.released();
    return taken;
  }

  /**
   * @internal Calls listener once when the pin closes (buttons close with
   * their pin instead of waiting forever for an edge). Returns a function
   * that removes it.
   */
  onClose(listener: () => void): () => void {
    if (this.line === null) return () => {};
    this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners.indexOf(listener);
      if (i >= 0) this.closeListeners.splice(i, 1);
    };
  }

  private checkTrigger(trigger: unknown, what: string): void {
    if (typeof trigger !== "number") {
      throw new TypeError(`Pin(${this.id}).${what}: expected trigger as a number (Pin.IRQ_RISING, Pin.IRQ_FALLING or both), got ${describe(trigger)}`);
    }
    if (trigger < 1 || trigger > 3 || !Number.isInteger(trigger)) {
      throw new RangeError(`Pin(${this.id}).${what}: trigger must be Pin.IRQ_RISING, Pin.IRQ_FALLING or both, got ${trigger}`);
    }
  }
  private checkEdges(what: string): void {
    this.checkOpen(what);
    if (this.mode !== Pin.IN) throw new RuntimeError(`Pin(${this.id}).${what}: the pin is an output; edges are only reported on input pins`);
  }
  private checkOpen(what: string): DigitalLine {
    if (this.line === null) throw new RuntimeError(`Pin(${this.id}).${what}: the pin is closed`);
    return this.line;
  }
  /** The port reports edges as asked when a line opens: a change of edges reopens it. */
  private reopen(): void {
    const line = this.line;
    const edges = this.handlerTrigger | this.edgeTrigger;
    if (line === null || edges === this.openEdges) return;
    // Should the port refuse to reopen, the pin ends up closed, not half-open.
    this.line = null;
    try {
      line.close();
      this.line = this.open(edges);
    } catch (e) {
      this.released();
      throw e;
    }
  }
  private open(edges: number): DigitalLine {
    const line = this.port.open({
      pin: this.id,
      mode: this.mode === Pin.IN ? "input" : this.mode === Pin.OUT ? "output" : "open-drain",
      pull: this.pull === Pin.PULL_UP ? "up" : this.pull === Pin.PULL_DOWN ? "down" : "none",
      edges,
      onEdge: edges ? (level) => this.edgeSeen(level) : undefined,
      initial: this.written,
    });
    this.openEdges = edges;
    return line;
  }
  /** The line is gone: drop the handler, reject edge(), tell the buttons. */
  private released(): void {
    this.handler = null;
    this.handlerTrigger = 0;
    this.edgeTrigger = 0;
    this.openEdges = 0;
    this.edgeWait.fail(new RuntimeError(`Pin(${this.id}).edge(): the pin is closed`));
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (e) {
        getEventLoop().callExceptionHandler({ message: `Exception in Pin(${this.id}) close`, exception: e, future: null });
      }
    }
  }
  private edgeSeen(level: Level): void {
    // A host callback (a pin interrupt): on XS an exception escaping it
    // aborts the VM, so nothing may. No task is running here either,
    // whatever step ran last.
    let loop: Loop | null = null;
    try {
      loop = getEventLoop();
      const current = loop.current;
      loop.current = null;
      try {
        this.dispatchEdge(level, loop);
      } finally {
        loop.current = current;
      }
    } catch (e) {
      loop?.callExceptionHandler({ message: `Exception in Pin(${this.id}) edge`, exception: e, future: null });
    }
  }
  private dispatchEdge(level: Level, loop: Loop): void {
    if (this.line === null) return; // an edge the port had queued before close()
    const kind = level ? RISING : FALLING;
    const handler = this.handler;
    if (handler !== null && this.handlerTrigger & kind) {
      // An async handler's failure is reported as its task's, never left unhandled.
      callUser(loop, handler, [this], `Pin(${this.id}) irq handler`);
    }
    if (this.edgeTrigger & kind) this.edgeWait.fire();
  }
}
