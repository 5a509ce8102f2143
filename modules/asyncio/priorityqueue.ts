import { Queue, type QueueStorage } from "./queue";
import { describe } from "./format";

/** What a PriorityQueue holds: an array whose first element is the priority, `[priority, value]` (or `[priority, …anything]`). */
export type PriorityItem = readonly [priority: number, ...rest: unknown[]];

/**
 * CPython's asyncio.PriorityQueue: a Queue whose get() takes the item with
 * the smallest priority first. Items are arrays `[priority, value]` (any
 * length ≥ 1; get() returns the array as it was put), the priority a number
 * (±Infinity allowed; NaN, strings and other values are refused with
 * TypeError), read once, when the item enters the queue.
 *
 * Equal priorities come out first in, first out. CPython compares whole
 * tuples instead, so there `(1, "b")` comes before `(1, "c")` whatever the
 * order they were put in, and equal priorities with values that do not
 * compare raise TypeError; CPython's documentation suggests
 * `(priority, count, value)` entries for a stable order, which work here too
 * (the count is ignored, the order is already stable).
 *
 * Everything else is Queue's: maxsize, waiting, cancellation (a cancelled
 * get() takes nothing, a cancelled put() adds nothing), taskDone()/join(),
 * and CPython 3.13's shutdown(immediate) with QueueShutDown.
 * @throws TypeError from put()/putNowait() for an item that is not such an array.
 */
export class PriorityQueue<T extends PriorityItem = [number, unknown]> extends Queue<T> {
  protected override get kind(): string {
    return "PriorityQueue";
  }
  protected override storage(): QueueStorage<T> {
    return new PriorityHeap<T>();
  }
  protected override check(method: string, item: T): void {
    let priority: unknown;
    if (Array.isArray(item) && item.length > 0) priority = item[0];
    if (typeof priority !== "number" || Number.isNaN(priority)) {
      const got = Array.isArray(item) ? `a priority of ${describe(priority)}` : describe(item);
      throw new TypeError(`PriorityQueue.${method}(): expected a [priority, value] array with a number as priority, got ${got}`);
    }
    super.check(method, item);
  }
}

/**
 * Binary min-heap on (priority, arrival). The priorities and arrival numbers
 * sit in arrays beside the items, so an item costs no allocation and a later
 * change to item[0] cannot break the heap.
 */
class PriorityHeap<T extends PriorityItem> implements QueueStorage<T> {
  private readonly items: T[] = [];
  private readonly keys: number[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;

  get length(): number {
    return this.items.length;
  }
  push(item: T): void {
    const { items, keys, seqs } = this;
    const key = item[0];
    const seq = this.seq++;
    let i = items.length;
    // The newcomer arrived last: it rises past strictly greater priorities only.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(key < keys[p])) break;
      items[i] = items[p];
      keys[i] = keys[p];
      seqs[i] = seqs[p];
      i = p;
    }
    items[i] = item;
    keys[i] = key;
    seqs[i] = seq;
  }
  shift(): T | undefined {
    const { items, keys, seqs } = this;
    const n = items.length - 1;
    if (n < 0) return undefined;
    const top = items[0];
    const item = items[n];
    const key = keys[n];
    const seq = seqs[n];
    items.length = n;
    keys.length = n;
    seqs.length = n;
    if (n === 0) {
      this.seq = 0;
      return top;
    }
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (keys[c + 1] < keys[c] || (keys[c + 1] === keys[c] && seqs[c + 1] < seqs[c]))) c++;
      if (!(keys[c] < key || (keys[c] === key && seqs[c] < seq))) break;
      items[i] = items[c];
      keys[i] = keys[c];
      seqs[i] = seqs[c];
      i = c;
    }
    items[i] = item;
    keys[i] = key;
    seqs[i] = seq;
    return top;
  }
}
