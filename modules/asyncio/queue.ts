import { Event } from "./event";
import { Fifo } from "./fifo";
import { getEventLoop, noteProgress, settledNow } from "./loop";
import { QueueEmpty, QueueFull } from "./syncerrors";
import { RuntimeError, isInstance } from "./errors";
import { Task } from "./task";
import { checkCount } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * Refuses an item get() could not return as it is: get() returns a promise,
 * and a promise resolved with a thenable (a Task, a Promise, any `{ then }`)
 * adopts it, so the item would come out as its result, or never. Queue a box
 * instead: put({ task }). @internal
 */
export function checkItem(fn: string, item: unknown): void {
  if (item === null || (typeof item !== "object" && typeof item !== "function")) return;
  let thenable: boolean;
  try {
    // instanceof first: looking at a Task's `then` registers an awaiter.
    thenable = isInstance(item, Task) || typeof (item as PromiseLike<unknown>).then === "function";
  } catch {
    thenable = true;
  }
  if (thenable) {
    throw new TypeError(`${fn}: cannot queue a Task, a promise or another thenable (get() would hand over its result, or hang, instead of the item); put a box such as { task } instead`);
  }
}

/**
 * CPython's asyncio.Queue (FIFO): put()/get() wait while the queue is full/
 * empty; putNowait()/getNowait() throw QueueFull/QueueEmpty instead.
 * maxsize 0 means unbounded. Items come out exactly as put; put() and
 * putNowait() refuse a thenable (a Task, a promise) with TypeError: box it.
 *
 * As in CPython, an item stays in the queue until a getter actually runs: a
 * put() wakes the longest-waiting getter, which takes the item when it
 * resumes. If a getNowait() got there first, the woken getter waits again,
 * keeping its place at the head of the line. A get() cancelled while waiting,
 * or after being woken but before it resumed, takes no item and passes its
 * wake-up on; a cancelled put() adds no item and passes its wake-up on.
 */
export class Queue<T = unknown> {
  readonly maxsize: number;
  private readonly items = new Fifo<T>();
  private readonly getters: Waiter<void>[] = [];
  private readonly putters: Waiter<void>[] = [];
  private readonly getHome: WaitHome;
  private readonly putHome: WaitHome;
  private unfinished = 0;
  private finished: Event | null = null;

  constructor(maxsize = 0) {
    this.maxsize = checkCount("Queue", "maxsize", maxsize, 0);
    this.getHome = { unpark: (w) => this.cancelled(w, this.getters, this.items.length > 0) };
    this.putHome = { unpark: (w) => this.cancelled(w, this.putters, !this.full()) };
  }

  qsize(): number {
    return this.items.length;
  }
  empty(): boolean {
    return this.items.length === 0;
  }
  /** True when maxsize items are queued (never for an unbounded queue). */
  full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  /** Adds item, waiting while the queue is full. */
  async put(item: T): Promise<void> {
    checkItem("Queue.put()", item);
    if (!this.full()) noteProgress();
    let again = false;
    while (this.full()) {
      await this.park(this.putters, this.putHome, again);
      again = true;
    }
    this.add(item);
  }
  /** Adds item now; throws QueueFull when the queue is full. */
  putNowait(item: T): void {
    checkItem("Queue.putNowait()", item);
    if (this.full()) throw new QueueFull(`Queue.putNowait(): the queue is full (maxsize ${this.maxsize})`);
    this.add(item);
  }
  /** Removes and returns the oldest item, waiting while the queue is empty. */
  async get(): Promise<T> {
    if (this.items.length > 0) noteProgress();
    let again = false;
    while (this.items.length === 0) {
      await this.park(this.getters, this.getHome, again);
      again = true;
    }
    return this.take();
  }
  /** Removes and returns the oldest item now; throws QueueEmpty when there is none. */
  getNowait(): T {
    if (this.items.length === 0) throw new QueueEmpty("Queue.getNowait(): the queue is empty");
    return this.take();
  }

  /** Marks one item taken by get() as processed (CPython's task_done()). */
  taskDone(): void {
    if (this.unfinished <= 0) throw new RuntimeError("Queue.taskDone(): called more times than there were items");
    if (--this.unfinished === 0) this.finished?.set();
  }
  /** Waits until every item put has been marked with taskDone() (CPython's join()). */
  join(): Promise<true> {
    if (this.unfinished === 0) return settledNow(true as const);
    return (this.finished ??= new Event()).wait();
  }

  // ---- internals -----------------------------------------------------------

  private add(item: T): void {
    this.items.push(item);
    this.unfinished++;
    this.finished?.clear();
    wakeFirst(this.getters);
  }
  private take(): T {
    const item = this.items.shift() as T;
    wakeFirst(this.putters);
    return item;
  }
  /**
   * Parks the running task in a line. A waiter that was woken but lost the
   * race (getNowait()/putNowait() got there first) waits again at the head.
   */
  private park(line: Waiter<void>[], home: WaitHome, again: boolean): Waiter<void> {
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = home;
      if (again) line.unshift(w);
      else line.push(w);
    }
    return w;
  }
  /** A getter or putter was cancelled: leave the line, or pass on the wake-up it had received. */
  private cancelled(w: Waiter<any>, line: Waiter<void>[], canProceed: boolean): boolean {
    if (w.state === PARKED) {
      const i = line.indexOf(w);
      if (i >= 0) line.splice(i, 1);
    } else if (canProceed) wakeFirst(line);
    return true;
  }
}

/** Wakes the first waiter of a line; it keeps `home` so that a cancel before it resumes passes the wake-up on. */
function wakeFirst(line: Waiter<void>[]): void {
  const w = line.shift();
  if (w) w.loop.wake(w, undefined);
}
