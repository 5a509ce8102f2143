import { RuntimeError } from "./errors";
import { describe } from "./format";
import { checkItem } from "./queue";
import { RINGBUF_MAX_CAPACITY, RingbufQueue } from "./ringbufqueue";
import { QueueEmpty, QueueFull } from "./syncerrors";
import { checkCount } from "./validate";

/**
 * Peter Hinch's ThreadSafeQueue (micropython-async v3/threadsafe,
 * THREADING.md §2.2): a fixed-capacity queue between asyncio tasks and code
 * outside them (pin interrupts, host callbacks). That code calls putSync()
 * and getSync(), which never wait and are safe outside any task; tasks use
 * `await put()`, `await get()` or `for await (const item of queue)`.
 *
 * It is a RingbufQueue (same ring, allocated once; same waiting and
 * cancellation: a cancelled get() takes nothing and a handed item is never
 * lost) with Hinch's overflow rule for putSync(): when the queue is full the
 * NEW item is refused (QueueFull, Hinch's IndexError) and the queued ones
 * kept, where RingbufQueue.putNowait() drops the oldest. `capacity` is the
 * number of items held (Hinch's buffer of N holds N-1).
 *
 * Hinch's `block=True` busy-waits for another thread or core to make room;
 * JavaScript has one thread, so that wait could never end: putSync(item, true)
 * and getSync(true) throw RuntimeError. Check full()/empty() first, or use
 * the awaitable put()/get(). No Python-style buffer argument: the ring is
 * always an array of `capacity` slots.
 * @throws RangeError/TypeError for a capacity that is not an integer from 1 to RINGBUF_MAX_CAPACITY.
 */
export class ThreadSafeQueue<T = unknown> extends RingbufQueue<T> {
  constructor(capacity: number) {
    super(checkCount("ThreadSafeQueue", "capacity", capacity, 1, RINGBUF_MAX_CAPACITY));
  }

  /**
   * Adds item now, from anywhere (a task, an interrupt, a host callback);
   * a task waiting in get() receives it at the loop's next turn.
   * @throws QueueFull when the queue is full (the item is not stored; Hinch's IndexError);
   * TypeError for a thenable item; RuntimeError for block = true.
   */
  putSync(item: T, block = false): void {
    checkBlock("putSync", block);
    checkItem("ThreadSafeQueue.putSync()", item);
    if (this.full()) throw new QueueFull(`ThreadSafeQueue.putSync(): the queue is full (capacity ${this.capacity}); the item was not stored`);
    this.putNowait(item);
  }
  /**
   * Removes and returns the oldest item now, from anywhere; a task waiting in
   * put() gets the room.
   * @throws QueueEmpty when the queue is empty (Hinch's IndexError); RuntimeError for block = true.
   */
  getSync(block = false): T {
    checkBlock("getSync", block);
    if (this.empty()) throw new QueueEmpty("ThreadSafeQueue.getSync(): the queue is empty");
    return this.getNowait();
  }
  /** Adds item, waiting while the queue is full (for producers that are tasks). @throws TypeError (as a rejection) for a thenable item. */
  override put(item: T): Promise<void> {
    try {
      checkItem("ThreadSafeQueue.put()", item);
    } catch (e) {
      return Promise.reject(e);
    }
    return super.put(item);
  }
}

function checkBlock(method: string, block: unknown): void {
  if (block === false) return;
  if (block === true) throw new RuntimeError(`ThreadSafeQueue.${method}(): cannot block: JavaScript has one thread, so nothing could change the queue while it waited; check full()/empty() first, or await put()/get() in a task`);
  throw new TypeError(`ThreadSafeQueue.${method}(): expected block as a boolean, got ${describe(block)}`);
}
