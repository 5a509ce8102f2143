import { RuntimeError } from "../asyncio/errors";
import { describe } from "../asyncio/format";
import { getEventLoop } from "../asyncio/loop";
import { OSError, type NetSocket, type SocketHandlers } from "../asyncio/netport";
import { utf8Encode, type Stream, type StreamSource } from "../asyncio/stream";
import { getSerialPort, type SerialLine, type SerialPort } from "./serialport";
import { isBytes, readOptions } from "./args";
import { pinOf, takeOver } from "./adc";
import type { Pin } from "./pin";

const OPTION_KEYS = ["baudrate", "tx", "rx", "bits", "parity", "stop", "rxbuf", "txbuf"] as const;

export interface UartInit {
  /** Bits per second; default 115 200. */
  baudrate?: number;
  /**
   * Transmit pin (a number, or a Pin the UART takes over: closed once the
   * UART is open, left usable when the host refuses); null: receive only.
   * With neither tx nor rx given, the host's default pins for this id.
   */
  tx?: number | Pin | null;
  /** Receive pin, as tx; null: transmit only. */
  rx?: number | Pin | null;
  /** Data bits, 5–9; default 8. */
  bits?: number;
  /** null (default): none; 0: even; 1: odd. */
  parity?: 0 | 1 | null;
  /** Stop bits, 1 (default) or 2. */
  stop?: 1 | 2;
  /** Receive buffer in bytes (default 256, MicroPython's); bytes arriving when it is full are lost. */
  rxbuf?: number;
  /** Transmit buffer in bytes (default 256): write() takes what fits. */
  txbuf?: number;
}

/**
 * MicroPython's machine.UART: new UART(2, { baudrate: 9600, tx: 17, rx: 16 })
 * (or tx: new Pin(17), rx: new Pin(16));
 * write(), read(), readinto(), readline(), any(), txdone(), deinit(). Nothing
 * here blocks: read() returns what has arrived (null when nothing has, as
 * MicroPython's read() does at its timeout), readline() a whole line once
 * one is there, write() takes what fits in the transmit buffer and returns
 * how many bytes that is. To wait for input or for room, put a Stream on
 * it: new asyncio.Stream(uart) or asyncio.streamOf(uart), the same Stream
 * as TCP's (readline(), read(), readexactly(), write(), drain()), woken by
 * the port; from then on the Stream owns the UART's input and output
 * (this object's read/write methods refuse), and closing the Stream closes
 * the UART.
 *
 * Errors: TypeError, RangeError (id, pins, baud rate, format, buffer
 * sizes; a format the host lacks), RuntimeError (closed; in use; owned by
 * its Stream). Messages start with the call: "UART(2).read(): …".
 */
export class UART implements StreamSource {
  readonly id: number;
  readonly baudrate: number;
  readonly tx: number | null;
  readonly rx: number | null;
  readonly bits: number;
  readonly parity: 0 | 1 | null;
  readonly stop: 1 | 2;
  readonly rxbuf: number;
  readonly txbuf: number;
  private readonly port: SerialPort;
  /** null once closed. */
  private line: SerialLine | null;
  private socket: UartSocket | null = null;
  private stream: Stream | null = null;

