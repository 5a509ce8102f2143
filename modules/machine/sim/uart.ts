import { RuntimeError } from "../../asyncio/errors";
import { getEventLoop } from "../../asyncio/loop";
import { RingBytes } from "../ringbytes";
import type { SerialHandlers, SerialLine, SerialOptions, SerialPort } from "../serialport";
import type { ClaimPin, SimPortOptions } from "./i2c";
import { SimTimer } from "./timer";

/** How a UART frames its bytes. */
export interface WireFormat {
  baudrate: number;
  bits: number;
  parity: 0 | 1 | null;
  stop: 1 | 2;
}
export const FORMAT_9600_8N1: Readonly<WireFormat> = Object.freeze({ baudrate: 9600, bits: 8, parity: null, stop: 1 });

/** Bits per byte on the wire: start, data, parity, stop. */
export function frameBits(f: WireFormat): number {
  return 1 + f.bits + (f.parity === null ? 0 : 1) + f.stop;
}
/** When byte i (from 0) of a burst that starts at `start` ends (its last stop bit), in ms. */
export function byteEnd(start: number, i: number, f: WireFormat): number {
  return start + ((i + 1) * frameBits(f) * 1000) / f.baudrate;
}
function byteBegin(start: number, i: number, f: WireFormat): number {
  return start + (i * frameBits(f) * 1000) / f.baudrate;
}
/** ms one byte takes on the wire. */
export function byteMs(f: WireFormat): number {
  return (frameBits(f) * 1000) / f.baudrate;
}
/** Whether a receiver set to `rx` reads what a sender set to `tx` sends (baud rates within 2.5 %, same framing). */
export function formatsMatch(tx: WireFormat, rx: WireFormat): boolean {
  return Math.abs(tx.baudrate - rx.baudrate) <= rx.baudrate * 0.025 && tx.bits === rx.bits && tx.parity === rx.parity && tx.stop === rx.stop;
}
/** What a receiver makes of a byte sent with the wrong baud rate or framing: garbage, but always the same garbage. */
export function garble(b: number): number {
  return ((b * 37) ^ 0xa5) & 0xff;
}

interface Burst {
  bytes: Uint8Array;
  start: number;
  format: WireFormat;
}

/**
 * A device on the other end of a simulated UART (a GPS, a modem, a test):
 * send() puts bytes on the wire at its own baud rate, one after the other;
 * what the board's UART sends it lands in `received`, each byte with the
 * time its stop bit ended. Wire it with SimulatedSerialPort.connect().
 */
export class UartPeer {
  format: WireFormat;
  /** Every byte the board sent it, and when each ended (ms). */
  readonly received: number[] = [];
  readonly receivedAt: number[] = [];
  /** Called with each batch of bytes the board sent (their end times alongside). */
  onReceive: ((bytes: Uint8Array, times: number[]) => void) | null = null;
  /** @internal set by SimulatedSerialPort.connect() */
  wire: Wire | null = null;

  constructor(format: Partial<WireFormat> = {}) {
    this.format = { ...FORMAT_9600_8N1, ...format };
  }

  /**
   * Sends bytes (a string as Latin-1) from `at` (default now), after what
   * is still being sent; returns when the last one ends (ms). Bytes whose
   * start bit came before the board's UART opened are not seen by it.
   * @throws RuntimeError when not connected
   */
  send(data: Uint8Array | string, at?: number): number {
    const wire = this.checkWire("send()");
    const bytes = typeof data === "string" ? latin1(data) : data.slice();
    return wire.send(bytes, at);
  }
  /**
   * Test hook: bytes land in the board UART's receive buffer now, all at
   * once (as an interrupt hands over a full FIFO), and it is told at once.
   * Dropped when the UART is not open; what does not fit is lost.
   */
  deliverNow(data: Uint8Array | string): void {
    const wire = this.checkWire("deliverNow()");
    wire.line?.inject(typeof data === "string" ? latin1(data) : data);
  }
  /** When the wire is free again (ms): the end of what was sent. */
  busyUntil(): number {
    return this.checkWire("busyUntil()").freeAt;
  }
  /** What the board sent it, as Latin-1 text. */
  receivedText(): string {
    let s = "";
    for (const b of this.received) s += String.fromCharCode(b);
    return s;
  }
  /** Hooks for models: a UART opened on the board's end of the wire, or closed. */
  lineOpened(): void {}
  lineClosed(): void {}

