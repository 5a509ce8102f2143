/**
 * TCP streams, as in MicroPython's asyncio (extmod/asyncio/stream.py):
 * openConnection(), startServer(), Stream (reader and writer are the same
 * object) and Server; and the same Stream over a UART (new Stream(uart),
 * streamOf(uart): see StreamSource). The bytes move through the host's
 * NetPort (netport.ts) or the source's transport; their callbacks only
 * record what happened and wake the parked task with loop.wakeSoon().
 *
 * Limits (per stream):
 * - Input: at most READ_BUFFER_LIMIT (16 KiB) of unread bytes are buffered,
 *   plus at most one transport chunk; beyond that the socket is paused and
 *   TCP flow control holds the peer back until a read makes room. A UART
 *   has no flow control: paused, its bytes wait in its receive buffer
 *   (rxbuf, 256 bytes by default), and once that is full arriving bytes
 *   are lost.
 * - Reads return at most what the caller asked for: read(n), readinto(buf),
 *   readexactly(n), readline(max). read() / read(-1) and readline() without
 *   a bound collect until EOF / newline and so can grow without limit: pass
 *   a bound when the peer is not trusted.
 * - Output: write() queues bytes and hands them to the transport at once
 *   when it takes them. The transport takes up to its own limit (Node's
 *   highWaterMark, 16 KiB; what the ECMA-419 socket reports writable); the
 *   rest waits in the stream until the transport takes more. drain() waits
 *   until everything written was handed to the transport, so writing more
 *   than about 16 KiB makes drain() wait for the peer. write() never blocks
 *   and never drops bytes: write then await drain() to bound memory.
 *
 * Cancellation (cancel(), waitFor, timeout): every awaitable parks a Waiter
 * in the stream or server (their WaitHome); cancelling removes it and raises
 * CancelledError at the await. No read loses input: bounded reads (read(n),
 * readinto, readexactly(n ≤ 16 KiB), readline(max ≤ 16 KiB)) consume nothing
 * until they complete; the others (read(), larger readexactly/readline)
 * collect as they go and, when they end without handing the bytes to their
 * caller (cancelled, timed out, a connection error), put them back at the
 * front of the input, where the next read finds them. A cancelled drain()
 * leaves the queued bytes queued; they are still sent.
 *
 * Connection handlers (startServer's callback) may fail with any value: the
 * failure is reported once through the loop's exception handler and the
 * connection is closed, since a handler that failed will not close it and
 * a device has about ten sockets.
 */
import { isCancelledError, isInstance, named, RuntimeError } from "./errors";
import { safeString } from "./format";
import { getEventLoop, type Loop } from "./loop";
import { getNetPort, OSError, type NetListener, type NetSocket, type SocketHandlers } from "./netport";
import type { Task } from "./task";
import { describe } from "./ticks";
import { PARKED, type Waiter, type WaitHome } from "./waiter";
import { readOptions } from "./validate";

/** Unread input a stream holds before pausing the socket (bytes). */
export const READ_BUFFER_LIMIT = 16384;

/** The peer closed before the bytes asked for arrived (MicroPython raises EOFError). */
export class EOFError extends Error {
  constructor(message = "end of stream") {
    super(message);
  }
}
named(EOFError, "EOFError");

