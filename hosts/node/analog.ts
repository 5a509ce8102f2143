import { RuntimeError } from "../../modules/asyncio/errors";
import { describe } from "../../modules/asyncio/format";
import { getEventLoop } from "../../modules/asyncio/loop";
import type { AnalogChannel, AnalogPort } from "../../modules/machine/analogport";
import { messageOf } from "../../modules/machine/args";
import type { PwmChannel, PwmOptions, PwmPort } from "../../modules/machine/pwmport";
import type { BoardEvent } from "./feed";

/** What the board reports of its analog inputs and PWM outputs (plain data, as every feed event). */
export type AnalogEvent = Extract<BoardEvent, { type: "analog" | "pwm" }>;

/**
 * An analog signal: volts, constant or a function of the board's time (ms
 * since the app started, the app's ticksMs()). Outside 0 … FULL_SCALE_V the
 * converter clips, as a real one does.
 */
export type Waveform = number | ((ms: number) => number);

/** The simulated converter: ESP32-like, 12 bits over 0 … 3.3 V. */
export const FULL_SCALE_V = 3.3;
export const ADC_BITS = 12;
const ADC_MAX = 2 ** ADC_BITS - 1;
/** ESP32's ADC pins: ADC1 GPIO 32–39, ADC2 GPIO 0, 2, 4, 12–15, 25–27. */
export const ADC_PINS: readonly number[] = [0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39];
/** ESP32's LEDC: 8 channels (Moddable's default), 1 Hz … 40 MHz; GPIO 34–39 are input-only. */
export const PWM_CHANNELS = 8;
export const PWM_MIN_HZ = 1;
export const PWM_MAX_HZ = 40e6;

/** min … max and back, sinusoidally, every periodMs (phaseMs shifts it later). */
export function sine(o: { min?: number; max?: number; periodMs: number; phaseMs?: number }): (ms: number) => number {
  const { min, max, periodMs, phaseMs } = checkShape("sine", o);
  return (ms) => min + ((max - min) * (1 - Math.cos((2 * Math.PI * (ms - phaseMs)) / periodMs))) / 2;
}
/** min up to max and back down, linearly, every periodMs, starting at min (phaseMs shifts it later). */
export function triangle(o: { min?: number; max?: number; periodMs: number; phaseMs?: number }): (ms: number) => number {
  const { min, max, periodMs, phaseMs } = checkShape("triangle", o);
  return (ms) => {
    const f = ((((ms - phaseMs) % periodMs) + periodMs) % periodMs) / periodMs;
    return min + (max - min) * (f < 0.5 ? 2 * f : 2 - 2 * f);
  };
}
/**
 * A value that steps: `steps([[0, 1.2], [2000, 3.0], [5000, 0.4]])` is 1.2 V
 * from 0 ms, 3.0 V from 2000 ms, 0.4 V from 5000 ms on (before the first
 * point: the first value). Times in ascending order.
 */
export function steps(points: readonly (readonly [ms: number, volts: number])[]): (ms: number) => number {
  if (!Array.isArray(points) || points.length === 0) throw new TypeError(`steps(): expected a non-empty array of [ms, volts] pairs, got ${describe(points)}`);
  const copy = points.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "number" || typeof p[1] !== "number" || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new TypeError(`steps(): point ${i} must be a pair of finite numbers [ms, volts], got ${describe(p)}`);
    }
    return [p[0], p[1]] as const;
  });
  for (let i = 1; i < copy.length; i++) if (copy[i][0] < copy[i - 1][0]) throw new RangeError(`steps(): times must ascend, got ${copy[i - 1][0]} then ${copy[i][0]}`);
  return (ms) => {
    let v = copy[0][1];
    for (const [t, volts] of copy) {
      if (t > ms) break;
      v = volts;
    }
    return v;
  };
}

