import PWM from "embedded:io/pwm";
import { RuntimeError } from "asyncio/errors";
import { thrownMessage } from "asyncio/format";
import type { PwmChannel, PwmOptions, PwmPort } from "machine/pwmport";

/** What this port needs of an ECMA-419 PWM (the typings leave out close() and the resolution option). */
interface PwmIO {
  write(value: number): void;
  readonly hz: number;
  readonly resolution: number;
  close(): void;
}
const PwmIOClass = PWM as unknown as new (options: { pin: number; hz: number; resolution?: number }) => PwmIO;

/** A chip's PWM as ECMA-419 drives it (hosts/moddable/profile-<platform>.ts). */
export interface PwmProfile {
  /** The resolution (bits) to ask for at hz; undefined: the driver's default (ESP8266's is fixed). */
  resolutionFor(hz: number): number | undefined;
}

/**
 * PWM outputs over ECMA-419 embedded:io/pwm (ESP32's LEDC, ESP8266's
 * software PWM, the Pico's slices). The drivers take whole Hz (freq is
 * rounded) and a duty of `resolution` bits (dutyU16 is scaled; 65535 is
 * fully on). ECMA-419 has no way to change a running output's frequency:
 * freq(hz) closes the output and opens it again at hz with the same duty (a
 * gap of microseconds); if the driver refuses hz, the old output is opened
 * again and the error thrown. ESP8266 runs every PWM pin at one frequency:
 * a second frequency is refused while another PWM is open.
 */
export class Ecma419PwmPort implements PwmPort {
  readonly name = "ECMA-419 embedded:io/pwm";
  private readonly inUse = new Set<number>();

  constructor(private readonly profile: PwmProfile) {}

  open(o: PwmOptions): PwmChannel {
    const pin = o.pin;
    if (this.inUse.has(pin)) throw new RuntimeError(`PWM(${pin}): the pin is already open on the ${this.name}`);
    let duty = o.dutyU16;
    let io = this.start(pin, o.freq, duty);
    this.inUse.add(pin);
    let closed = false;
    const check = (): void => {
      if (closed) throw new RuntimeError(`PWM(${pin}): the channel is closed on the ${this.name}`);
    };
    return {
      setDuty: (dutyU16) => {
        check();
        write(io, dutyU16);
        duty = dutyU16;
      },
      setFreq: (hz) => {
        check();
        this.plan(pin, hz); // what needs no driver is refused before the output stops
        const old = io.hz;
        io.close();
        try {
          io = this.start(pin, hz, duty);
        } catch (e) {
          try {
            io = this.start(pin, old, duty);
          } catch (again) {
            closed = true;
            this.inUse.delete(pin);
            throw new RuntimeError(`PWM(${pin}): the ${this.name} refused ${hz} Hz and then the old ${old} Hz (${thrownMessage(again)}); the output is off`);
          }
          throw e;
        }
      },
      freq: () => io.hz,
      close: () => {
        if (closed) return;
        closed = true;
        this.inUse.delete(pin);
        io.close();
      },
    };
  }

  /** The whole Hz and the resolution to ask the driver for. @throws RangeError for a frequency no driver call is needed to refuse */
  private plan(pin: number, freq: number): { hz: number; resolution: number | undefined } {
    const hz = Math.round(freq);
    if (hz < 1) throw new RangeError(`PWM(${pin}): the ${this.name} takes whole Hz >= 1, got ${freq}`);
    const resolution = this.profile.resolutionFor(hz);
    if (resolution !== undefined && resolution < 1) throw new RangeError(`PWM(${pin}): the ${this.name} can't make ${hz} Hz`);
    return { hz, resolution };
  }

  /** A running output at freq with duty; the driver's refusals as typed errors naming the pin. */
  private start(pin: number, freq: number, dutyU16: number): PwmIO {
    const { hz, resolution } = this.plan(pin, freq);
    let io: PwmIO;
    try {
      io = new PwmIOClass(resolution === undefined ? { pin, hz } : { pin, hz, resolution });
    } catch (e) {
      // "in use", "no ledc channel", "no timer": can't now; "invalid hz", "different hz already set by open pwm": never at this hz.
      const m = thrownMessage(e);
      const message = `PWM(${pin}): the ${this.name} refused ${hz} Hz on this pin (${m})`;
      throw e instanceof RangeError && !/in use|no timer|no memory/i.test(m) ? new RangeError(message) : new RuntimeError(message);
    }
    try {
      write(io, dutyU16);
    } catch (e) {
      io.close();
      throw new RuntimeError(`PWM(${pin}): the ${this.name} refused the duty ${dutyU16} (${thrownMessage(e)})`);
    }
    return io;
  }
}

function write(io: PwmIO, dutyU16: number): void {
  const max = 2 ** io.resolution - 1;
  io.write(Math.round((dutyU16 * max) / 65535));
}
