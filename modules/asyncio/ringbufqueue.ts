import { getEventLoop, settledNow } from "./loop";
import { QueueEmpty, QueueFull } from "./syncerrors";
import { checkCount } from "./validate";
import { checkItem } from "./queue";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * Peter Hinch's RingbufQueue: a fixed-capacity queue (1 to
 * RINGBUF_MAX_CAPACITY items; RangeError beyond) over an array allocated
 * once, for data fed from interrupts and host callbacks. putNowait() is safe
 * outside any task (it wakes getters the way ThreadSafeFlag.set() does, at the
 * loop's next turn) and allocates nothing.
 *
 * On overflow putNowait() follows Hinch: the new item is stored, the OLDEST
 * item is discarded, and QueueFull is thrown; a caller that wants
 * "keep the newest" behaviour catches and ignores it. (Hinch's buffer of N
 * holds N-1 items; here `capacity` is the number of items held.)
 *
 * An item put while a task waits in get() goes straight to that task. If the
 * task is cancelled before it resumes, the item goes to the next waiting
 * getter, or back to the front of the ring; if the ring has filled up
 * meanwhile, the task keeps the item (get() returns it) and the cancellation
 * arrives at its next await. A handed item is never lost.
 */
/** Largest RingbufQueue capacity: its ring is allocated at once (a slot per item, 16 bytes each on a 32-bit device). */
export const RINGBUF_MAX_CAPACITY = 65536;

export class RingbufQueue<T = unknown> implements WaitHome, AsyncIterable<T> {
  readonly capacity: number;
  private readonly ring: (T | undefined)[];
  private head = 0;
  private count = 0;
  private readonly getters: Waiter<T>[] = [];
  private readonly putters: Waiter<void>[] = [];
  private readonly putHome: WaitHome;

  constructor(capacity: number) {
    this.capacity = checkCount("RingbufQueue", "capacity", capacity, 1, RINGBUF_MAX_CAPACITY);
    this.ring = new Array(this.capacity).fill(undefined);
    this.putHome = {
      unpark: (w) => {
        if (w.state === PARKED) remove(this.putters, w);
        else if (this.count < this.capacity) wakeFirst(this.putters);
        return true;
      },
    };
  }

  qsize(): number {
    return this.count;
  }
  empty(): boolean {
    return this.count === 0;
  }
  full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Adds item; never waits, safe from interrupts. When full, the oldest item
   * is discarded to make room and QueueFull is thrown after the item is stored.
   */
  putNowait(item: T): void {
    checkItem("RingbufQueue.putNowait()", item);
    const w = this.getters.shift();
    if (w) {
      // A task is waiting (so the ring is empty): hand the item over. The
      // ring's room is still there: a putter woken for it passes it on.
      w.loop.wakeSoon(w, item);
      wakeFirst(this.putters);
      return;
    }
    if (this.count === this.capacity) {
      this.ring[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
      throw new QueueFull("RingbufQueue.putNowait(): the queue was full; its oldest item was discarded");
    }
    this.ring[(this.head + this.count) % this.capacity] = item;
    this.count++;
  }
  /** Adds item, waiting while the queue is full (for producers that are tasks). */
  async put(item: T): Promise<void> {
    checkItem("RingbufQueue.put()", item);
    while (this.count === this.capacity) {
      const w = getEventLoop().waiter<void>();
      if (w.state === PARKED) {
        w.home = this.putHome;
        this.putters.push(w);
      }
      await w;
    }
    this.putNowait(item);
  }
  /** Removes and returns the oldest item, waiting while the queue is empty. */
  get(): Promise<T> {
    if (this.count > 0) return settledNow(this.take());
    const w = getEventLoop().waiter<T>();
    if (w.state === PARKED) {
      w.home = this;
      this.getters.push(w);
    }
    return w;
  }
  /** Removes and returns the oldest item now; throws QueueEmpty when there is none. */
  getNowait(): T {
    if (this.count === 0) throw new QueueEmpty("RingbufQueue.getNowait(): the queue is empty");
    return this.take();
  }
  /** The oldest item, left in the queue; throws QueueEmpty when there is none. */
  peek(): T {
    if (this.count === 0) throw new QueueEmpty("RingbufQueue.peek(): the queue is empty");
    return this.ring[this.head] as T;
  }

  /** for await (const item of queue) { … }: get() forever. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.get().then((value) => ({ value, done: false })),
    };
  }

  private take(): T {
    const item = this.ring[this.head] as T;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    wakeFirst(this.putters);
    return item;
  }

  /** WaitHome: a getter was cancelled; if it had been handed an item, pass the item on. */
  unpark(w: Waiter<any>): boolean {
    if (w.state === PARKED) {
      remove(this.getters, w);
      return true;
    }
    const item = w.value as T;
    const next = this.getters.shift();
    if (next) next.loop.wakeSoon(next, item);
    else if (this.count < this.capacity) {
      this.head = (this.head + this.capacity - 1) % this.capacity;
      this.ring[this.head] = item;
      this.count++;
    } else {
      // No room to take it back: the getter keeps it, and its cancel comes at its next await.
      w.owner?.deferCancel();
      return false;
    }
    return true;
  }
}

function remove(line: Waiter<any>[], w: Waiter<any>): void {
  const i = line.indexOf(w);
  if (i >= 0) line.splice(i, 1);
}

function wakeFirst(line: Waiter<void>[]): void {
  const w = line.shift();
  if (w) w.loop.wake(w, undefined);
}
