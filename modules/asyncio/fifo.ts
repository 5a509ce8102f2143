/** Array-backed FIFO that reuses its storage (no allocation per push once grown). */
export class Fifo<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }
  push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = item;
    this.count++;
  }
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return item;
  }
  /** Removes the first occurrence of item; O(n), for rare paths only. */
  remove(item: T): boolean {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.count; i++) {
      if (this.buf[(this.head + i) & mask] === item) {
        for (let j = i; j < this.count - 1; j++) this.buf[(this.head + j) & mask] = this.buf[(this.head + j + 1) & mask];
        this.buf[(this.head + this.count - 1) & mask] = undefined;
        this.count--;
        return true;
      }
    }
    return false;
  }
  clear(): void {
    this.buf.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
  private grow(): void {
    const old = this.buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
