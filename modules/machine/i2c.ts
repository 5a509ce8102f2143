import { isInstance, RuntimeError } from "../asyncio/errors";
import { describe } from "../asyncio/format";
import { getEventLoop } from "../asyncio/loop";
import { OSError } from "../asyncio/netport";
import { PARKED, type Waiter, type WaitHome } from "../asyncio/waiter";
import { getI2cPort, type I2cBus, type I2cPort } from "./i2cport";
import { pinOf, takeOver } from "./adc";
import type { Pin } from "./pin";
import { isBytes, messageOf, peek, readOptions } from "./args";

const EMPTY = new Uint8Array(0);
/** Bytes one read may ask for (a bound on what a typo can allocate). */
const MAX_COUNT = 65536;

export interface I2cInit {
  /** A pin number, or a Pin the bus takes over (closed once the bus is open; left usable when opening fails). */
  scl: number | Pin;
  sda: number | Pin;
  /** Hz; default 400 000 (MicroPython's). */
  freq?: number;
}
export interface MemOptions {
  /** Bits of the register address: 8 (default), 16, 24 or 32, sent most significant byte first. */
  addrsize?: number;
}

/** "0x44" */
export function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

/** An argument as a call shows it: numbers as they are, anything else described. */
function argText(v: unknown): string {
  return typeof v === "number" ? String(v) : describe(v);
}


/**
 * MicroPython's machine.I2C, a controller: new I2C(0, { scl: 22, sda: 21,
 * freq: 400_000 }) or new I2C(0, { scl: new Pin(22), sda: new Pin(21) }); scan(), readfrom(), readfromInto(), writeto(),
 * readfromMem(), readfromMemInto(), writetoMem(). They run the transaction
 * at once and return (on hardware the loop waits for the bus: about 0.2 ms
 * for 6 bytes at 400 kHz, longer when a device stretches the clock).
 * readfromAsync(), writetoAsync(), readfromMemAsync() and writetoMemAsync()
 * are the awaitable forms: on ESP32 (ECMA-419's I2C task) and on the
 * simulated bus the loop runs other tasks meanwhile; elsewhere the
 * transaction runs at once and the promise settles at the next turn.
 *
 * Errors: TypeError for an argument of the wrong type; RangeError for a
 * value not allowed (id, pin, frequency, an address outside 7 bits, a
 * count); OSError (asyncio's, with .code) from the bus: ENODEV when no
 * device acknowledges the address, EIO when a data byte is not
 * acknowledged, ETIMEDOUT when a device holds the clock too long;
 * RuntimeError for a closed bus. Messages start with the call:
 * "I2C(0).readfrom(0x44, 6): …". Cancelling an awaitable form stops the
 * wait, not the transaction (it completes on the bus; its result is
 * dropped); deinit() rejects every pending one.
 */
export class I2C implements WaitHome {
  readonly id: number;
  readonly scl: number;
  readonly sda: number;
  readonly freq: number;
  private readonly port: I2cPort;
  /** null once closed. */
  private bus: I2cBus | null;
  /** Awaitable transfers in flight, with the call that started each (for the error when the bus closes). */
  private readonly pending = new Map<Waiter<any>, string>();