  /** @internal */
  receive(bytes: Uint8Array, times: number[]): void {
    for (let i = 0; i < bytes.length; i++) {
      this.received.push(bytes[i]);
      this.receivedAt.push(times[i]);
    }
    if (this.received.length > 200000) {
      this.received.splice(0, 100000);
      this.receivedAt.splice(0, 100000);
    }
    this.onReceive?.(bytes, times);
  }
  private checkWire(what: string): Wire {
    if (!this.wire) throw new RuntimeError(`UartPeer.${what}: not connected to a board (SimulatedSerialPort.connect())`);
    return this.wire;
  }
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** @internal A peer's connection: its TX into the board's rx pin, the board's tx pin into it. */
export class Wire {
  readonly bursts: Burst[] = [];
  freeAt = -Infinity;
  /** The open line receiving from this wire, if any. */
  line: SimLine | null = null;
  constructor(readonly port: SimulatedSerialPort, readonly peer: UartPeer, readonly rx: number | null, readonly tx: number | null) {}

  send(bytes: Uint8Array, at?: number): number {
    const now = this.port.now();
    const start = Math.max(at ?? now, this.freeAt);
    const format = { ...this.peer.format };
    const burst = { bytes, start, format };
    this.freeAt = bytes.length ? byteEnd(start, bytes.length - 1, format) : start;
    // Only what a line opened later could still see is kept.
    while (this.bursts.length && byteEnd(this.bursts[0].start, this.bursts[0].bytes.length - 1, this.bursts[0].format) < now) this.bursts.shift();
    if (bytes.length) {
      this.bursts.push(burst);
      this.line?.incoming(burst);
    }
    return this.freeAt;
  }
}

/** Counters of one UART id (for tests): bytes lost because the receive buffer was full. */
export interface UartStats {
  overruns: number;
  received: number;
  sent: number;
}

/**
 * Simulated UARTs (three, as on ESP32: 0, 1, 2), each reaching the peer
 * wired to its pins. Timing follows the wire and ESP32's UART as
 * Moddable's ECMA-419 driver sets it up: a byte takes (1 + bits + parity +
 * stop) / baud seconds; the receiver reports bytes when `rxThreshold` (120)
 * are waiting or the line has been idle for `rxTimeoutFrames` (4) byte
 * times after the last one; the transmitter reports room when at most
 * `txLowWater` (10) bytes are left to send. A receiver set to another baud
 * rate or framing than the sender gets garbage (garble()). Bytes arriving
 * when the receive buffer (rxbuf) is full are lost and counted (stats()).
 */
export class SimulatedSerialPort implements SerialPort {
  readonly name: string;
  readonly maxPin: number;
  readonly maxId = 2;
  rxThreshold = 120;
  rxTimeoutFrames = 4;
  txLowWater = 10;
  private readonly wires: Wire[] = [];
  private readonly openIds = new Map<number, SimLine>();
  private readonly counters = new Map<number, UartStats>();
  private readonly clock: () => number;
  private readonly claim: ClaimPin | null;

  /** Pins from this one up can't transmit (ESP32's GPIO 34–39). */
  readonly inputOnlyFrom: number;

  constructor(options: SimPortOptions = {}) {
    this.name = options.name ?? "simulated board";
    this.maxPin = options.maxPin ?? 39;
    this.inputOnlyFrom = options.inputOnlyFrom ?? 34;
    this.clock = options.clock ?? (() => getEventLoop().now());
    this.claim = options.claim ?? null;
  }

  /** Wires a peer: its TX to the board's `rx` pin, its RX to the board's `tx` pin. */
  connect<P extends UartPeer>(peer: P, pins: { rx?: number | null; tx?: number | null }): P {
    if (peer.wire) throw new RuntimeError("connect(): the peer is connected already");
    const wire = new Wire(this, peer, pins.rx ?? null, pins.tx ?? null);
    this.wires.push(wire);
    peer.wire = wire;
    return peer;
  }
  /** The peers wired, in the order they were. */
  peers(): UartPeer[] {
    return this.wires.map((w) => w.peer);
  }
  disconnect(peer: UartPeer): void {
    const i = this.wires.findIndex((w) => w.peer === peer);
    if (i < 0) return;
    const [wire] = this.wires.splice(i, 1);
    wire.line?.detach(wire);
    peer.wire = null;
  }

  /** MicroPython's pins for ESP32's UART2 (UART1's, GPIO 9 and 10, are the flash's on most modules). */
  defaultPins(id: number): { tx: number; rx: number } | undefined {
    return id === 2 ? { tx: 17, rx: 16 } : undefined;
  }

  stats(id: number): UartStats {
    let s = this.counters.get(id);
    if (!s) this.counters.set(id, (s = { overruns: 0, received: 0, sent: 0 }));
    return s;
  }

