import Analog from "embedded:io/analog";
import { RuntimeError } from "asyncio/errors";
import { thrownMessage } from "asyncio/format";
import type { AnalogChannel, AnalogPort } from "machine/analogport";

/** What this port needs of an ECMA-419 Analog (the typings leave out close()). */
interface AnalogIO {
  read(): number;
  readonly resolution: number;
  close(): void;
}
const AnalogIOClass = Analog as unknown as new (options: { pin: number }) => AnalogIO;

/** A chip's analog inputs as ECMA-419 drives them (hosts/moddable/profile-<platform>.ts). */
export interface AnalogProfile {
  /** The pins with an ADC (null: the driver decides, and says "not analog pin"). */
  pins: readonly number[] | null;
  /**
   * µV a full-scale reading stands for, where the driver's readings are
   * proportional to volts (calibrated); null where they are not known to be:
   * readUv() is then refused, as MicroPython has no read_uv() there.
   */
  fullScaleUv: number | null;
}

/**
 * ADC inputs over ECMA-419 embedded:io/analog (ESP32, ESP8266, Pico). The
 * driver reads `resolution` bits (ESP32 12, ESP8266 10, Pico 12); ADC
 * stretches them to readU16()'s 16. ESP32's driver is calibrated by default
 * (attenuation 12 dB, 150 … 2450 mV mapped onto the raw range), so readUv()
 * is raw × 2.45 V / (2^12 − 1); ESP8266's one input (ADC(0), the A0/TOUT pin)
 * spans 0 … 1.0 V at the chip (a board's divider is not known here); the
 * Pico's readings are not calibrated, so readUv() is refused there.
 */
export class Ecma419AnalogPort implements AnalogPort {
  readonly name = "ECMA-419 embedded:io/analog";
  // The drivers' "in use" errors don't say whether we hold the pin: ours are tracked here.
  private readonly inUse = new Set<number>();

  constructor(private readonly profile: AnalogProfile) {}

  open({ pin }: { pin: number }): AnalogChannel {
    const pins = this.profile.pins;
    if (pins && !pins.includes(pin)) throw new RangeError(`ADC(${pin}): not an analog input on the ${this.name} (this chip's: ${pins.join(", ")})`);
    if (this.inUse.has(pin)) throw new RuntimeError(`ADC(${pin}): the pin is already open on the ${this.name}`);
    let io: AnalogIO;
    try {
      io = new AnalogIOClass({ pin });
    } catch (e) {
      // ESP32 and Pico raise RangeError for "in use" as for "not analog pin"; ESP8266 a plain Error.
      const m = thrownMessage(e);
      const message = `ADC(${pin}): the ${this.name} refused it (${m})`;
      throw e instanceof RangeError && !/in use/i.test(m) ? new RangeError(message) : new RuntimeError(message);
    }
    let resolution: number;
    try {
      resolution = io.resolution;
    } catch (e) {
      io.close();
      throw new RuntimeError(`ADC(${pin}): the ${this.name} gave no resolution (${thrownMessage(e)})`);
    }
    this.inUse.add(pin);
    let closed = false;
    const read = (): number => {
      if (closed) throw new RuntimeError(`ADC(${pin}): the channel is closed on the ${this.name}`);
      return io.read();
    };
    const fullScaleUv = this.profile.fullScaleUv;
    const max = 2 ** resolution - 1;
    const channel: AnalogChannel = {
      resolution,
      read,
      close: () => {
        if (closed) return;
        closed = true;
        this.inUse.delete(pin);
        io.close();
      },
    };
    if (fullScaleUv !== null) channel.readUv = () => Math.round((read() * fullScaleUv) / max);
    return channel;
  }
}
