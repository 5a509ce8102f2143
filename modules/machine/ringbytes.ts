/**
 * A fixed-size byte FIFO (a UART's receive or transmit buffer): allocated
 * once, never grows. Used by the serial ports (ECMA-419 and simulated).
 */
export class RingBytes {
  private readonly buf: Uint8Array;
  private head = 0;
  length = 0;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  free(): number {
    return this.capacity - this.length;
  }
  /** Appends as much of data as fits; returns how many bytes it took. */
  push(data: Uint8Array): number {
    const k = Math.min(data.length, this.capacity - this.length);
    const cap = this.capacity;
    let at = (this.head + this.length) % cap;
    for (let i = 0; i < k; i++) {
      this.buf[at] = data[i];
      if (++at === cap) at = 0;
    }
    this.length += k;
    return k;
  }
  /** Appends one byte if there is room. */
  pushByte(b: number): boolean {
    if (this.length === this.capacity) return false;
    this.buf[(this.head + this.length) % this.capacity] = b;
    this.length++;
    return true;
  }
  /** Removes and returns up to n bytes. */
  take(n: number): Uint8Array {
    const k = count(n, this.length);
    const out = new Uint8Array(k);
    const cap = this.capacity;
    let at = this.head;
    for (let i = 0; i < k; i++) {
      out[i] = this.buf[at];
      if (++at === cap) at = 0;
    }
    this.head = at;
    this.length -= k;
    if (this.length === 0) this.head = 0;
    return out;
  }
  /** Removes up to n bytes without copying them. */
  skip(n: number): void {
    const k = count(n, this.length);
    this.head = (this.head + k) % this.capacity;
    this.length -= k;
    if (this.length === 0) this.head = 0;
  }
  indexOf(byte: number): number {
    const cap = this.capacity;
    let at = this.head;
    for (let i = 0; i < this.length; i++) {
      if (this.buf[at] === byte) return i;
      if (++at === cap) at = 0;
    }
    return -1;
  }
  clear(): void {
    this.head = 0;
    this.length = 0;
  }
}

/** n as a whole count of at most `length` (NaN, negative: 0): a bad count must not corrupt the ring. */
function count(n: number, length: number): number {
  return n > 0 ? Math.min(Math.floor(n), length) : 0;
}
