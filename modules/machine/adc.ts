import { RuntimeError } from "../asyncio/errors";
import { getEventLoop } from "../asyncio/loop";
import { describe } from "../asyncio/format";
import { peek } from "./args";
import { getAnalogPort, type AnalogChannel, type AnalogPort } from "./analogport";
import type { Pin } from "./pin";

/**
 * A pin argument: a pin number, or a machine.Pin (see takeOver()).
 * @throws TypeError, RangeError (not a whole number >= 0)
 * @internal
 */
export function pinNumber(kind: string, pin: unknown): number {
  const id = pinOf(pin);
  if (typeof id !== "number") throw new TypeError(`${kind}: expected a pin number or a Pin, got ${describe(pin)}`);
  if (!Number.isInteger(id) || id < 0) throw new RangeError(`${kind}: the pin must be a whole number >= 0, got ${id}`);
  return id;
}

/** The number a Pin stands for (its id), or v itself. @internal */
export function pinOf(v: unknown): unknown {
  return isPin(v) ? peek(v, "id") : v;
}

/**
 * Runs open() (a port opening the pin) and returns what it returns. A Pin
 * given to a peripheral is taken over: closed, as MicroPython's
 * ADC(Pin(34)) or PWM(Pin(2)) reconfigures the pin (using that Pin
 * afterwards throws "the pin is closed"); but when open() throws (the host
 * refuses the pin), the Pin is left open and usable, as MicroPython leaves
 * it. Nothing more for a pin number.
 * @internal
 */
export function takeOver<T>(pin: unknown, open: () => T): T {
  if (!isPin(pin)) return open();
  const handOver = peek(pin, "handOver");
  if (typeof handOver === "function") return (handOver as (open: () => T) => T).call(pin, open);
  (pin as Pin).close();
  return open();
}

function isPin(v: unknown): boolean {
  return v !== null && typeof v === "object" && typeof peek(v, "close") === "function";
}

/**
 * MicroPython's machine.ADC: `new ADC(34)` or `new ADC(new Pin(34))`,
 * readU16() (read_u16: 0 … 65535 whatever the converter's resolution, its
 * full scale at 65535) and readUv() (read_uv: microvolts, where the host
 * knows them: calibrated on ESP32, the simulated board; not on ESP8266 or the
 * Pico, as in MicroPython). Reads are synchronous: on the ECMA-419 hosts a
 * conversion takes microseconds. To wait for a value, see AADC.
 *
 * Errors name the pin: "ADC(34).readU16(): the ADC is closed". TypeError for
 * an argument of the wrong type, RangeError for a pin that is not an analog
 * input on this host, RuntimeError for misuse in the current state (closed,
 * the pin in use, readUv() where the host gives no voltage).
 */
export class ADC {
  /** The pin number. */
  readonly id: number;
  private readonly port: AnalogPort;
  /** null once closed. */
  private channel: AnalogChannel | null;
  private readonly max: number;
  private closeListeners: (() => void)[] = [];

  /**
   * Opens pin (a number, or a Pin it takes over once the host has opened
   * the input: a pin the host refuses leaves the Pin usable) as an analog input.
   * @throws TypeError, RangeError (not an analog pin on this host), RuntimeError (in use; no analog port installed)
   */
  constructor(pin: number | Pin) {
    const id = pinNumber("ADC", pin);
    const port = getAnalogPort();
    this.id = id;
    this.port = port;
    const channel = takeOver(pin, () => {
      const c = port.open({ pin: id });
      const bits = c.resolution;
      if (!Number.isInteger(bits) || bits < 1 || bits > 31) {
        c.close();
        throw new RuntimeError(`ADC(${id}): the ${port.name} reports a resolution of ${bits} bits`);
      }
      return c;
    });
    this.max = 2 ** channel.resolution - 1;
    this.channel = channel;
  }

  /**
   * A reading scaled to 0 … 65535 (MicroPython's read_u16): the
   * converter's full scale is 65535, whatever its resolution.
   * @throws RuntimeError (closed)
   */
  readU16(): number {
    const raw = this.checkOpen("readU16()").read();
    const clamped = raw <= 0 ? 0 : raw >= this.max ? this.max : raw;
    return Math.round((clamped * 65535) / this.max);
  }

  /**
   * Microvolts at the pin (MicroPython's read_uv), where the host gives them.
   * @throws RuntimeError (closed; a host that gives no voltage)
   */
  readUv(): number {
    const channel = this.checkOpen("readUv()");
    if (!channel.readUv) throw new RuntimeError(`ADC(${this.id}).readUv(): the ${this.port.name} gives no voltage (readU16() works everywhere)`);
    return channel.readUv();
  }

  /** Releases the pin; readU16() and readUv() throw afterwards, an AADC on it rejects its waits. Idempotent. */
  close(): void {
    const channel = this.channel;
    if (channel === null) return;
    this.channel = null;
    try {
      channel.close();
    } finally {
      const listeners = this.closeListeners;
      this.closeListeners = [];
      for (const listener of listeners) {
        try {
          listener();
        } catch (e) {
          getEventLoop().callExceptionHandler({ message: `Exception in ADC(${this.id}) close`, exception: e, future: null });
        }
      }
    }
  }
  deinit(): void {
    this.close();
  }
  /** false once closed. */
  isOpen(): boolean {
    return this.channel !== null;
  }
  toString(): string {
    return `ADC(${this.id})`;
  }

  /** @internal Calls listener once when the ADC closes (an AADC rejects its waits). Returns a function that removes it. */
  onClose(listener: () => void): () => void {
    if (this.channel === null) return () => {};
    this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners.indexOf(listener);
      if (i >= 0) this.closeListeners.splice(i, 1);
    };
  }

  private checkOpen(what: string): AnalogChannel {
    if (this.channel === null) throw new RuntimeError(`ADC(${this.id}).${what}: the ADC is closed`);
    return this.channel;
  }
}
