import { RuntimeError } from "../../asyncio/errors";
import { getEventLoop, getHost } from "../../asyncio/loop";
import { OSError } from "../../asyncio/netport";
import { hex } from "../i2c";
import type { I2cBus, I2cBusOptions, I2cDone, I2cPort } from "../i2cport";
import { SimTimer } from "./timer";

const EMPTY = new Uint8Array(0);

/**
 * A device model on a simulated I2C bus. `now` is the time (ms, the loop's
 * clock) at which the master addresses it.
 */
export interface SimI2cDevice {
  /** The 7-bit address it answers to. */
  readonly address: number;
  /**
   * The master addressed it for writing and sent `data` (empty: a probe).
   * Returns -1 to not acknowledge the address, else how many data bytes it
   * acknowledged (fewer than data.length: the rest was not sent).
   */
  write(data: Uint8Array, now: number): number;
  /**
   * The master addressed it for reading n bytes. Returns null to not
   * acknowledge the address, else the bytes (missing ones read as 0xFF, the
   * idle bus) and, for a device that holds the clock low until it is ready,
   * when it lets go (`until`, ms).
   */
  read(n: number, now: number): { data: Uint8Array; until?: number } | null;
}

/** Reserves a pin for a peripheral ("I2C(0)"); returns the function that frees it. Throws RuntimeError (its message starting with the owner) when the pin is taken. */
export type ClaimPin = (pin: number, owner: string) => () => void;

export interface SimPortOptions {
  /** Names the host in error messages (default "simulated board"). */
  name?: string;
  /** Highest pin (default 39, ESP32's). */
  maxPin?: number;
  /** Pins from this one up are input-only (default 34, ESP32's GPIO 34–39). */
  inputOnlyFrom?: number;
  /** The loop's clock by default. */
  clock?: () => number;
  /** Reserves pins against other users (the Node board's claim()). */
  claim?: ClaimPin;
}

/** What a simulated bus did, for tests and views. */
export interface I2cTransaction {
  /** ms on the loop's clock when it started, and when it ended. */
  start: number;
  end: number;
  addr: number;
  write: number[];
  read: number[];
  /** The error's code, or "" when it went through. */
  error: string;
}

/** How long a device may hold the clock before the master gives up (MicroPython's default timeout, 50 ms). */
export const STRETCH_TIMEOUT_MS = 50;

/** Bits on the wire for one transaction (start, address byte and ACK, 9 per data byte, repeated start, stop). */
export function transactionBits(write: number, read: number): number {
  let bits = 1 + 9 + 9 * write;
  if (read > 0) bits += (write > 0 ? 1 + 9 : 0) + 9 * read;
  return bits + 1;
}

/**
 * Simulated I2C controllers (two, as on ESP32) and the device models wired
 * to them by pins: attach(new Sht3x(), { scl: 22, sda: 21 }). A transfer
 * reaches the devices on the bus's pins. Synchronous transfers take no time
 * on the loop's clock except where a device holds the clock (a
 * clock-stretching read): virtual time then moves on by the wait, as the
 * loop would be blocked on hardware. Asynchronous transfers take their
 * time on the wire (bits / freq) plus any stretching, one after the other,
 * on the loop's timer heap.
 */
export class SimulatedI2cPort implements I2cPort {
  readonly name: string;
  readonly maxPin: number;
  readonly maxId = 1;
  /** Transactions on every bus, in order (the last 5 000 to 10 000). */
  readonly transactions: I2cTransaction[] = [];
  private readonly wired: { device: SimI2cDevice; scl: number; sda: number }[] = [];
  private readonly openIds = new Set<number>();
  private readonly clock: () => number;
  private readonly claim: ClaimPin | null;

  /** Pins from this one up can't drive a line (ESP32's GPIO 34–39). */
  readonly inputOnlyFrom: number;

  constructor(options: SimPortOptions = {}) {
    this.name = options.name ?? "simulated board";
    this.maxPin = options.maxPin ?? 39;
    this.inputOnlyFrom = options.inputOnlyFrom ?? 34;
    this.clock = options.clock ?? (() => getEventLoop().now());
    this.claim = options.claim ?? null;
  }

  /** Wires a device model to the bus on these pins. @throws RuntimeError when a device with its address is there already */
  attach<D extends SimI2cDevice>(device: D, pins: { scl: number; sda: number }): D {
    if (this.wired.some((d) => d.scl === pins.scl && d.sda === pins.sda && d.device.address === device.address)) {
      throw new RuntimeError(`attach(): a device already answers to ${hex(device.address)} on the I2C bus scl=${pins.scl} sda=${pins.sda}`);
    }
    this.wired.push({ device, scl: pins.scl, sda: pins.sda });
    return device;
  }
  /** The devices plugged in, in the order they were. */
  devices(): SimI2cDevice[] {
    return this.wired.map((d) => d.device);
  }
  /** Unplugs a device. */
  detach(device: SimI2cDevice): void {
    const i = this.wired.findIndex((d) => d.device === device);
    if (i >= 0) this.wired.splice(i, 1);
  }