  /**
   * Opens controller `id` on pins scl and sda (numbers, or Pins it takes
   * over once the bus is open: closed then, left usable when the host
   * refuses). Everything is checked before the bus is opened, so a
   * constructor that throws leaves it free.
   * @throws TypeError, RangeError, RuntimeError (pins or controller in use, no port installed)
   */
  constructor(id: number, init: I2cInit) {
    if (typeof id !== "number") throw new TypeError(`I2C: expected the bus id as a number, got ${describe(id)}`);
    if (init === undefined) throw new TypeError(`I2C(${id}): expected options { scl, sda, freq }, got undefined`);
    const { scl: sclArg, sda: sdaArg, freq: f } = readOptions(`I2C(${id})`, init, ["scl", "sda", "freq"], "options { scl, sda, freq }");
    const pin = (name: string, arg: unknown): number => {
      const v = pinOf(arg);
      if (typeof v !== "number") throw new TypeError(`I2C(${id}): expected ${name} as a pin number or a Pin, got ${describe(arg)}`);
      return v;
    };
    const scl = pin("scl", sclArg);
    const sda = pin("sda", sdaArg);
    const freq = f === undefined ? 400_000 : f;
    if (typeof freq !== "number") throw new TypeError(`I2C(${id}): expected freq as a number, got ${describe(freq)}`);
    const port = getI2cPort();
    if (!Number.isInteger(id) || id < 0 || id > port.maxId) throw new RangeError(`I2C: bus id ${id} is out of range for the ${port.name} (0–${port.maxId})`);
    for (const [name, v] of [["scl", scl], ["sda", sda]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > port.maxPin) throw new RangeError(`I2C(${id}): ${name} pin ${v} is out of range for the ${port.name} (0–${port.maxPin})`);
    }
    if (scl === sda) throw new RangeError(`I2C(${id}): scl and sda are both pin ${scl}`);
    if (!Number.isInteger(freq) || freq < 1 || freq > 5_000_000) throw new RangeError(`I2C(${id}): freq ${freq} Hz is outside 1 Hz–5 MHz`);
    this.id = id;
    this.scl = scl;
    this.sda = sda;
    this.freq = freq;
    this.port = port;
    this.bus = takeOver(sclArg, () => takeOver(sdaArg, () => port.open({ id, scl, sda, freq })));
  }

  /** Addresses 0x08–0x77 that acknowledge, ascending (MicroPython's scan()). */
  scan(): number[] {
    const what = "scan()";
    const bus = this.checkOpen(what);
    const found: number[] = [];
    for (let addr = 0x08; addr <= 0x77; addr++) {
      try {
        bus.transfer(addr, EMPTY, 0);
        found.push(addr);
      } catch (e) {
        const code = isInstance(e, OSError) ? (e as OSError).code : "";
        if (code !== "ENODEV" && code !== "EIO") throw this.wrap(what, e);
      }
    }
    return found;
  }

  /** Reads nbytes from the device at addr. */
  readfrom(addr: number, nbytes: number): Uint8Array {
    const what = `readfrom(${this.addrText(addr)}, ${argText(nbytes)})`;
    this.checkAddr(what, addr);
    this.checkCount(what, nbytes);
    return this.run(what, addr, null, nbytes);
  }
  /** Fills buf from the device at addr. */
  readfromInto(addr: number, buf: Uint8Array): void {
    const what = `readfromInto(${this.addrText(addr)}, …)`;
    this.checkAddr(what, addr);
    if (!isBytes(buf)) throw new TypeError(`I2C(${this.id}).${what}: expected a Uint8Array, got ${describe(buf)}`);
    buf.set(this.run(what, addr, null, buf.length).subarray(0, buf.length));
  }
  /** Writes buf to the device at addr; returns how many bytes were acknowledged (all of them: a byte that is not is an OSError EIO). */
  writeto(addr: number, buf: Uint8Array | ArrayLike<number>): number {
    const what = `writeto(${this.addrText(addr)}, …)`;
    this.checkAddr(what, addr);
    const bytes = this.toBytes(what, buf);
    this.run(what, addr, bytes, 0);
    return bytes.length;
  }
  /** Writes the register address memaddr, then (repeated start) reads nbytes. */
  readfromMem(addr: number, memaddr: number, nbytes: number, options: MemOptions = {}): Uint8Array {
    const what = `readfromMem(${this.addrText(addr)}, ${this.addrText(memaddr)}, ${argText(nbytes)})`;
    this.checkAddr(what, addr);
    const reg = this.memBytes(what, memaddr, options);
    this.checkCount(what, nbytes);
    return this.run(what, addr, reg, nbytes);
  }
  /** readfromMem() into buf. */
  readfromMemInto(addr: number, memaddr: number, buf: Uint8Array, options: MemOptions = {}): void {
    const what = `readfromMemInto(${this.addrText(addr)}, ${this.addrText(memaddr)}, …)`;
    this.checkAddr(what, addr);
    const reg = this.memBytes(what, memaddr, options);
    if (!isBytes(buf)) throw new TypeError(`I2C(${this.id}).${what}: expected a Uint8Array, got ${describe(buf)}`);
    buf.set(this.run(what, addr, reg, buf.length).subarray(0, buf.length));
  }
  /** Writes the register address memaddr and then buf, in one transaction. */
  writetoMem(addr: number, memaddr: number, buf: Uint8Array | ArrayLike<number>, options: MemOptions = {}): void {
    const what = `writetoMem(${this.addrText(addr)}, ${this.addrText(memaddr)}, …)`;
    this.checkAddr(what, addr);
    const reg = this.memBytes(what, memaddr, options);
    const bytes = this.toBytes(what, buf);
    this.run(what, addr, join(reg, bytes), 0);
  }

