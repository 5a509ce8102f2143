import { RuntimeError } from "asyncio/errors";
import type { AnalogChannel, AnalogPort } from "machine/analogport";
import type { PwmChannel, PwmOptions, PwmPort } from "machine/pwmport";
import Time from "time";

const BITS = 12;
const MAX = 2 ** BITS - 1;
const FULL_SCALE_UV = 3_300_000;
const PERIOD_MS = 8_000;

/**
 * ADC inputs on the Moddable desktop simulator, which has no
 * embedded:io/analog: a traced fake. Every ADC pin reads a triangle wave,
 * 0 V up to 3.3 V and back every 8 s from when it was opened (12 bits,
 * readUv() in µV), so that an app's thresholds and fades do something; the
 * open is traced as "ADC <n> …" (no trace per read). Any pin number works.
 */
export class SimulatorAnalogPort implements AnalogPort {
  readonly name = "Moddable desktop simulator (a traced fake ADC)";
  private readonly inUse = new Set<number>();

  open({ pin }: { pin: number }): AnalogChannel {
    if (this.inUse.has(pin)) throw new RuntimeError(`ADC(${pin}): the pin is already open on the ${this.name}`);
    this.inUse.add(pin);
    const origin = Time.ticks;
    let closed = false;
    trace(`ADC ${pin}: simulated, a triangle wave 0-3.3 V every ${PERIOD_MS / 1000} s\n`);
    const read = (): number => {
      if (closed) throw new RuntimeError(`ADC(${pin}): the channel is closed on the ${this.name}`);
      const f = ((Time.ticks - origin) % PERIOD_MS) / PERIOD_MS;
      return Math.round(MAX * (f < 0.5 ? 2 * f : 2 - 2 * f));
    };
    return {
      resolution: BITS,
      read,
      readUv: () => Math.round((read() * FULL_SCALE_UV) / MAX),
      close: () => {
        if (closed) return;
        closed = true;
        this.inUse.delete(pin);
      },
    };
  }
}

/**
 * PWM outputs on the Moddable desktop simulator, which has no
 * embedded:io/pwm: a traced fake that keeps what it is told and traces each
 * change as "PWM <n> <dutyU16> <hz> <ms>" (as the pins' "PIN <n> <level> <ms>"),
 * so a log shows the timeline. 1 Hz … 40 MHz (ESP32's range), any pin.
 */
export class SimulatorPwmPort implements PwmPort {
  readonly name = "Moddable desktop simulator (a traced fake PWM)";
  private readonly inUse = new Set<number>();
  private readonly origin = Time.ticks;

  open(o: PwmOptions): PwmChannel {
    const pin = o.pin;
    if (this.inUse.has(pin)) throw new RuntimeError(`PWM(${pin}): the pin is already open on the ${this.name}`);
    this.checkFreq(pin, o.freq);
    this.inUse.add(pin);
    let duty = o.dutyU16;
    let hz = o.freq;
    let closed = false;
    const show = (): void => trace(`PWM ${pin} ${duty} ${hz} ${Time.ticks - this.origin}\n`);
    const check = (): void => {
      if (closed) throw new RuntimeError(`PWM(${pin}): the channel is closed on the ${this.name}`);
    };
    show();
    return {
      setDuty: (d) => {
        check();
        duty = d;
        show();
      },
      setFreq: (f) => {
        check();
        this.checkFreq(pin, f);
        hz = f;
        show();
      },
      freq: () => hz,
      close: () => {
        if (closed) return;
        closed = true;
        this.inUse.delete(pin);
        duty = 0;
        show();
      },
    };
  }

  private checkFreq(pin: number, hz: number): void {
    if (!(hz >= 1 && hz <= 40e6)) throw new RangeError(`PWM(${pin}): the ${this.name} makes 1 Hz … 40 MHz, not ${hz} Hz`);
  }
}