function checkShape(fn: string, o: { min?: number; max?: number; periodMs: number; phaseMs?: number }): { min: number; max: number; periodMs: number; phaseMs: number } {
  if (o === null || typeof o !== "object") throw new TypeError(`${fn}(): expected { min, max, periodMs }, got ${describe(o)}`);
  const min = o.min ?? 0;
  const max = o.max ?? FULL_SCALE_V;
  const phaseMs = o.phaseMs ?? 0;
  for (const [k, v] of [["min", min], ["max", max], ["periodMs", o.periodMs], ["phaseMs", phaseMs]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${fn}(): expected ${k} as a finite number, got ${describe(v)}`);
  }
  if (!(o.periodMs > 0)) throw new RangeError(`${fn}(): periodMs must be > 0, got ${o.periodMs}`);
  return { min, max, periodMs: o.periodMs, phaseMs };
}

function checkWaveform(w: unknown, where: string): Waveform {
  if (typeof w === "function") return w as Waveform;
  if (typeof w !== "number") throw new TypeError(`${where}: expected volts as a number or a function of the time in ms, got ${describe(w)}`);
  if (!Number.isFinite(w)) throw new RangeError(`${where}: volts must be finite, got ${w}`);
  return w;
}

interface OpenAdc {
  lastValue: number | null;
}
interface OpenPwm {
  duty: number;
  freq: number;
}

/**
 * The simulated board's analog side (SimulatedBoard.analog): a scripted
 * waveform on each ADC pin, read by machine.ADC through adcPort, and the PWM
 * outputs machine.PWM drives through pwmPort, shown as LED brightness by
 * the board views and as `real` variables in the VCD. A pin is one thing at
 * a time: a Pin, an ADC or a PWM (the other ports refuse it while it is in use).
 *
 * The converter is ESP32-like: 12 bits over 0 … 3.3 V (FULL_SCALE_V),
 * clipping outside; readUv() is the reading in µV (raw × 3.3 V / 4095, as a
 * calibrated ESP32 reports it). An ADC pin nobody scripted reads 0 V.
 */
export class SimulatedAnalog {
  /** Every analog and PWM event so far (empty with keepHistory false). */
  readonly history: AnalogEvent[] = [];
  readonly adcPort: AnalogPort;
  readonly pwmPort: PwmPort;
  private readonly waveforms = new Map<number, Waveform>();
  private readonly adcs = new Map<number, OpenAdc>();
  private readonly pwms = new Map<number, OpenPwm>();
  private readonly listeners: ((e: AnalogEvent) => void)[] = [];

  /**
   * clock: the board's ms; heldElsewhere(pin): what else holds the pin, as
   * "open as a Pin" or "held by I2C(0)", or null; name: the host in messages.
   */
  constructor(
    private readonly clock: () => number,
    private readonly heldElsewhere: (pin: number) => string | null,
    private readonly name = "simulated board",
    private readonly keepHistory = true,
  ) {
    this.adcPort = { name, open: (o) => this.openAdc(o.pin) };
    this.pwmPort = { name, open: (o) => this.openPwm(o) };
  }

  /**
   * Puts a signal on an ADC pin (volts, or a function of the time in ms:
   * see sine(), triangle(), steps()); it stays when the ADC is closed and
   * opened again. Allowed before the app opens the pin.
   * @throws TypeError, RangeError (not an ADC pin of this board; volts not finite)
   */
  set(pin: number, waveform: Waveform): void {
    this.checkAdcPin(pin, "set()");
    this.waveforms.set(pin, checkWaveform(waveform, `set(${pin})`));
    if (this.adcs.has(pin)) this.sample(pin);
  }

  /** The volts on an ADC pin now (its waveform at the board's time, before the converter clips). */
  volts(pin: number): number {
    const w = this.waveforms.get(pin) ?? 0;
    if (typeof w === "number") return w;
    let v: unknown;
    try {
      v = w(this.clock());
    } catch (e) {
      throw new RuntimeError(`ADC(${pin}): the ${this.name}'s waveform for GPIO${pin} failed: ${messageOf(e)}`);
    }
    if (typeof v !== "number" || Number.isNaN(v)) throw new RuntimeError(`ADC(${pin}): the ${this.name}'s waveform for GPIO${pin} gave ${describe(v)}, not volts`);
    return v;
  }

  /** What holds a pin on this side: "ADC", "PWM", or null. */
  holds(pin: number): "ADC" | "PWM" | null {
    return this.adcs.has(pin) ? "ADC" : this.pwms.has(pin) ? "PWM" : null;
  }
  /** An open PWM output's duty (0 … 65535) and frequency; undefined when the pin has none. */
  pwm(pin: number): { duty: number; freq: number } | undefined {
    const p = this.pwms.get(pin);
    return p ? { duty: p.duty, freq: p.freq } : undefined;
  }
  onEvent(listener: (e: AnalogEvent) => void): void {
    this.listeners.push(listener);
  }

  private checkAdcPin(pin: unknown, what: string): void {
    if (typeof pin !== "number") throw new TypeError(`${what}: expected a pin number, got ${describe(pin)}`);
    if (!ADC_PINS.includes(pin)) throw new RangeError(`${what}: GPIO${pin} is not an analog input on the ${this.name} (ESP32 ADC1: GPIO 32–39; ADC2: GPIO 0, 2, 4, 12–15, 25–27)`);
  }
  private claim(kind: string, pin: number): void {
    const holder = this.heldElsewhere(pin) ?? (this.adcs.has(pin) ? "open as an ADC" : this.pwms.has(pin) ? "open as a PWM" : null);
    if (holder) throw new RuntimeError(`${kind}(${pin}): the pin is in use on the ${this.name} (${holder})`);
  }

  private raw(pin: number): number {
    const v = this.volts(pin);
    return Math.min(ADC_MAX, Math.max(0, Math.round((v / FULL_SCALE_V) * ADC_MAX)));
  }
  /** Reads the pin and tells the views when the reading changed. */
  private sample(pin: number): number {
    const raw = this.raw(pin);
    const adc = this.adcs.get(pin);
    const value = Math.round((raw * 65535) / ADC_MAX);
    if (adc && adc.lastValue !== value) {
      adc.lastValue = value;
      this.emit({ type: "analog", pin, value, uv: uvOf(raw), time: this.clock() });
    }
    return raw;
  }

  private openAdc(pin: number): AnalogChannel {
    if (!ADC_PINS.includes(pin)) throw new RangeError(`ADC(${pin}): GPIO${pin} is not an analog input on the ${this.name} (ESP32 ADC1: GPIO 32–39; ADC2: GPIO 0, 2, 4, 12–15, 25–27)`);
    this.claim("ADC", pin);
    const adc: OpenAdc = { lastValue: null };
    this.adcs.set(pin, adc);
    try {
      this.sample(pin);
    } catch (e) {
      this.adcs.delete(pin);
      throw e;
    }
    let closed = false;
    const read = (): number => {
      if (closed) throw new RuntimeError(`ADC(${pin}): the channel is closed on the ${this.name}`);
      return this.sample(pin);
    };
    return {
      resolution: ADC_BITS,
      read,
      readUv: () => uvOf(read()),
      close: () => {
        if (closed) return;
        closed = true;
        if (this.adcs.get(pin) === adc) this.adcs.delete(pin);
      },
    };
  }

  private openPwm(o: PwmOptions): PwmChannel {
    const { pin } = o;
    if (pin > 39) throw new RangeError(`PWM(${pin}): the ${this.name} has no GPIO${pin} (0–39)`);
    if (pin >= 34) throw new RangeError(`PWM(${pin}): the pin is input-only on the ${this.name} (ESP32 GPIO 34–39)`);
    this.checkFreq(pin, o.freq);
    this.claim("PWM", pin);
    if (this.pwms.size >= PWM_CHANNELS) throw new RuntimeError(`PWM(${pin}): no PWM channel left on the ${this.name} (its ${PWM_CHANNELS} are in use)`);
    const p: OpenPwm = { duty: o.dutyU16, freq: o.freq };
    this.pwms.set(pin, p);
    this.emitPwm(pin, p);
    let closed = false;
    const check = (): void => {
      if (closed) throw new RuntimeError(`PWM(${pin}): the channel is closed on the ${this.name}`);
    };
    return {
      setDuty: (duty) => {
        check();
        if (duty === p.duty) return;
        p.duty = duty;
        this.emitPwm(pin, p);
      },
      setFreq: (hz) => {
        check();
        this.checkFreq(pin, hz);
        if (hz === p.freq) return;
        p.freq = hz;
        this.emitPwm(pin, p);
      },
      freq: () => p.freq,
      close: () => {
        if (closed) return;
        closed = true;
        if (this.pwms.get(pin) === p) this.pwms.delete(pin);
        // The output stops, low, as ESP32's LEDC leaves it.
        this.emit({ type: "pwm", pin, duty: 0, freq: p.freq, time: this.clock() });
      },
    };
  }
  private checkFreq(pin: number, hz: number): void {
    if (!(hz >= PWM_MIN_HZ && hz <= PWM_MAX_HZ)) throw new RangeError(`PWM(${pin}): the ${this.name} makes ${PWM_MIN_HZ} Hz … ${PWM_MAX_HZ / 1e6} MHz, not ${hz} Hz`);
  }
  private emitPwm(pin: number, p: OpenPwm): void {
    this.emit({ type: "pwm", pin, duty: p.duty, freq: p.freq, time: this.clock() });
  }
  private emit(e: AnalogEvent): void {
    if (this.keepHistory) this.history.push(e);
    // A failing view must not turn a read or a duty change into an exception.
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        getEventLoop().callExceptionHandler({ message: `Exception in a ${this.name} analog listener`, exception: err, future: null });
      }
    }
  }
}

function uvOf(raw: number): number {
  return Math.round((raw * FULL_SCALE_V * 1e6) / ADC_MAX);
}
