/** Something that can sleep in the loop's timer heap. */
export interface Timed {
  deadline: number;
  seq: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
}

function before(a: Timed, b: Timed): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/**
 * Binary min-heap on (deadline, seq): equal deadlines leave in the order they
 * went in. Entries know their index, so cancelling a sleeper is O(log n).
 */
export class TimerHeap<T extends Timed> {
  /** The heap's array, earliest first (read-only outside; the loop peeks at [0] on every turn). */
  readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (last !== top) {
      items[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }
  remove(item: T): void {
    const i = item.heapIndex;
    if (!(i >= 0)) return;
    const items = this.items;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }
  private up(i: number): void {
    const items = this.items;
    const item = items[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p];
      if (!before(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }
  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(items[c + 1], items[c])) c++;
      const child = items[c];
      if (!before(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