  /** readfrom(), awaitable. */
  async readfromAsync(addr: number, nbytes: number): Promise<Uint8Array> {
    const what = `readfromAsync(${this.addrText(addr)}, ${argText(nbytes)})`;
    this.checkAddr(what, addr);
    this.checkCount(what, nbytes);
    return this.runAsync(what, addr, null, nbytes);
  }
  /** writeto(), awaitable. */
  async writetoAsync(addr: number, buf: Uint8Array | ArrayLike<number>): Promise<number> {
    const what = `writetoAsync(${this.addrText(addr)}, …)`;
    this.checkAddr(what, addr);
    const bytes = this.toBytes(what, buf);
    await this.runAsync(what, addr, bytes, 0);
    return bytes.length;
  }
  /** readfromMem(), awaitable. */
  async readfromMemAsync(addr: number, memaddr: number, nbytes: number, options: MemOptions = {}): Promise<Uint8Array> {
    const what = `readfromMemAsync(${this.addrText(addr)}, ${this.addrText(memaddr)}, ${argText(nbytes)})`;
    this.checkAddr(what, addr);
    const reg = this.memBytes(what, memaddr, options);
    this.checkCount(what, nbytes);
    return this.runAsync(what, addr, reg, nbytes);
  }
  /** writetoMem(), awaitable. */
  async writetoMemAsync(addr: number, memaddr: number, buf: Uint8Array | ArrayLike<number>, options: MemOptions = {}): Promise<void> {
    const what = `writetoMemAsync(${this.addrText(addr)}, ${this.addrText(memaddr)}, …)`;
    this.checkAddr(what, addr);
    const reg = this.memBytes(what, memaddr, options);
    const bytes = this.toBytes(what, buf);
    await this.runAsync(what, addr, join(reg, bytes), 0);
  }

  /** Releases the bus and its pins; every pending awaitable transfer rejects with RuntimeError. Idempotent. */
  deinit(): void {
    const bus = this.bus;
    if (bus === null) return;
    this.bus = null;
    try {
      bus.close();
    } finally {
      const pending = [...this.pending];
      this.pending.clear();
      for (const [w, what] of pending) {
        w.home = null;
        w.loop.wakeSoon(w, new RuntimeError(`I2C(${this.id}).${what}: the bus was closed while the transfer was in flight`), true);
      }
    }
  }
  /** deinit(). */
  close(): void {
    this.deinit();
  }
  toString(): string {
    return `I2C(${this.id}, scl=${this.scl}, sda=${this.sda}, freq=${this.freq})`;
  }

  /** @internal The task awaiting a transfer was cancelled: it stops waiting (the transfer completes, its result is dropped). */
  unpark(w: Waiter<any>): boolean {
    this.pending.delete(w);
    return true;
  }

