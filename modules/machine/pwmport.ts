import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small PWM-output port PWM sits on (like DigitalPort for Pin). One
 * adapter per host: ECMA-419 embedded:io/pwm on devices
 * (hosts/moddable/pwm.ts), a traced fake on the Moddable desktop simulator,
 * the simulated board on Node (hosts/node/analog.ts). Installed with
 * setPwmPort().
 */
export interface PwmOptions {
  pin: number;
  /** Hz, a finite number > 0 (PWM has checked it). */
  freq: number;
  /** 0 … 65535 (an integer; PWM has checked it). */
  dutyU16: number;
}

export interface PwmChannel {
  /** Sets the duty cycle, 0 (always low) … 65535 (always high), scaled to the host's resolution. */
  setDuty(dutyU16: number): void;
  /**
   * Changes the frequency, keeping the duty cycle. A host that can't
   * (RangeError naming the pin and the host) leaves the output as it was.
   */
  setFreq(hz: number): void;
  /** The frequency the host runs at (it may round what was asked). */
  freq(): number;
  close(): void;
}

export interface PwmPort {
  /** Names the host in error messages ("ECMA-419 embedded:io/pwm", "simulated board", …). */
  readonly name: string;
  /**
   * Starts PWM on a pin. When it can't, throws with a message starting
   * "PWM(<n>): " and naming the host: RangeError for what this host never
   * allows (a pin without PWM, a frequency out of its range), RuntimeError
   * for what it can't do now (the pin is in use, no channel or timer left).
   */
  open(options: PwmOptions): PwmChannel;
}

const slot = new HostSlot<PwmPort>(Symbol.for("moddable-asyncio.machine.pwm"));

/** Installs the host's PWM port; returns the previous one. */
export function setPwmPort(port: PwmPort | null): PwmPort | null {
  return slot.set(port);
}

/** Names the port to create on first use (lazily: host modules stay preloadable). */
export function setDefaultPwmPort(factory: () => PwmPort): void {
  slot.setDefault(factory);
}

/** The installed PWM port (made by the default factory on first use). @throws RuntimeError when there is none. */
export function getPwmPort(): PwmPort {
  return slot.get(() => new RuntimeError("machine: no PWM port is installed (on Node use hosts/node/board; on Moddable include modules/machine/manifest.json)"));
}
