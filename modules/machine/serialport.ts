import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small serial port machine.UART sits on (like DigitalPort for Pin):
 * ECMA-419 embedded:io/serial on devices (hosts/moddable/serial.ts), a
 * modelled UART whose other end a test or a device model drives on Node's
 * simulated board and the Moddable desktop simulator
 * (modules/machine/sim/uart.ts). Installed with setSerialPort().
 */
export interface SerialOptions {
  /** The UART (MicroPython's id; ECMA-419's port). */
  id: number;
  /** Bits per second. */
  baudrate: number;
  /** Transmit pin, null: receive only. */
  tx: number | null;
  /** Receive pin, null: transmit only. */
  rx: number | null;
  /** Data bits: 5–9. */
  bits: number;
  /** null: none, 0: even, 1: odd (MicroPython's). */
  parity: 0 | 1 | null;
  /** Stop bits: 1 or 2. */
  stop: 1 | 2;
  /** Bytes the receive buffer holds; past that, arriving bytes are lost (counted by the port where it can). */
  rxbuf: number;
  /** Bytes the transmit buffer holds: write() takes at most what fits. */
  txbuf: number;
}

/** What a line tells its UART; both may come from host callbacks and must not throw. */
export interface SerialHandlers {
  /** Bytes arrived in the receive buffer. */
  onReadable(): void;
  /** The transmit buffer has room again after a write() that took fewer bytes than it was given. */
  onWritable(): void;
}

export interface SerialLine {
  /** Bytes waiting in the receive buffer. */
  available(): number;
  /** Takes up to n waiting bytes (empty when none). */
  read(n: number): Uint8Array;
  /** Index of the first waiting `byte`, or -1. */
  indexOf(byte: number): number;
  /** Copies as much of data as fits into the transmit buffer; returns how many bytes it took. */
  write(data: Uint8Array): number;
  /** Bytes taken by write() and not yet sent. */
  txPending(): number;
  /** Releases the UART and its pins. Bytes already in the transmitter still go out. No handler is called afterwards. */
  close(): void;
}

export interface SerialPort {
  /** Names the host in error messages ("ECMA-419 embedded:io/serial", "simulated board", …). */
  readonly name: string;
  readonly maxPin: number;
  /** Highest UART id. */
  readonly maxId: number;
  /** The pins a UART uses when the app names none (MicroPython's defaults), if this host has them. */
  defaultPins?(id: number): { tx: number | null; rx: number | null } | undefined;
  /**
   * Opens a UART. When it can't, throws with a message starting
   * "UART(<id>): " and naming the host: RangeError for what this host never
   * allows (a format or pin it lacks), RuntimeError for what it can't do
   * now (the UART or a pin in use).
   */
  open(options: SerialOptions, handlers: SerialHandlers): SerialLine;
}

const slot = new HostSlot<SerialPort>(Symbol.for("moddable-asyncio.machine.serial"));

/** Installs the host's serial port; returns the previous one. */
export function setSerialPort(port: SerialPort | null): SerialPort | null {
  return slot.set(port);
}

/** Names the port to create on first use (lazily: host modules stay preloadable). */
export function setDefaultSerialPort(factory: (() => SerialPort) | null): void {
  slot.setDefault(factory);
}

/** The installed serial port (made by the default factory on first use). @throws RuntimeError when there is none. */
export function getSerialPort(): SerialPort {
  return slot.get(() => new RuntimeError("machine: no serial port is installed (on Node use hosts/node/appboard or install a SimulatedSerialPort; on Moddable include modules/machine/buses/manifest.json)"));
}