  open(o: SerialOptions, h: SerialHandlers): SerialLine {
    if (o.bits > 8) throw new RangeError(`UART(${o.id}): the ${this.name} (an ESP32) has 5–8 data bits, not ${o.bits}`);
    if (this.openIds.has(o.id)) throw new RuntimeError(`UART(${o.id}): the UART is already open on the ${this.name}`);
    if (o.tx !== null && o.tx >= this.inputOnlyFrom) throw new RangeError(`UART(${o.id}): tx pin ${o.tx} is input-only on the ${this.name}`);
    const frees: (() => void)[] = [];
    try {
      if (this.claim) {
        if (o.tx !== null) frees.push(this.claim(o.tx, `UART(${o.id})`));
        if (o.rx !== null) frees.push(this.claim(o.rx, `UART(${o.id})`));
      }
    } catch (e) {
      for (const f of frees) f();
      throw e;
    }
    const rxWire = o.rx === null ? null : this.wires.find((w) => w.rx === o.rx) ?? null;
    const txWire = o.tx === null ? null : this.wires.find((w) => w.tx === o.tx) ?? null;
    const line = new SimLine(this, o, h, rxWire, txWire, () => {
      this.openIds.delete(o.id);
      for (const f of frees) f();
    });
    this.openIds.set(o.id, line);
    if (rxWire) {
      rxWire.line = line;
      for (const b of rxWire.bursts) line.incoming(b);
    }
    if (rxWire) tellPeer(() => rxWire.peer.lineOpened(), `UART(${o.id})'s peer, as the UART opened`);
    return line;
  }

  /** @internal */
  now(): number {
    return this.clock();
  }
}

/** @internal */
export class SimLine implements SerialLine {
  private readonly rx: RingBytes;
  private readonly tx: RingBytes;
  private readonly format: WireFormat;
  private readonly openedAt: number;
  private closed = false;
  /** Bursts still arriving, and the index of the next byte of the first. */
  private readonly pending: { burst: Burst; next: number; clean: boolean }[] = [];
  private unnotified = 0;
  private lastEnd = -Infinity;
  private readonly rxTimer: SimTimer;
  private readonly txTimer: SimTimer;
  /** The transmission in progress: when its first byte started, how many have gone. */
  private runStart = 0;
  private runSent = 0;
  private owedWritable = false;

  constructor(
    private readonly port: SimulatedSerialPort,
    private readonly o: SerialOptions,
    private readonly h: SerialHandlers,
    private rxWire: Wire | null,
    private txWire: Wire | null,
    private readonly release: () => void,
  ) {
    this.rx = new RingBytes(o.rxbuf);
    this.tx = new RingBytes(o.txbuf);
    this.format = { baudrate: o.baudrate, bits: o.bits, parity: o.parity, stop: o.stop };
    this.openedAt = port.now();
    this.rxTimer = new SimTimer(() => this.rxEvent(), `UART(${o.id}) receiver`);
    this.txTimer = new SimTimer(() => this.txEvent(), `UART(${o.id}) transmitter`);
  }

  // ---- SerialLine ------------------------------------------------------------

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
    if (this.closed) return 0;
    const now = this.port.now();
    this.settleTx(now);
    if (this.tx.length === 0) {
      this.runStart = now;
      this.runSent = 0;
    }
    const k = this.tx.push(data);
    if (k < data.length) this.owedWritable = true;
    this.scheduleTx();
    return k;
  }
  txPending(): number {
    this.settleTx(this.port.now());
    return this.tx.length;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rxTimer.stop();
    this.pending.length = 0;
    this.rx.clear();
    this.owedWritable = false;
    const wire = this.rxWire;
    if (wire && wire.line === this) wire.line = null;
    this.rxWire = null;
    this.release();
    if (wire) tellPeer(() => wire.peer.lineClosed(), `UART(${this.o.id})'s peer, as the UART closed`);
    // What the transmitter holds still goes out (txEvent runs on until it is empty).
  }

  // ---- receiving --------------------------------------------------------------

  /** @internal A burst on the wire into this line's rx pin. */
  incoming(burst: Burst): void {
    if (this.closed) return;
    this.pending.push({ burst, next: 0, clean: formatsMatch(burst.format, this.format) });
    this.scheduleRx();
  }
  /** @internal deliverNow() */
  inject(bytes: Uint8Array): void {
    if (this.closed) return;
    const k = this.store(bytes);
    if (k > 0) this.h.onReadable();
  }
  /** @internal the peer was disconnected */
  detach(wire: Wire): void {
    if (this.rxWire === wire) {
      this.rxWire = null;
      this.pending.length = 0;
    }
    if (this.txWire === wire) this.txWire = null;
  }

