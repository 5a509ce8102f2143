import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small analog-input port ADC sits on (like DigitalPort for Pin). One
 * adapter per host: ECMA-419 embedded:io/analog on devices
 * (hosts/moddable/analog.ts), a traced fake on the Moddable desktop
 * simulator, scripted waveforms on Node's simulated board
 * (hosts/node/analog.ts). Installed with setAnalogPort().
 */
export interface AnalogChannel {
  /** Bits of read(): it returns 0 … 2^resolution − 1. */
  readonly resolution: number;
  /** A raw reading. Throws RuntimeError once closed. */
  read(): number;
  /**
   * Microvolts at the pin, where the host knows them (calibrated, or a
   * documented full scale); absent where it does not (ADC.readUv() then
   * refuses with a RuntimeError).
   */
  readUv?(): number;
  close(): void;
}

export interface AnalogPort {
  /** Names the host in error messages ("ECMA-419 embedded:io/analog", "simulated board", …). */
  readonly name: string;
  /**
   * Opens pin's analog input. When it can't, throws with a message starting
   * "ADC(<n>): " and naming the host: RangeError for a pin that is not an
   * analog input on this host, RuntimeError for one it can't have now (in use).
   */
  open(options: { pin: number }): AnalogChannel;
}

const slot = new HostSlot<AnalogPort>(Symbol.for("moddable-asyncio.machine.analog"));

/** Installs the host's analog port; returns the previous one. */
export function setAnalogPort(port: AnalogPort | null): AnalogPort | null {
  return slot.set(port);
}

/** Names the port to create on first use (lazily: host modules stay preloadable). */
export function setDefaultAnalogPort(factory: () => AnalogPort): void {
  slot.setDefault(factory);
}

/** The installed analog port (made by the default factory on first use). @throws RuntimeError when there is none. */
export function getAnalogPort(): AnalogPort {
  return slot.get(() => new RuntimeError("machine: no analog input port is installed (on Node use hosts/node/board; on Moddable include modules/machine/manifest.json)"));
}