  private run(what: string, addr: number, write: Uint8Array | null, read: number): Uint8Array {
    const bus = this.checkOpen(what);
    try {
      return bus.transfer(addr, write, read);
    } catch (e) {
      throw this.wrap(what, e);
    }
  }
  private async runAsync(what: string, addr: number, write: Uint8Array | null, read: number): Promise<Uint8Array> {
    const bus = this.checkOpen(what);
    const loop = getEventLoop();
    if (!bus.transferAsync) {
      const data = this.run(what, addr, write, read);
      await loop.sleep(0);
      return data;
    }
    const w = loop.waiter<Uint8Array>();
    // A cancel already pending: the waiter fails at once, and nothing is started.
    if (w.state !== PARKED) return await w;
    w.home = this;
    this.pending.set(w, what);
    try {
      bus.transferAsync(addr, write, read, (error, data) => {
        // A host callback: nothing may escape it.
        try {
          if (!this.pending.delete(w)) return; // cancelled, or the bus closed
          w.home = null;
          if (error) w.loop.wakeSoon(w, this.wrap(what, error), true);
          else w.loop.wakeSoon(w, data ?? EMPTY);
        } catch (e) {
          getEventLoop().callExceptionHandler({ message: `Exception in I2C(${this.id}).${what} completion`, exception: e, future: null });
        }
      });
    } catch (e) {
      if (this.pending.delete(w)) {
        w.home = null;
        w.loop.wake(w, this.wrap(what, e), true);
      }
    }
    return await w;
  }
  private wrap(what: string, e: unknown): Error {
    const prefix = `I2C(${this.id}).${what}: `;
    if (isInstance(e, OSError)) {
      const o = e as OSError;
      return o.message.startsWith(prefix) ? o : new OSError(prefix + o.message, o.code);
    }
    if (isInstance(e, RangeError)) return new RangeError(prefix + messageOf(e));
    if (isInstance(e, TypeError)) return new TypeError(prefix + messageOf(e));
    if (isInstance(e, RuntimeError)) return new RuntimeError(prefix + messageOf(e));
    return new OSError(`${prefix}the ${this.port.name} failed (${messageOf(e)})`, "EIO");
  }
  private checkOpen(what: string): I2cBus {
    if (this.bus === null) throw new RuntimeError(`I2C(${this.id}).${what}: the bus is closed`);
    return this.bus;
  }
  private addrText(v: unknown): string {
    // Up to 32 bits (the widest register address) in hex; beyond, as the number it is, not 250 hex digits.
    if (typeof v !== "number") return describe(v);
    return Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? hex(v) : String(v);
  }
  private checkAddr(what: string, addr: unknown): void {
    if (typeof addr !== "number") throw new TypeError(`I2C(${this.id}).${what}: expected the address as a number, got ${describe(addr)}`);
    if (!Number.isInteger(addr) || addr < 0 || addr > 0x7f) throw new RangeError(`I2C(${this.id}).${what}: address ${this.addrText(addr)} is outside 7 bits (0x00–0x7f)`);
  }
  private checkCount(what: string, n: unknown): void {
    if (typeof n !== "number") throw new TypeError(`I2C(${this.id}).${what}: expected a number of bytes, got ${describe(n)}`);
    if (!Number.isInteger(n) || n < 0 || n > MAX_COUNT) throw new RangeError(`I2C(${this.id}).${what}: ${n} is not a byte count (0–${MAX_COUNT})`);
  }
  private toBytes(what: string, buf: unknown): Uint8Array {
    if (isBytes(buf)) return buf;
    const length = peek(buf, "length");
    if (buf === null || typeof buf !== "object" || typeof length !== "number") {
      throw new TypeError(`I2C(${this.id}).${what}: expected the bytes as a Uint8Array or an array of numbers, got ${describe(buf)}`);
    }
    if (!Number.isInteger(length) || length < 0 || length > MAX_COUNT) throw new RangeError(`I2C(${this.id}).${what}: ${length} is not a byte count (0–${MAX_COUNT})`);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const b = peek(buf, String(i));
      if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) throw new RangeError(`I2C(${this.id}).${what}: byte ${i} is ${describe(b)}, not 0–255`);
      out[i] = b;
    }
    return out;
  }
  private memBytes(what: string, memaddr: unknown, options: MemOptions): Uint8Array {
    const { addrsize } = readOptions(`I2C(${this.id}).${what}`, options, ["addrsize"], "options { addrsize }");
    const size = addrsize === undefined ? 8 : addrsize;
    if (typeof size !== "number") throw new TypeError(`I2C(${this.id}).${what}: expected addrsize as a number, got ${describe(size)}`);
    if (size !== 8 && size !== 16 && size !== 24 && size !== 32) throw new RangeError(`I2C(${this.id}).${what}: addrsize must be 8, 16, 24 or 32, got ${size}`);
    if (typeof memaddr !== "number") throw new TypeError(`I2C(${this.id}).${what}: expected the register address as a number, got ${describe(memaddr)}`);
    if (!Number.isInteger(memaddr) || memaddr < 0 || memaddr >= 2 ** size) throw new RangeError(`I2C(${this.id}).${what}: register address ${memaddr} does not fit in ${size} bits`);
    const n = size / 8;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(memaddr / 2 ** (8 * (n - 1 - i))) & 255;
    return out;
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
