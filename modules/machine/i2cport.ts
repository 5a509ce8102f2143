import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small I2C port machine.I2C sits on (like DigitalPort for Pin). One
 * adapter per host: ECMA-419 embedded:io/i2c on devices
 * (hosts/moddable/i2c.ts), a modelled bus with sensor models on Node's
 * simulated board and on the Moddable desktop simulator
 * (modules/machine/sim/i2c.ts). Installed with setI2cPort().
 */
export interface I2cBusOptions {
  /** The controller (MicroPython's id; ECMA-419's port). */
  id: number;
  scl: number;
  sda: number;
  /** Clock in Hz. */
  freq: number;
}

/** Called once with the outcome of an asynchronous transfer, from a host callback; never throws. */
export type I2cDone = (error: Error | null, data: Uint8Array | null) => void;

export interface I2cBus {
  /**
   * One transaction with the device at addr: writes `write` (when it has
   * bytes), then, after a repeated start, reads `read` bytes (when > 0).
   * An empty write and no read is a probe: the address alone. Returns the
   * bytes read (empty when none). Throws OSError (asyncio's): ENODEV when
   * the address is not acknowledged, EIO when a data byte is not (or the
   * bus failed), ETIMEDOUT when the device held the clock too long.
   */
  transfer(addr: number, write: Uint8Array | null, read: number): Uint8Array;
  /**
   * The same without blocking the loop, where the host can: `done` is
   * called later from a host callback, once. Transfers run in the order
   * they were asked for. Absent: I2C's awaitable forms run transfer() and
   * resolve at the next turn.
   */
  transferAsync?(addr: number, write: Uint8Array | null, read: number, done: I2cDone): void;
  /** Releases the bus and its pins. A transfer in flight may still call `done`; I2C ignores it. */
  close(): void;
}

export interface I2cPort {
  /** Names the host in error messages ("ECMA-419 embedded:io/i2c", "simulated board", …). */
  readonly name: string;
  /** Highest pin number. */
  readonly maxPin: number;
  /** Highest controller id (ESP32: 1). */
  readonly maxId: number;
  /**
   * Opens a bus. When it can't, throws with a message starting
   * "I2C(<id>): " and naming the host: RangeError for what this host never
   * allows (a pin that can't drive a line), RuntimeError for what it can't
   * do now (a pin or the controller in use).
   */
  open(options: I2cBusOptions): I2cBus;
}

const slot = new HostSlot<I2cPort>(Symbol.for("moddable-asyncio.machine.i2c"));

/** Installs the host's I2C port; returns the previous one. */
export function setI2cPort(port: I2cPort | null): I2cPort | null {
  return slot.set(port);
}

/** Names the port to create on first use (lazily: host modules stay preloadable). */
export function setDefaultI2cPort(factory: (() => I2cPort) | null): void {
  slot.setDefault(factory);
}

/** The installed I2C port (made by the default factory on first use). @throws RuntimeError when there is none. */
export function getI2cPort(): I2cPort {
  return slot.get(() => new RuntimeError("machine: no I2C port is installed (on Node use hosts/node/appboard or install a SimulatedI2cPort; on Moddable include modules/machine/buses/manifest.json)"));
}