  /**
   * Opens UART `id`. Everything is checked before it is opened, so a
   * constructor that throws leaves it free.
   * @throws TypeError, RangeError, RuntimeError (in use, no port installed)
   */
  constructor(id: number, init: UartInit = {}) {
    if (typeof id !== "number") throw new TypeError(`UART: expected the UART id as a number, got ${describe(id)}`);
    init = readOptions(`UART(${id})`, init, OPTION_KEYS, "options { baudrate, tx, rx, bits, parity, stop }") as UartInit;
    const num = (name: string, v: unknown, dflt: number): number => {
      if (v === undefined) return dflt;
      if (typeof v !== "number") throw new TypeError(`UART(${id}): expected ${name} as a number, got ${describe(v)}`);
      return v;
    };
    const baudrate = num("baudrate", init.baudrate, 115200);
    const bits = num("bits", init.bits, 8);
    const stop = num("stop", init.stop, 1);
    const rxbuf = num("rxbuf", init.rxbuf, 256);
    const txbuf = num("txbuf", init.txbuf, 256);
    const parity = init.parity === undefined ? null : init.parity;
    if (parity !== null && typeof parity !== "number") throw new TypeError(`UART(${id}): expected parity as null, 0 (even) or 1 (odd), got ${describe(parity)}`);
    const pin = (name: string, arg: unknown): number | null | undefined => {
      const v = pinOf(arg);
      if (v === undefined || v === null) return v;
      if (typeof v !== "number") throw new TypeError(`UART(${id}): expected ${name} as a pin number, a Pin or null, got ${describe(arg)}`);
      return v;
    };
    let tx = pin("tx", init.tx);
    let rx = pin("rx", init.rx);
    const port = getSerialPort();
    if (!Number.isInteger(id) || id < 0 || id > port.maxId) throw new RangeError(`UART: id ${id} is out of range for the ${port.name} (0–${port.maxId})`);
    if (!Number.isInteger(baudrate) || baudrate < 50 || baudrate > 5_000_000) throw new RangeError(`UART(${id}): baudrate ${baudrate} is outside 50–5 000 000`);
    if (!Number.isInteger(bits) || bits < 5 || bits > 9) throw new RangeError(`UART(${id}): bits must be 5–9, got ${bits}`);
    if (parity !== null && parity !== 0 && parity !== 1) throw new RangeError(`UART(${id}): parity must be null, 0 (even) or 1 (odd), got ${parity}`);
    if (stop !== 1 && stop !== 2) throw new RangeError(`UART(${id}): stop must be 1 or 2, got ${stop}`);
    for (const [name, v] of [["rxbuf", rxbuf], ["txbuf", txbuf]] as const) {
      if (!Number.isInteger(v) || v < 16 || v > 65536) throw new RangeError(`UART(${id}): ${name} must be 16–65536 bytes, got ${v}`);
    }
    if (tx === undefined && rx === undefined) {
      const d = port.defaultPins?.(id);
      if (!d) throw new TypeError(`UART(${id}): give the pins (tx, rx): the ${port.name} has no default pins for UART ${id}`);
      tx = d.tx;
      rx = d.rx;
    }
    tx ??= null;
    rx ??= null;
    if (tx === null && rx === null) throw new RangeError(`UART(${id}): needs a tx or an rx pin`);
    for (const [name, v] of [["tx", tx], ["rx", rx]] as const) {
      if (v !== null && (!Number.isInteger(v) || v < 0 || v > port.maxPin)) throw new RangeError(`UART(${id}): ${name} pin ${v} is out of range for the ${port.name} (0–${port.maxPin})`);
    }
    if (tx !== null && tx === rx) throw new RangeError(`UART(${id}): tx and rx are both pin ${tx}`);
    this.id = id;
    this.baudrate = baudrate;
    this.tx = tx;
    this.rx = rx;
    this.bits = bits;
    this.parity = parity;
    this.stop = stop;
    this.rxbuf = rxbuf;
    this.txbuf = txbuf;
    this.port = port;
    this.line = takeOver(init.tx, () =>
      takeOver(init.rx, () =>
        port.open({ id, baudrate, tx, rx, bits, parity, stop, rxbuf, txbuf }, {
          // Host callbacks: nothing may escape them.
          onReadable: () => this.guard("input", () => this.socket?.pull()),
          onWritable: () => this.guard("output", () => this.socket?.writable()),
        }),
      ),
    );
  }

  /**
   * Queues bytes (a string as UTF-8) for sending; returns how many the
   * transmit buffer took (fewer than given when it is full: send the rest
   * later, or use a Stream, whose drain() waits for room).
   */
  write(buf: Uint8Array | string): number {
    const bytes = this.bytesOf("write()", buf);
    const line = this.checkIdle("write()");
    return bytes.length ? line.write(bytes) : 0;
  }
  /** Up to nbytes (default: all) of what has arrived; null when nothing has. */
  read(nbytes?: number): Uint8Array | null {
    const what = `read(${nbytes === undefined ? "" : typeof nbytes === "number" ? nbytes : describe(nbytes)})`;
    if (nbytes !== undefined) this.checkCount(what, nbytes);
    const line = this.checkIdle(what);
    const n = line.available();
    if (n === 0) return null;
    return line.read(nbytes === undefined ? n : Math.min(n, nbytes));
  }
  /** Reads into buf (up to nbytes of it); returns how many bytes, or null when nothing has arrived. */
  readinto(buf: Uint8Array, nbytes?: number): number | null {
    const what = "readinto()";
    if (!isBytes(buf)) throw new TypeError(`UART(${this.id}).${what}: expected a Uint8Array, got ${describe(buf)}`);
    if (nbytes !== undefined) this.checkCount(what, nbytes);
    const line = this.checkIdle(what);
    const n = Math.min(line.available(), buf.length, nbytes ?? Infinity);
    if (n === 0) return line.available() === 0 ? null : 0;
    buf.set(line.read(n));
    return n;
  }
  /**
   * A whole line with its "\n" once one has arrived; null until then (what
   * arrived stays). A receive buffer full without a newline is returned as
   * it is, since no newline could arrive after it.
   */
  readline(): Uint8Array | null {
    const line = this.checkIdle("readline()");
    const i = line.indexOf(10);
    if (i >= 0) return line.read(i + 1);
    const n = line.available();
    return n > 0 && n >= this.rxbuf ? line.read(n) : null;
  }
  /** Bytes waiting to be read. */
  any(): number {
    return this.checkIdle("any()").available();
  }
  /** True when everything written has been sent. */
  txdone(): boolean {
    const line = this.checkOpen("txdone()");
    return line.txPending() === 0;
  }