/** readexactly(n) met the end of the stream: `partial` holds what did arrive. */
export class IncompleteReadError extends EOFError {
  readonly partial: Uint8Array;
  readonly expected: number;
  constructor(partial: Uint8Array, expected: number) {
    super(`${partial.length} bytes read on a total of ${expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}
named(IncompleteReadError, "IncompleteReadError");

const EMPTY = new Uint8Array(0);

/** A FIFO of byte chunks. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  /** Puts a chunk back in front of everything queued (a read that did not complete returns what it took). */
  unshift(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.offset) {
      this.chunks[this.head] = this.chunks[this.head].subarray(this.offset);
      this.offset = 0;
    }
    if (this.head > 0) this.chunks[--this.head] = chunk;
    else this.chunks.unshift(chunk);
    this.length += chunk.length;
  }
  /** First chunk still queued (unconsumed part). */
  first(): Uint8Array {
    const c = this.chunks[this.head];
    return this.offset ? c.subarray(this.offset) : c;
  }
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[this.head];
      const left = c.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.offset = 0;
      this.chunks[this.head++] = EMPTY;
    }
    if (this.head > 32 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    if (this.length === 0) {
      this.chunks.length = 0;
      this.head = 0;
    }
  }
  /** Copies the first n bytes (n ≤ length) into out at `at`. */
  peekInto(out: Uint8Array, n: number, at = 0): void {
    let i = this.head;
    let off = this.offset;
    while (n > 0) {
      const c = this.chunks[i++];
      const k = Math.min(n, c.length - off);
      out.set(off === 0 && k === c.length ? c : c.subarray(off, off + k), at);
      at += k;
      n -= k;
      off = 0;
    }
  }
  /** Removes and returns the first n bytes (n ≤ length). */
  take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const c = this.chunks[this.head];
    if (this.offset === 0 && c.length === n) {
      this.skip(n);
      return c;
    }
    const out = new Uint8Array(n);
    this.peekInto(out, n);
    this.skip(n);
    return out;
  }
  /** Index of `byte` within [from, to), or -1. */
  indexOf(byte: number, from: number, to: number): number {
    let base = 0;
    let off = this.offset;
    for (let i = this.head; i < this.chunks.length && base < to; i++) {
      const c = this.chunks[i];
      const len = c.length - off;
      if (base + len > from) {
        const start = Math.max(from - base, 0) + off;
        const end = Math.min(to - base, len) + off;
        const j = c.indexOf(byte, start);
        if (j >= 0 && j < end) return base + j - off;
      }
      base += len;
      off = 0;
    }
    return -1;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** UTF-8 bytes of a string (XS has no global TextEncoder). */
export function utf8Encode(s: string): Uint8Array {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c > 0xffff) n += 4; // XS builds whose charCodeAt gives a whole code point (the Moddable simulator)
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  const out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[j++] = c;
    else if (c < 0x800) {
      out[j++] = 0xc0 | (c >> 6);
      out[j++] = 0x80 | (c & 63);
    } else {
      const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair || c > 0xffff) {
        if (pair) c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        out[j++] = 0xf0 | (c >> 18);
        out[j++] = 0x80 | ((c >> 12) & 63);
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // lone surrogate
        out[j++] = 0xe0 | (c >> 12);
      }
      out[j++] = 0x80 | ((c >> 6) & 63);
      out[j++] = 0x80 | (c & 63);
    }
  }
  return out;
}

/**
 * The text of UTF-8 bytes (MicroPython's bytes.decode(); XS has no global
 * TextDecoder). Malformed bytes become U+FFFD, one per maximal invalid
 * subpart, as TextDecoder's default (WHATWG Encoding): a stray
 * continuation byte, a sequence cut short (also at the end), an overlong
 * form, a surrogate (ED A0–BF …) or a code point past U+10FFFF. A leading
 * BOM is kept (as Python's "utf-8"; TextDecoder drops it).
 * options.fatal: throw instead of replacing.
 * @throws TypeError (not a Uint8Array; options not an object, fatal not a
 *   boolean; with fatal, "utf8Decode: byte <i> (0x..) is not valid UTF-8")
 */
export function utf8Decode(bytes: Uint8Array, options?: { fatal?: boolean }): string {
  if (!isBytes(bytes)) throw new TypeError(`utf8Decode: expected a Uint8Array, got ${describe(bytes)}`);
  let fatal: unknown = false;
  if (options !== undefined) {
    fatal = readOptions("utf8Decode", options, ["fatal"], "options { fatal }").fatal ?? false;
    if (typeof fatal !== "boolean") throw new TypeError(`utf8Decode: expected fatal as a boolean, got ${describe(fatal)}`);
  }
  let text = "";
  // Code points in slices, not a string grown a character at a time; fromCodePoint (not surrogate
  // pairs through fromCharCode) makes the string every engine's literal of that text is.
  const units: number[] = [];
  const emit = (u: number): void => {
    if (units.push(u) >= 1024) {
      text += String.fromCodePoint.apply(null, units);
      units.length = 0;
    }
  };
  const bad = (i: number): void => {
    if (fatal) throw new TypeError(`utf8Decode: byte ${i} (0x${bytes[i].toString(16).padStart(2, "0")}) is not valid UTF-8`);
    emit(0xfffd);
  };
  let cp = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b < 0x80) emit(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0; // overlong
        else if (b === 0xed) upper = 0x9f; // surrogates
        needed = 2;
        cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90; // overlong
        else if (b === 0xf4) upper = 0x8f; // past U+10FFFF
        needed = 3;
        cp = b & 7;
      } else bad(i);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one U+FFFD; this byte starts afresh.
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      bad(i);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen < needed) continue;
    emit(cp);
    needed = seen = 0;
  }
  if (needed) bad(bytes.length - 1 - seen);
  return units.length ? text + String.fromCodePoint.apply(null, units) : text;
}

/** v is a Uint8Array: false for a Proxy (even of one: the stream could not copy from it) and for one whose traps throw. */
function isBytes(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && isInstance(v, Uint8Array);
}

function checkCount(fn: string, n: unknown, allowNegative: boolean): number {
  if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`${fn}: expected a number of bytes, got ${describe(n)}`);
  if (n < 0 && allowNegative) return -1;
  if (!(n >= 0) || (n !== Infinity && !Number.isInteger(n))) throw new RangeError(`${fn}: ${n} is not a valid byte count`);
  return n;
}

export function checkPort(fn: string, port: unknown): number {
  if (typeof port !== "number" || Number.isNaN(port)) throw new TypeError(`${fn}: expected a port number, got ${describe(port)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${fn}: port ${port} is outside 0–65535`);
  return port;
}
function checkHost(fn: string, host: unknown): string {
  if (typeof host !== "string" || host.length === 0) throw new TypeError(`${fn}: expected a host name or address, got ${describe(host)}`);
  return host;
}

/**
 * What a Stream can sit on besides a TCP socket (machine.UART): given the
 * stream and its handlers, it returns the transport the stream reads and
 * writes through (a NetSocket: its callbacks are the stream's handlers), or
 * the Stream it already has.
 */
export interface StreamSource {
  openStream(stream: Stream, handlers: SocketHandlers): NetSocket | Stream;
}

/** source.openStream, read once (whatever a getter or a Proxy's trap throws, the TypeError naming the call). */
function openerOf(fn: string, source: unknown): StreamSource["openStream"] {
  let open: unknown;
  if (source !== null && typeof source === "object") {
    try {
      open = (source as StreamSource).openStream;
    } catch {
      // a Proxy's trap, a getter
    }
  }
  if (typeof open !== "function") throw new TypeError(`${fn}: expected a stream source (a machine.UART), got ${describe(source)}`);
  return open as StreamSource["openStream"];
}

/** new Stream(source): a stream over a UART (or any StreamSource), the same as TCP's. */
export function streamOf(source: StreamSource): Stream {
  openerOf("streamOf", source);
  return new Stream(source);
}

/**
 * A TCP connection, or a UART (new Stream(uart)), readable and writable
 * (MicroPython's Stream: the reader and the writer are the same object).
 * One task may read at a time.
 */
export class Stream implements WaitHome {
  /** @internal */ sock: NetSocket | null = null;
  /** @internal */ server: Server | null = null;
  private readonly extra: Record<string, unknown> = {};
  private readonly input = new ByteQueue();
  private readonly output = new ByteQueue();
  private paused = false;
  private connected = false;
  /** The peer sent FIN (or the stream was closed here). */
  private eof = false;
  private error: Error | null = null;
  /** close() was called. */
  private closing = false;
  /** The socket is gone (onClose). */
  private closed = false;
  private sockClosed = false;
  private reader: Waiter<void> | null = null;
  private drainers: Waiter<void>[] = [];
  private closers: Waiter<void>[] = [];

  /** @internal The callbacks the socket calls (from host callbacks). */
  readonly handlers: SocketHandlers = {
    onConnect: () => {
      this.connected = true;
      const peer = this.sock?.peer();
      if (peer) this.extra.peername = peer;
      this.wakeReader();
    },
    onData: (chunk) => {
      if (this.closing) return;
      this.input.push(chunk);
      this.pauseIfFull();
      this.wakeReader();
    },
    onEnd: () => {
      this.eof = true;
      this.wakeReader();
    },
    onWritable: () => this.flush(),
    onError: (e) => {
      if (!this.error) this.error = e;
      this.eof = true;
      this.wakeAll();
    },
    onClose: () => {
      this.closed = true;
      this.eof = true;
      this.sock = null;
      this.server?.forget(this);
      this.wakeAll();
      const closers = this.closers;
      this.closers = [];
      for (const w of closers) this.wakeOne(w);
    },
  };

  /**
   * new Stream(source): a stream over anything that offers itself as a
   * transport (a machine.UART: see StreamSource); a source that has a Stream
   * already returns that one, so MicroPython's StreamReader(uart) and
   * StreamWriter(uart, {}) are one object. TCP streams are made by
   * openConnection() and startServer(). `extra`: getExtraInfo()'s entries.
   * @throws TypeError "Stream: expected a stream source (a machine.UART), got …" (anything else, even an object whose getters or Proxy traps throw), RuntimeError (the source is closed)
   */
  constructor(source?: StreamSource, extra?: Record<string, unknown>) {
    if (extra !== undefined) {
      if (extra === null || typeof extra !== "object") throw new TypeError(`Stream: expected extra info as an object, got ${describe(extra)}`);
      try {
        Object.assign(this.extra, extra);
      } catch {
        throw new TypeError("Stream: reading the extra info threw");
      }
    }
    if (source === undefined) return;
    const t = openerOf("Stream", source).call(source, this, this.handlers);
    if (isInstance(t, Stream)) return t as Stream;
    if (t === null || typeof t !== "object") throw new TypeError(`Stream: ${describe(source)}.openStream() gave ${describe(t)}, not a transport`);
    this.extra.source = safeString(source);
    this.accepted(t as NetSocket);
  }

  /** MicroPython's get_extra_info: "peername" → [address, port]. */
  getExtraInfo(key: string): unknown {
    return this.extra[key];
  }

  // ---- reading -----------------------------------------------------------

  /**
   * Up to n bytes (at least one; an empty array at EOF). n < 0 (default):
   * everything until EOF. Errors: the connection's OSError once nothing is
   * left to read, RuntimeError when another task is reading, TypeError /
   * RangeError for a bad n. Cancelled or timed out, it leaves every byte
   * for the next read.
   */
  async read(n = -1): Promise<Uint8Array> {
    n = checkCount("Stream.read", n, true);
    this.checkReader("read");
    if (n < 0) {
      const parts: Uint8Array[] = [];
      let total = 0;
      try {
        for (;;) {
          const len = this.input.length;
          if (len) {
            parts.push(this.take(len));
            total += len;
          }
          // Taking made room, and a transport that resumes at once may have refilled the input already.
          if (this.input.length) continue;
          if (this.atEnd()) break;
          await this.waitInput("read");
        }
      } catch (e) {
        this.putBack(parts);
        throw e;
      }
      if (total === 0) this.throwError();
      return concat(parts, total);
    }
    if (n === 0) return EMPTY;
    while (this.input.length === 0 && !this.atEnd()) await this.waitInput("read");
    if (this.input.length === 0) {
      this.throwError();
      return EMPTY;
    }
    return this.take(Math.min(n, this.input.length));
  }

  /** Reads up to buf.length bytes into buf; returns how many (0 at EOF). Errors as read(). */
  async readinto(buf: Uint8Array): Promise<number> {
    if (!isBytes(buf)) throw new TypeError(`Stream.readinto: expected a Uint8Array, got ${describe(buf)}`);
    this.checkReader("readinto");
    if (buf.length === 0) return 0;
    while (this.input.length === 0 && !this.atEnd()) await this.waitInput("readinto");
    const k = Math.min(buf.length, this.input.length);
    if (k === 0) {
      this.throwError();
      return 0;
    }
    this.input.peekInto(buf, k);
    this.input.skip(k);
    this.maybeResume();
    return k;
  }

  /**
   * Exactly n bytes; IncompleteReadError (an EOFError, with what arrived) if
   * the stream ends first; otherwise errors as read(). Cancelled, timed out
   * or failed, it leaves every byte for the next read.
   */
  async readexactly(n: number): Promise<Uint8Array> {
    n = checkCount("Stream.readexactly", n, false);
    if (n === Infinity) throw new RangeError("Stream.readexactly: needs a finite count");
    this.checkReader("readexactly");
    if (n <= READ_BUFFER_LIMIT) {
      while (this.input.length < n && !this.atEnd()) await this.waitInput("readexactly");
      if (this.input.length >= n) return this.take(n);
      this.throwError();
      throw new IncompleteReadError(this.take(this.input.length), n);
    }
    const parts: Uint8Array[] = [];
    let got = 0;
    try {
      for (;;) {
        const k = Math.min(n - got, this.input.length);
        if (k) {
          parts.push(this.take(k));
          got += k;
        }
        if (got === n) return concat(parts, n);
        // Taking made room, and a transport that resumes at once may have refilled the input already.
        if (this.input.length) continue;
        if (this.atEnd()) break;
        await this.waitInput("readexactly");
      }
      this.throwError();
    } catch (e) {
      this.putBack(parts);
      throw e;
    }
    throw new IncompleteReadError(concat(parts, got), n);
  }

  /**
   * One line, with its "\n"; at EOF what is left (maybe empty). With `max`,
   * returns after at most max bytes even without a newline (a result of
   * max bytes not ending in "\n" means the line is longer). Errors as
   * read(); cancelled or timed out, it leaves every byte for the next read.
   */
  async readline(max = Infinity): Promise<Uint8Array> {
    max = checkCount("Stream.readline", max, false);
    this.checkReader("readline");
    if (max === 0) return EMPTY;
    if (max <= READ_BUFFER_LIMIT) {
      let scanned = 0;
      for (;;) {
        const len = this.input.length;
        const to = Math.min(len, max);
        const i = this.input.indexOf(10, scanned, to);
        if (i >= 0) return this.take(i + 1);
        if (len >= max) return this.take(max);
        if (this.atEnd()) {
          if (len === 0) this.throwError();
          return this.take(len);
        }
        scanned = to;
        await this.waitInput("readline");
      }
    }
    const parts: Uint8Array[] = [];
    let got = 0;
    try {
      for (;;) {
        const to = Math.min(this.input.length, max - got);
        const i = this.input.indexOf(10, 0, to);
        const k = i >= 0 ? i + 1 : to;
        if (k) {
          parts.push(this.take(k));
          got += k;
        }
        if (i >= 0 || got === max) return concat(parts, got);
        // Taking made room, and a transport that resumes at once may have refilled the input already.
        if (this.input.length) continue;
        if (this.atEnd()) break;
        await this.waitInput("readline");
      }
    } catch (e) {
      this.putBack(parts);
      throw e;
    }
    if (got === 0) this.throwError();
    return concat(parts, got);
  }

  // ---- writing -----------------------------------------------------------

  /** Queues bytes (a string is sent as UTF-8) and hands them to the socket when it takes them; see drain(). */
  write(data: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (typeof data === "string") bytes = utf8Encode(data);
    else if (isBytes(data)) bytes = data;
    else throw new TypeError(`Stream.write: expected a Uint8Array or a string, got ${describe(data)}`);
    if (this.error) throw this.error;
    const sock = this.sock;
    if (this.closing || !sock) throw new OSError("Stream.write: the stream is closed", "EBADF");
    if (bytes.length === 0) return;
    if (this.output.length === 0 && this.connected) {
      const k = sock.write(bytes);
      if (k >= bytes.length) return;
      bytes = bytes.subarray(k);
    }
    // Keep a copy: the caller may reuse its buffer.
    this.output.push(bytes.slice());
  }

  /** Waits until every byte written so far was handed to the socket (always yields). */
  async drain(): Promise<void> {
    if (this.output.length === 0) {
      await getEventLoop().sleep(0);
      if (this.error && this.output.length) throw this.error;
      return;
    }
    while (this.output.length) {
      if (this.error) throw this.error;
      if (this.closed) throw new OSError("Stream.drain: the stream closed with bytes unsent", "EBADF");
      const w = getEventLoop().waiter<void>();
      if (w.state === PARKED) {
        w.home = this;
        this.drainers.push(w);
      }
      await w;
    }
  }

  /** Closes the stream: queued bytes are still sent, then the connection is closed. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.eof = true;
    if (this.paused) this.paused = false;
    this.wakeReader();
    if (this.output.length === 0 || this.error) this.closeSocket();
  }

  /** Closes (if not yet) and waits until the connection is closed. */
  async waitClosed(): Promise<void> {
    this.close();
    if (this.closed) {
      await getEventLoop().sleep(0);
      return;
    }
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.closers.push(w);
    }
    await w;
  }

  /**
   * @internal Closes for a handler that failed or was cancelled: what it
   * wrote still goes out if the socket takes it now; if the peer is not
   * taking bytes, the connection is dropped rather than held open for it.
   */
  closeAfterFailure(): void {
    this.close();
    if (this.output.length) this.abort();
  }

  /** Drops the connection at once (unsent bytes are lost; the peer may see a reset). */
  abort(): void {
    this.closing = true;
    this.eof = true;
    const sock = this.sock;
    if (sock && !this.sockClosed) {
      this.sockClosed = true;
      sock.abort();
    }
    this.wakeReader();
  }

  // ---- WaitHome --------------------------------------------------------------

  /** @internal The owner task of a parked waiter was cancelled. */
  unpark(w: Waiter<any>): boolean {
    if (this.reader === w) this.reader = null;
    else {
      let i = this.drainers.indexOf(w);
      if (i >= 0) this.drainers.splice(i, 1);
      else if ((i = this.closers.indexOf(w)) >= 0) this.closers.splice(i, 1);
    }
    return true;
  }

  // ---- internals -------------------------------------------------------------

  /** @internal Starts an outgoing connection. */
  connect(host: string, port: number): void {
    this.sock = getNetPort().connect(host, port, this.handlers);
  }
  /** @internal An accepted socket. */
  accepted(sock: NetSocket): void {
    this.sock = sock;
    this.connected = true;
    const peer = sock.peer();
    if (peer) this.extra.peername = peer;
  }
  /** @internal Waits for onConnect (or the error). */
  async waitConnected(): Promise<void> {
    while (!this.connected && !this.error && !this.closed) await this.waitInput("openConnection");
    this.throwError();
    if (!this.connected) throw new OSError("openConnection: the connection closed before it was established", "ECONNABORTED");
    this.flush();
  }

  toString(): string {
    const p = this.extra.peername as [string, number] | undefined;
    return `<Stream ${p ? `${p[0]}:${p[1]}` : (this.extra.source ?? "")}${this.closed ? " closed" : ""}>`;
  }

  private atEnd(): boolean {
    return this.eof || this.error !== null;
  }
  private throwError(): void {
    if (this.error) throw this.error;
  }
  private take(n: number): Uint8Array {
    const r = this.input.take(n);
    this.maybeResume();
    return r;
  }
  /**
   * A read that collected bytes and ends without handing them to its caller
   * returns them to the front of the input: what an awaitable consumed is
   * never lost.
   */
  private putBack(parts: Uint8Array[]): void {
    for (let i = parts.length - 1; i >= 0; i--) this.input.unshift(parts[i]);
    this.pauseIfFull();
  }
  private pauseIfFull(): void {
    if (!this.paused && this.input.length >= READ_BUFFER_LIMIT && this.sock) {
      this.paused = true;
      this.sock.pause();
    }
  }
  /** One reader at a time, checked before anything is taken: a second reader would take bytes the parked one has counted on. */
  private checkReader(fn: string): void {
    if (this.reader) throw new RuntimeError(`Stream.${fn}: another task is already reading this stream`);
  }
  private maybeResume(): void {
    if (this.paused && this.input.length < READ_BUFFER_LIMIT) {
      this.paused = false;
      this.sock?.resume();
    }
  }
  private waitInput(fn: string): Promise<void> {
    if (this.reader) throw new RuntimeError(`Stream.${fn}: another task is already reading this stream`);
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.reader = w;
    }
    return w;
  }
  private wakeOne(w: Waiter<void>): void {
    if (w.state !== PARKED) return;
    w.home = null;
    w.loop.wakeSoon(w, undefined);
  }
  private wakeReader(): void {
    const w = this.reader;
    if (w) {
      this.reader = null;
      this.wakeOne(w);
    }
  }
  private wakeDrainers(): void {
    const ds = this.drainers;
    if (ds.length) {
      this.drainers = [];
      for (const w of ds) this.wakeOne(w);
    }
  }
  private wakeAll(): void {
    this.wakeReader();
    this.wakeDrainers();
  }
  /** Hands queued output to the socket while it takes it. */
  private flush(): void {
    const sock = this.sock;
    if (!sock || !this.connected || this.error) return;
    const out = this.output;
    while (out.length) {
      const chunk = out.first();
      const k = sock.write(chunk);
      if (k > 0) out.skip(Math.min(k, chunk.length));
      if (k < chunk.length) break;
    }
    if (out.length === 0) {
      this.wakeDrainers();
      if (this.closing) this.closeSocket();
    }
  }
  private closeSocket(): void {
    const sock = this.sock;
    if (!sock || this.sockClosed) return;
    this.sockClosed = true;
    if (this.error) sock.abort();
    else sock.close();
  }
}

function peerName(s: Stream): string {
  const p = s.getExtraInfo("peername") as [string, number] | undefined;
  return p ? `${p[0]}:${p[1]}` : "an unknown peer";
}

// ---- client -----------------------------------------------------------------

/**
 * Opens a TCP connection; resolves with [reader, writer] (the same Stream).
 * Errors: OSError (code ECONNREFUSED, ENOTFOUND, …), RangeError for a port
 * outside 0–65535, NoNetPortError when the host has no network port.
 */
export async function openConnection(host: string, port: number): Promise<[Stream, Stream]> {
  checkHost("openConnection", host);
  checkPort("openConnection", port);
  const s = new Stream();
  s.connect(host, port);
  try {
    await s.waitConnected();
  } catch (e) {
    s.abort();
    throw e;
  }
  return [s, s];
}

// ---- server -----------------------------------------------------------------

export type ConnectionCallback = (reader: Stream, writer: Stream) => unknown;

/**
 * A listening TCP server (MicroPython's Server). close() stops accepting;
 * connections already accepted carry on until their handlers close them.
 */
export class Server implements WaitHome {
  private listener: NetListener | null = null;
  private closedFlag = false;
  private listening = false;
  private error: Error | null = null;
  private waiters: Waiter<void>[] = [];
  private readonly streams = new Set<Stream>();
  private readonly tasks = new Set<Task<unknown>>();
  /** The port the server listens on (the one chosen by the system when started with 0). */
  port = 0;

  /** @internal use startServer() */
  constructor(private readonly loop: Loop, private readonly callback: ConnectionCallback) {}

  /** Stops listening. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const l = this.listener;
    this.listener = null;
    l?.close();
    this.wakeWaiters();
  }

  /** Waits until close() was called (by anyone). */
  async waitClosed(): Promise<void> {
    if (this.closedFlag) {
      await getEventLoop().sleep(0);
      return;
    }
    await this.park();
  }

  /** Accepted connections not closed yet. */
  connectionCount(): number {
    return this.streams.size;
  }
  /** Handler tasks still running. */
  handlerCount(): number {
    return this.tasks.size;
  }
  isServing(): boolean {
    return this.listening && !this.closedFlag;
  }

  /** @internal */
  unpark(w: Waiter<any>): boolean {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    return true;
  }
  /** @internal */
  forget(s: Stream): void {
    this.streams.delete(s);
  }

  /** @internal */
  async start(host: string, port: number, backlog: number): Promise<void> {
    this.listener = getNetPort().listen(host, port, backlog, {
      onListening: (bound) => {
        this.port = bound;
        this.listening = true;
        this.wakeWaiters();
      },
      onError: (e) => {
        if (!this.error) this.error = e;
        this.close();
      },
      onConnection: (attach) => this.accept(attach),
    });
    if (this.closedFlag) {
      // onError came synchronously, from inside listen().
      this.listener.close();
      this.listener = null;
    }
    try {
      while (!this.listening && !this.error && !this.closedFlag) await this.park();
    } catch (e) {
      this.close();
      throw e;
    }
    if (this.error && !this.listening) throw this.error;
  }

  // Called from the port's host callback: nothing may escape it (on XS that aborts the VM).
  private accept(attach: (handlers: SocketHandlers) => NetSocket): void {
    const stream = new Stream();
    try {
      stream.accepted(attach(stream.handlers));
    } catch (e) {
      // The port could not make the socket (out of sockets or memory): this client is lost, the server goes on.
      this.loop.callExceptionHandler({ message: `${this}: accepting a connection failed`, exception: e, future: null });
      return;
    }
    if (this.closedFlag) {
      stream.abort();
      return;
    }
    stream.server = this;
    this.streams.add(stream);
    let task: Task<void> | null = null;
    const serveConnection = (): Promise<void> => this.serve(stream, task);
    try {
      task = this.loop.createTask(serveConnection);
    } catch (e) {
      // The loop is closed: nobody will serve this client.
      stream.abort();
      this.loop.callExceptionHandler({ message: `${this}: no task for the connection from ${peerName(stream)}`, exception: e, future: null });
      return;
    }
    this.tasks.add(task);
    task.onDone(this.taskDone);
  }
  private readonly taskDone = (t: Task<any>): void => {
    this.tasks.delete(t);
  };

  /**
   * Runs the callback for one connection. Its failure (any value) is
   * reported here, once, and the connection closed: the handler that
   * failed will not close it, and its task ends normally so the loop does
   * not report it again. A cancelled handler also gets its connection
   * closed (as CPython does) and ends cancelled.
   */
  private async serve(stream: Stream, task: Task<void> | null): Promise<void> {
    try {
      // `await` also turns a callback that throws synchronously, or returns
      // an object whose `then` throws, into a failure caught here.
      await this.callback(stream, stream);
      return;
    } catch (e) {
      stream.closeAfterFailure();
      if (isCancelledError(e)) throw e;
      this.loop.callExceptionHandler({ message: `${this}: the connection handler for ${peerName(stream)} failed`, exception: e, future: task });
    }
  }

  toString(): string {
    return `<Server port ${this.port}${this.closedFlag ? " closed" : ""}>`;
  }

  private park(): Promise<void> {
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiters.push(w);
    }
    return w;
  }
  private wakeWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      if (w.state !== PARKED) continue;
      w.home = null;
      w.loop.wakeSoon(w, undefined);
    }
  }
}

/**
 * Starts a TCP server on host:port; callback(reader, writer) runs as a new
 * task for each connection (it may be async) and owns the stream: returning
 * leaves it open (close it, or hand it on). When the callback throws or
 * rejects (with any value) the failure goes to the loop's exception handler,
 * once, naming the server and the peer, and the connection is closed; a
 * cancelled callback also has its connection closed. The server keeps
 * serving either way. backlog: connections the system queues before they
 * are accepted. Errors: OSError (EADDRINUSE, …), RangeError for a port
 * outside 0–65535 or a bad backlog, TypeError for a callback that is not a
 * function, NoNetPortError when the host has no network port.
 */
export async function startServer(callback: ConnectionCallback, host: string, port: number, backlog = 5): Promise<Server> {
  if (typeof callback !== "function") throw new TypeError(`startServer: expected a callback function, got ${describe(callback)}`);
  checkHost("startServer", host);
  checkPort("startServer", port);
  if (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0) throw new RangeError(`startServer: backlog must be a whole number ≥ 0, got ${describe(backlog)}`);
  const server = new Server(getEventLoop(), callback);
  await server.start(host, port, backlog);
  return server;
}