  open(o: I2cBusOptions): I2cBus {
    if (this.openIds.has(o.id)) throw new RuntimeError(`I2C(${o.id}): the controller is already open on the ${this.name}`);
    const frees: (() => void)[] = [];
    try {
      for (const [name, pin] of [["scl", o.scl], ["sda", o.sda]] as const) {
        if (pin >= this.inputOnlyFrom) throw new RangeError(`I2C(${o.id}): ${name} pin ${pin} is input-only on the ${this.name} (it can't pull the line low)`);
      }
      if (this.claim) for (const pin of [o.scl, o.sda]) frees.push(this.claim(pin, `I2C(${o.id})`));
    } catch (e) {
      for (const f of frees) f();
      throw e;
    }
    this.openIds.add(o.id);
    return new SimBus(this, o, () => {
      this.openIds.delete(o.id);
      for (const f of frees) f();
    });
  }

  /** @internal */
  now(): number {
    return this.clock();
  }
  /** @internal The device at addr on these pins. */
  deviceAt(o: I2cBusOptions, addr: number): SimI2cDevice | undefined {
    for (const d of this.wired) if (d.scl === o.scl && d.sda === o.sda && d.device.address === addr) return d.device;
    return undefined;
  }
}

interface Outcome {
  data: Uint8Array;
  error: OSError | null;
  /** ms the transaction lasts, stretching included. */
  duration: number;
  /** ms a device held the clock. */
  stretched: number;
}

class SimBus implements I2cBus {
  private closed = false;
  private readonly queue: { addr: number; write: Uint8Array | null; read: number; done: I2cDone }[] = [];
  private busy = false;
  private readonly timer: SimTimer;
  private current: { done: I2cDone; outcome: Outcome } | null = null;

  constructor(private readonly port: SimulatedI2cPort, private readonly o: I2cBusOptions, private readonly release: () => void) {
    this.timer = new SimTimer(() => this.finish(), `I2C(${o.id}) bus`);
  }

  transfer(addr: number, write: Uint8Array | null, read: number): Uint8Array {
    if (this.closed) throw new RuntimeError(`the bus is closed on the ${this.port.name}`);
    const now = this.port.now();
    const outcome = this.perform(addr, write, read, now);
    if (outcome.stretched > 0) {
      // The master waits with the loop blocked: on virtual time the clock moves on by the wait.
      const host = getHost() as { spend?: (ms: number) => void } | null;
      if (host && typeof host.spend === "function") host.spend(outcome.stretched);
    }
    if (outcome.error) throw outcome.error;
    return outcome.data;
  }

  transferAsync(addr: number, write: Uint8Array | null, read: number, done: I2cDone): void {
    if (this.closed) throw new RuntimeError(`the bus is closed on the ${this.port.name}`);
    this.queue.push({ addr, write, read, done });
    this.startNext();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.stop();
    this.queue.length = 0;
    this.current = null;
    this.busy = false;
    this.release();
  }

  private startNext(): void {
    if (this.busy || this.closed) return;
    const op = this.queue.shift();
    if (!op) return;
    this.busy = true;
    const start = this.port.now();
    const outcome = this.perform(op.addr, op.write, op.read, start);
    this.current = { done: op.done, outcome };
    this.timer.at(start + outcome.duration);
  }
  private finish(): void {
    const c = this.current;
    this.current = null;
    this.busy = false;
    if (c && !this.closed) {
      try {
        c.done(c.outcome.error, c.outcome.error ? null : c.outcome.data);
      } finally {
        this.startNext();
      }
    }
  }

  /** Runs the transaction against the device models at `now`; records it. */
  private perform(addr: number, write: Uint8Array | null, read: number, now: number): Outcome {
    const port = this.port;
    const bus = `the I2C bus scl=${this.o.scl} sda=${this.o.sda}`;
    const w = write ?? EMPTY;
    const bitMs = 1000 / this.o.freq;
    const device = port.deviceAt(this.o, addr);
    let error: OSError | null = null;
    let data = EMPTY;
    let bits = transactionBits(w.length, read);
    let stretched = 0;
    const nack = (text: string, code: string, sentBits: number): void => {
      error = new OSError(`${text} on ${bus} (${port.name})`, code);
      bits = sentBits;
    };
    if (!device) nack(`no device acknowledged address ${hex(addr)}`, "ENODEV", 1 + 9 + 1);
    else if (w.length > 0 || read === 0) {
      const acked = device.write(w, now);
      if (acked < 0) nack(`no device acknowledged address ${hex(addr)}`, "ENODEV", 1 + 9 + 1);
      else if (acked < w.length) nack(`device ${hex(addr)} did not acknowledge byte ${acked} of ${w.length}`, "EIO", 1 + 9 + 9 * (acked + 1) + 1);
    }
    if (!error && device && read > 0) {
      const r = device.read(read, now);
      if (r === null) nack(`device ${hex(addr)} did not acknowledge its address for reading`, "ENODEV", transactionBits(w.length, 0) + (w.length > 0 ? 9 : 0));
      else {
        data = new Uint8Array(read).fill(0xff);
        data.set(r.data.subarray(0, read));
        if (r.until !== undefined && r.until > now) {
          stretched = r.until - now;
          if (stretched > STRETCH_TIMEOUT_MS) {
            stretched = STRETCH_TIMEOUT_MS;
            error = new OSError(`device ${hex(addr)} held the clock longer than ${STRETCH_TIMEOUT_MS} ms on ${bus} (${port.name})`, "ETIMEDOUT");
          }
        }
      }
    }
    const duration = bits * bitMs + stretched;
    if (port.transactions.length >= 10000) port.transactions.splice(0, 5000);
    port.transactions.push({ start: now, end: now + duration, addr, write: [...w], read: error ? [] : [...data], error: error ? (error as OSError).code : "" });
    return { data, error, duration, stretched };
  }
}
