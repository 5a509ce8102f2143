import { RuntimeError } from "../asyncio/errors";
import { describe } from "../asyncio/format";
import { pinNumber, takeOver } from "./adc";
import { readOptions } from "./args";
import type { Pin } from "./pin";
import { getPwmPort, type PwmChannel, type PwmPort } from "./pwmport";

/** PWM's options, MicroPython's keyword arguments in camelCase. */
export interface PwmInit {
  /** Hz (default 1000 for a new PWM), a finite number > 0; the host may round it (freq() says what it runs at). */
  freq?: number;
  /** Duty cycle 0 (always low) … 65535 (always high); default 0 for a new PWM. */
  dutyU16?: number;
  /** Duty as the high time of each period, in ns (instead of dutyU16). */
  dutyNs?: number;
}

const DEFAULT_FREQ = 1000;
const OPTION_KEYS = ["freq", "dutyU16", "dutyNs"] as const;

/**
 * MicroPython's machine.PWM: `new PWM(2, { freq: 1000, dutyU16: 32768 })` or
 * `new PWM(new Pin(2))`; freq() / freq(hz), dutyU16() / dutyU16(v),
 * dutyNs() / dutyNs(ns), init(options), deinit(). A new PWM runs at 1000 Hz
 * with duty 0 unless told otherwise. dutyU16() returns what was set (a
 * fraction of 65535: the host scales it to its resolution); a non-integer
 * duty is rounded. Changing the frequency keeps the duty cycle (the
 * fraction); dutyNs() follows from both.
 *
 * Errors name the pin: "PWM(2).dutyU16(70000): …". TypeError for an argument
 * of the wrong type, RangeError for a value not allowed (duty outside
 * 0 … 65535, a frequency <= 0 or one the host can't make, a pin without
 * PWM), RuntimeError for misuse in the current state (after deinit(), the
 * pin in use, no channel or timer left).
 */
export class PWM {
  /** The pin number. */
  readonly id: number;
  private readonly port: PwmPort;
  /** null once deinit(). */
  private channel: PwmChannel | null;
  private duty: number;

  /**
   * Starts PWM on pin (a number, or a Pin it takes over: closed, as
   * MicroPython reconfigures it, once the host has started PWM on it: a pin
   * or frequency the host refuses leaves the Pin usable). Options are
   * checked before the pin is touched.
   * @throws TypeError, RangeError, RuntimeError (in use; no PWM port installed)
   */
  constructor(pin: number | Pin, options: PwmInit = {}) {
    const id = pinNumber("PWM", pin);
    this.id = id;
    options = readOptions(`PWM(${id})`, options, OPTION_KEYS, "an options object") as PwmInit;
    const freq = options.freq === undefined ? DEFAULT_FREQ : this.checkFreq(options.freq, "");
    const duty = this.dutyOf(options, freq, "") ?? 0;
    const port = getPwmPort();
    this.port = port;
    this.channel = takeOver(pin, () => port.open({ pin: id, freq, dutyU16: duty }));
    this.duty = duty;
  }

  /**
   * Re-applies options (MicroPython's init()): each one given changes that
   * setting, the others stay. Everything is checked before anything changes.
   * @throws TypeError, RangeError, RuntimeError (deinit)
   */
  init(options: PwmInit = {}): void {
    options = readOptions(`PWM(${this.id}).init()`, options, OPTION_KEYS, "an options object") as PwmInit;
    const channel = this.checkOpen("init()");
    const freq = options.freq === undefined ? undefined : this.checkFreq(options.freq, ".init()");
    const duty = this.dutyOf(options, freq ?? channel.freq(), ".init()");
    if (freq !== undefined) channel.setFreq(freq);
    if (duty !== undefined && duty !== this.duty) {
      channel.setDuty(duty);
      this.duty = duty;
    }
  }

  /**
   * freq() is the frequency in Hz the host runs at; freq(hz) changes it,
   * keeping the duty cycle (the host refusing leaves it as it was).
   * @throws TypeError, RangeError (hz <= 0, not finite, or one the host can't make), RuntimeError (deinit)
   */
  freq(): number;
  freq(hz: number): void;
  freq(hz?: number): number | void {
    if (hz === undefined) return this.checkOpen("freq()").freq();
    const f = this.checkFreq(hz, ".freq()");
    this.checkOpen(`freq(${f})`).setFreq(f);
  }