  /**
   * Releases the UART and its pins (bytes already in the transmitter still
   * go out). A Stream on it sees the end: its pending read rejects with
   * OSError EBADF. Idempotent.
   */
  deinit(): void {
    this.shut(true);
  }
  /** deinit(). */
  close(): void {
    this.deinit();
  }
  toString(): string {
    const parity = this.parity === null ? "None" : String(this.parity);
    return `UART(${this.id}, baudrate=${this.baudrate}, bits=${this.bits}, parity=${parity}, stop=${this.stop}, tx=${this.tx}, rx=${this.rx})`;
  }

  /**
   * @internal new Stream(uart): the transport the Stream reads and writes
   * through, or the Stream already on this UART (a Stream is made once per
   * UART: MicroPython's StreamReader(uart) and StreamWriter(uart, {}) are
   * then one object).
   */
  openStream(stream: Stream, handlers: SocketHandlers): NetSocket | Stream {
    if (this.stream !== null && this.line !== null) return this.stream;
    this.checkOpen("Stream");
    this.stream = stream;
    this.socket = new UartSocket(this, handlers);
    return this.socket;
  }

  /** @internal The stream's end of the line (UartSocket). */
  lineOf(): SerialLine | null {
    return this.line;
  }
  /** @internal Closes the line; `byUser`: deinit() (the Stream learns of it as an error), else the Stream closed it. */
  shut(byUser: boolean): void {
    const line = this.line;
    if (line === null) return;
    this.line = null;
    const socket = this.socket;
    this.socket = null;
    try {
      line.close();
    } finally {
      socket?.closed(byUser ? new OSError(`UART(${this.id}) was closed (deinit())`, "EBADF") : null);
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      try {
        getEventLoop().callExceptionHandler({ message: `Exception in UART(${this.id}) ${what}`, exception: e, future: null });
      } catch {
        // nowhere left to report
      }
    }
  }
  private checkOpen(what: string): SerialLine {
    if (this.line === null) throw new RuntimeError(`UART(${this.id}).${what}: the UART is closed`);
    return this.line;
  }
  /** Open, and not owned by a Stream. */
  private checkIdle(what: string): SerialLine {
    const line = this.checkOpen(what);
    if (this.socket !== null) throw new RuntimeError(`UART(${this.id}).${what}: a Stream owns this UART; read and write through the stream`);
    return line;
  }
  private checkCount(what: string, n: unknown): void {
    if (typeof n !== "number") throw new TypeError(`UART(${this.id}).${what}: expected a number of bytes, got ${describe(n)}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`UART(${this.id}).${what}: ${n} is not a byte count`);
  }
  private bytesOf(what: string, buf: unknown): Uint8Array {
    if (typeof buf === "string") return utf8Encode(buf);
    if (isBytes(buf)) return buf;
    throw new TypeError(`UART(${this.id}).${what}: expected a Uint8Array or a string, got ${describe(buf)}`);
  }
}

/**
 * The UART as a Stream's transport (asyncio's NetSocket): bytes move from
 * the receive buffer into the Stream while it is not paused; while it is
 * (16 KiB unread) they stay in the receive buffer, and once that is full
 * arriving bytes are lost (a UART has no flow control here).
 */
class UartSocket implements NetSocket {
  private paused = false;
  private done = false;

  constructor(private readonly uart: UART, private readonly h: SocketHandlers) {
    // What arrived before the Stream did is the stream's too.
    this.pull();
  }

  /** @internal Moves what has arrived into the stream. */
  pull(): void {
    if (this.paused || this.done) return;
    const line = this.uart.lineOf();
    if (line === null) return;
    const n = line.available();
    if (n > 0) this.h.onData(line.read(n));
  }
  /** @internal */
  writable(): void {
    if (!this.done) this.h.onWritable();
  }
  /** @internal The line is closed: by deinit() (error) or by the Stream. */
  closed(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    if (error) this.h.onError(error);
    this.h.onClose();
  }

  peer(): undefined {
    return undefined;
  }
  write(data: Uint8Array): number {
    const line = this.uart.lineOf();
    if (line === null || this.done) return 0;
    return line.write(data);
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pull();
  }
  close(): void {
    this.uart.shut(false);
  }
  abort(): void {
    this.uart.shut(false);
  }
}