  private store(bytes: Uint8Array): number {
    const k = this.rx.push(bytes);
    const stats = this.port.stats(this.o.id);
    stats.received += k;
    stats.overruns += bytes.length - k;
    return k;
  }
  /** Moves every byte that has ended by `now` into the receive buffer. */
  private advance(now: number): void {
    const pending = this.pending;
    while (pending.length) {
      const p = pending[0];
      const { bytes, start, format } = p.burst;
      while (p.next < bytes.length) {
        const end = byteEnd(start, p.next, format);
        if (end > now) return;
        if (byteBegin(start, p.next, format) >= this.openedAt) {
          const b = p.clean ? bytes[p.next] : garble(bytes[p.next]);
          if (this.store(new Uint8Array([b])) === 1) this.unnotified++;
          this.lastEnd = end;
        }
        p.next++;
      }
      pending.shift();
    }
  }
  private rxEvent(): void {
    if (this.closed) return;
    const now = this.port.now();
    this.advance(now);
    const timeout = this.port.rxTimeoutFrames * byteMs(this.format);
    let notify = false;
    if (this.unnotified >= this.port.rxThreshold || (this.unnotified > 0 && now >= this.lastEnd + timeout)) {
      this.unnotified = 0;
      notify = this.rx.length > 0;
    }
    this.scheduleRx();
    if (notify) this.h.onReadable();
  }
  /** Arms the receiver's timer for its next event: the threshold reached, or the line idle. */
  private scheduleRx(): void {
    if (this.closed) return;
    const timeout = this.port.rxTimeoutFrames * byteMs(this.format);
    let need = this.port.rxThreshold - this.unnotified;
    let thresholdAt = Infinity;
    // The end of the run of bytes that follows the last one received, for the idle timeout.
    let runEnd = this.unnotified > 0 ? this.lastEnd : -Infinity;
    let idleAt = Infinity;
    for (const p of this.pending) {
      const { bytes, start, format } = p.burst;
      // The first byte this line will see: not before it opened.
      let first = p.next;
      while (first < bytes.length && byteBegin(start, first, format) < this.openedAt) first++;
      if (first >= bytes.length) continue;
      const count = bytes.length - first;
      if (thresholdAt === Infinity && need <= count) thresholdAt = byteEnd(start, first + need - 1, format);
      else need -= count;
      if (idleAt === Infinity) {
        const firstEnd = byteEnd(start, first, format);
        if (runEnd !== -Infinity && firstEnd > runEnd + timeout) idleAt = runEnd + timeout;
        else if (byteMs(format) > timeout) idleAt = firstEnd + timeout; // so slow a sender that the line idles after each byte
        else runEnd = byteEnd(start, bytes.length - 1, format);
      }
      if (thresholdAt !== Infinity && idleAt !== Infinity) break;
    }
    if (idleAt === Infinity && runEnd !== -Infinity) idleAt = runEnd + timeout;
    const next = Math.min(thresholdAt, idleAt);
    if (next === Infinity) this.rxTimer.stop();
    else if (!this.rxTimer.running() || this.rxTimer.when() !== next) this.rxTimer.at(next);
  }

  // ---- transmitting -----------------------------------------------------------

  /** Hands the peer every byte that has finished by `now`. */
  private settleTx(now: number): void {
    const f = this.format;
    let k = 0;
    while (k < this.tx.length && byteEnd(this.runStart, this.runSent + k, f) <= now) k++;
    if (k === 0) return;
    const times: number[] = [];
    for (let i = 0; i < k; i++) times.push(byteEnd(this.runStart, this.runSent + i, f));
    const bytes = this.tx.take(k);
    this.runSent += k;
    this.port.stats(this.o.id).sent += k;
    const wire = this.txWire;
    if (wire) {
      const clean = formatsMatch(f, wire.peer.format);
      wire.peer.receive(clean ? bytes : bytes.map(garble), times);
    }
  }
  private scheduleTx(): void {
    const left = this.tx.length;
    if (left === 0) {
      this.txTimer.stop();
      return;
    }
    const low = this.port.txLowWater;
    // When only `low` bytes are left (room reported), else when all has gone (the peer gets the rest).
    const index = this.owedWritable && !this.closed && left > low ? left - low - 1 : left - 1;
    this.txTimer.at(byteEnd(this.runStart, this.runSent + index, this.format));
  }
  private txEvent(): void {
    this.settleTx(this.port.now());
    let notify = false;
    if (this.owedWritable && !this.closed && this.tx.length <= this.port.txLowWater) {
      this.owedWritable = false;
      notify = true;
    }
    this.scheduleTx();
    if (notify) this.h.onWritable();
  }
}

/**
 * A peer's model failing (a board script's gps.fix that throws) is the
 * board's fault, not the app's: reported, and the UART opens or closes all
 * the same (else it would stay open with no object left to close it).
 */
function tellPeer(fn: () => void, what: string): void {
  try {
    fn();
  } catch (e) {
    getEventLoop().callExceptionHandler({ message: `Exception in the simulated ${what}`, exception: e, future: null });
  }
}