  /**
   * dutyU16() is the duty cycle set, 0 … 65535; dutyU16(v) sets it (rounded to a whole number).
   * @throws TypeError, RangeError (outside 0 … 65535), RuntimeError (deinit)
   */
  dutyU16(): number;
  dutyU16(value: number): void;
  dutyU16(value?: number): number | void {
    if (value === undefined) {
      this.checkOpen("dutyU16()");
      return this.duty;
    }
    const duty = checkDutyU16(value, `PWM(${this.id}).dutyU16()`);
    const channel = this.checkOpen(`dutyU16(${duty})`);
    if (duty === this.duty) return;
    channel.setDuty(duty);
    this.duty = duty;
  }

  /**
   * dutyNs() is the high time of each period in ns (rounded); dutyNs(ns)
   * sets it, as the nearest dutyU16 at the current frequency.
   * @throws TypeError, RangeError (negative, or longer than the period), RuntimeError (deinit)
   */
  dutyNs(): number;
  dutyNs(ns: number): void;
  dutyNs(ns?: number): number | void {
    if (ns === undefined) {
      const channel = this.checkOpen("dutyNs()");
      return Math.round((this.duty * 1e9) / (65535 * channel.freq()));
    }
    const channel = this.checkOpen(`dutyNs(${describeNumber(ns)})`);
    this.dutyU16(nsToU16(ns, channel.freq(), `PWM(${this.id}).dutyNs()`));
  }

  /** Stops the output and releases the pin; every other method throws RuntimeError afterwards. Idempotent. */
  deinit(): void {
    const channel = this.channel;
    if (channel === null) return;
    this.channel = null;
    channel.close();
  }
  close(): void {
    this.deinit();
  }
  toString(): string {
    return this.channel === null ? `PWM(${this.id}, deinit)` : `PWM(${this.id}, freq=${this.channel.freq()}, duty_u16=${this.duty})`;
  }

  private checkOpen(what: string): PwmChannel {
    if (this.channel === null) throw new RuntimeError(`PWM(${this.id}).${what}: the PWM is deinitialised`);
    return this.channel;
  }
  private checkFreq(hz: unknown, method: string): number {
    if (typeof hz !== "number") throw new TypeError(`PWM(${this.id})${method}: expected freq as a number of Hz, got ${describe(hz)}`);
    if (!(hz > 0) || !Number.isFinite(hz)) throw new RangeError(`PWM(${this.id})${method}: freq must be a finite number of Hz > 0, got ${hz}`);
    return hz;
  }
  /** The duty options asks for (dutyU16 or dutyNs at freq), or undefined for neither. */
  private dutyOf(options: PwmInit, freq: number, method: string): number | undefined {
    const where = `PWM(${this.id})${method}`;
    if (options.dutyU16 !== undefined && options.dutyNs !== undefined) throw new TypeError(`${where}: give dutyU16 or dutyNs, not both`);
    if (options.dutyU16 !== undefined) return checkDutyU16(options.dutyU16, where);
    if (options.dutyNs !== undefined) return nsToU16(options.dutyNs, freq, where);
    return undefined;
  }
}

function describeNumber(v: unknown): string {
  return typeof v === "number" ? String(v) : describe(v);
}

function checkDutyU16(v: unknown, where: string): number {
  if (typeof v !== "number") throw new TypeError(`${where}: expected the duty as a number 0 … 65535, got ${describe(v)}`);
  if (!(v >= 0 && v <= 65535)) throw new RangeError(`${where}: the duty must be 0 … 65535, got ${v}`);
  return Math.round(v);
}

function nsToU16(ns: unknown, freq: number, where: string): number {
  if (typeof ns !== "number") throw new TypeError(`${where}: expected the duty as a number of ns, got ${describe(ns)}`);
  const period = 1e9 / freq;
  if (!(ns >= 0 && ns <= period)) throw new RangeError(`${where}: the duty must be 0 … ${+period.toPrecision(12)} ns (the period at ${freq} Hz), got ${ns}`);
  return Math.min(65535, Math.round((ns * 65535) / period));
}
