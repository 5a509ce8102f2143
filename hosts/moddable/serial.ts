// machine.UART over ECMA-419 embedded:io/serial (ESP32, ESP8266, Pico).
//
// The driver works on the UART's hardware FIFOs and calls back: onReadable
// with the bytes waiting (ESP32: when 120 have arrived or the line has been
// idle 4 byte times; ESP8266: 120 or 2), onWritable with the room in the
// transmit FIFO (once at the start, then after a write when it has
// drained). Here every onReadable empties the FIFO into the UART's receive
// buffer (rxbuf bytes; what does not fit is lost), and what write() takes
// waits in the transmit buffer (txbuf bytes) until the FIFO has room.
// ECMA-419 serial frames bytes as 8N1 only (its constructor takes the baud
// rate alone), so other formats are refused.
//
// Every callback here runs from the driver's host callback, where an
// exception that escapes aborts the VM: each one catches what it runs.
import Serial from "embedded:io/serial";
import { RuntimeError } from "asyncio/errors";
import { thrownMessage } from "asyncio/format";
import { getEventLoop } from "asyncio/loop";
import { RingBytes } from "machine/ringbytes";
import type { SerialHandlers, SerialLine, SerialOptions, SerialPort } from "machine/serialport";

export interface SerialProfile {
  /** Highest UART id. */
  maxId: number;
  maxPin: number;
  /** MicroPython's pins when the app names none, by id. */
  defaults: Record<number, { tx: number; rx: number }>;
  /** The only pins the driver uses, whatever it is given (ESP8266: UART0 on GPIO1/GPIO3). */
  fixed?: { tx: number; rx: number };
}

class Ecma419SerialLine implements SerialLine {
  private readonly rx: RingBytes;
  private readonly tx: RingBytes;
  /** Room in the transmit FIFO, as the driver last reported it. */
  private room = 0;
  private owedWritable = false;
  private serial: Serial | null = null;
  /** Bytes lost because the receive buffer was full. */
  overruns = 0;

  constructor(private readonly port: Ecma419SerialPort, private readonly o: SerialOptions, private readonly h: SerialHandlers) {
    this.rx = new RingBytes(o.rxbuf);
    this.tx = new RingBytes(o.txbuf);
    const self = this;
    const options: Record<string, unknown> = {
      port: o.id,
      baud: o.baudrate,
      format: "buffer",
      onReadable(count: number) {
        self.guard("input", () => self.readable(count));
      },
      onWritable(count: number) {
        self.guard("output", () => self.writable(count));
      },
    };
    if (o.tx !== null) options.transmit = o.tx;
    if (o.rx !== null) options.receive = o.rx;
    try {
      this.serial = new Serial(options as unknown as ConstructorParameters<typeof Serial>[0]);
    } catch (e) {
      const m = thrownMessage(e);
      const text = `UART(${o.id}): the ${port.name} refused it (${m})`;
      throw /in use/i.test(m) ? new RuntimeError(text) : e instanceof RangeError ? new RangeError(text) : new RuntimeError(text);
    }
  }

  available(): number {
    return this.rx.length;
  }
  read(n: number): Uint8Array {
    return this.rx.take(n);
  }
  indexOf(byte: number): number {
    return this.rx.indexOf(byte);
  }
  write(data: Uint8Array): number {
    if (!this.serial) return 0;
    const k = this.tx.push(data);
    if (k < data.length) this.owedWritable = true;
    this.pump();
    return k;
  }
  txPending(): number {
    return this.tx.length;
  }
  close(): void {
    const s = this.serial;
    if (!s) return;
    this.serial = null;
    this.rx.clear();
    this.tx.clear();
    this.port.release(this.o.id);
    s.close();
  }

  private readable(count: number): void {
    const s = this.serial;
    if (!s || count <= 0) return;
    const b = s.read() as ArrayBuffer | undefined;
    if (!b) return;
    const bytes = new Uint8Array(b);
    const k = this.rx.push(bytes);
    this.overruns += bytes.length - k;
    if (k > 0) this.h.onReadable();
  }
  private writable(count: number): void {
    this.room = count;
    this.pump();
    if (this.owedWritable && this.tx.free() > 0) {
      this.owedWritable = false;
      this.h.onWritable();
    }
  }
  /** Moves what waits in the transmit buffer into the FIFO, as far as it has room. */
  private pump(): void {
    const s = this.serial;
    if (!s) return;
    const k = Math.min(this.room, this.tx.length);
    if (k <= 0) return;
    s.write(this.tx.take(k));
    this.room -= k;
  }
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      try {
        getEventLoop().callExceptionHandler({ message: `Exception in UART(${this.o.id}) ${what} (${this.port.name})`, exception: e, future: null });
      } catch {
        // nowhere left to report
      }
    }
  }
}

export class Ecma419SerialPort implements SerialPort {
  readonly name = "ECMA-419 embedded:io/serial";
  readonly maxId: number;
  readonly maxPin: number;
  private readonly inUse = new Set<number>();

  constructor(private readonly profile: SerialProfile) {
    this.maxId = profile.maxId;
    this.maxPin = profile.maxPin;
  }

  defaultPins(id: number): { tx: number; rx: number } | undefined {
    return this.profile.defaults[id];
  }

  open(o: SerialOptions, h: SerialHandlers): SerialLine {
    if (o.bits !== 8 || o.parity !== null || o.stop !== 1) {
      throw new RangeError(`UART(${o.id}): the ${this.name} frames bytes as 8N1 only (8 data bits, no parity, 1 stop bit)`);
    }
    const fixed = this.profile.fixed;
    if (fixed && ((o.tx !== null && o.tx !== fixed.tx) || (o.rx !== null && o.rx !== fixed.rx))) {
      throw new RangeError(`UART(${o.id}): the ${this.name} here has its pins fixed: tx=${fixed.tx}, rx=${fixed.rx}`);
    }
    if (this.inUse.has(o.id)) throw new RuntimeError(`UART(${o.id}): the UART is already open on the ${this.name}`);
    const line = new Ecma419SerialLine(this, o, h);
    this.inUse.add(o.id);
    return line;
  }

  /** @internal */
  release(id: number): void {
    this.inUse.delete(id);
  }
}
