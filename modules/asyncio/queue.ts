import { Event } from "./event";
import { Fifo } from "./fifo";
import { getEventLoop, noteProgress, settledNow } from "./loop";
import { QueueEmpty, QueueFull, QueueShutDown } from "./syncerrors";
import { describe } from "./format";
import { RuntimeError, isInstance } from "./errors";
import { isThenable, unreadableThen } from "./future";
import { checkCount } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * True for an item get() could not return as it is: get() returns a promise,
 * and a promise resolved with a thenable (a Task, a Promise, any `{ then }`)
 * adopts it, so the item would come out as its result, or never. @internal
 */
export function isThenableItem(item: unknown): boolean {
  return isThenable(item);
}

/** Refuses a thenable item (see isThenableItem()): queue a box such as { task } instead. @internal */
export function checkItem(fn: string, item: unknown): void {
  if (isThenableItem(item)) throw thenableError(fn, item);
}

function thenableError(fn: string, item: unknown): TypeError {
  return unreadableThen(fn, item) ?? new TypeError(`${fn}: cannot queue a Task, a promise or another thenable (get() would hand over its result, or hang, instead of the item); put a box such as { task } instead`);
}

/**
 * How a queue keeps its items; the order get() takes them in is the only
 * thing that differs between Queue (FIFO), LifoQueue and PriorityQueue
 * (CPython's _init/_put/_get). @internal
 */
export interface QueueStorage<T> {
  readonly length: number;
  push(item: T): void;
  /** Removes and returns the item get() hands out next (only called when length > 0). */
  shift(): T | undefined;
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
 *
 * shutdown(immediate) is CPython 3.13's: see there. LifoQueue and
 * PriorityQueue are this class with another order of taking items.
 */
export class Queue<T = unknown> {
  readonly maxsize: number;
  private readonly items: QueueStorage<T>;
  private readonly getters: Waiter<void>[] = [];
  private readonly putters: Waiter<void>[] = [];
  private readonly getHome: WaitHome;
  private readonly putHome: WaitHome;
  private unfinished = 0;
  private finished: Event | null = null;
  private shut = false;

  constructor(maxsize = 0) {
    this.maxsize = checkCount(this.kind, "maxsize", maxsize, 0);
    this.items = this.storage();
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
  /**
   * Adds item, waiting while the queue is full.
   * @throws QueueShutDown (as a rejection) once shutdown() was called, also to a put() waiting then.
   */
  async put(item: T): Promise<void> {
    this.check("put", item);
    if (!this.full()) noteProgress();
    let again = false;
    while (this.full()) {
      if (this.shut) throw this.shutDown("put");
      await this.park(this.putters, this.putHome, again);
      again = true;
    }
    if (this.shut) throw this.shutDown("put");
    this.add(item);
  }
  /** Adds item now; throws QueueFull when the queue is full, QueueShutDown once shutdown() was called. */
  putNowait(item: T): void {
    this.check("putNowait", item);
    if (this.shut) throw this.shutDown("putNowait");
    if (this.full()) throw new QueueFull(`${this.kind}.putNowait(): the queue is full (maxsize ${this.maxsize})`);
    this.add(item);
  }
  /**
   * Removes and returns the next item (the oldest, for Queue), waiting while the queue is empty.
   * @throws QueueShutDown (as a rejection) when the queue is shut down and empty, also to a get() waiting then.
   */
  async get(): Promise<T> {
    if (this.items.length > 0) noteProgress();
    let again = false;
    while (this.items.length === 0) {
      if (this.shut) throw this.shutDown("get");
      await this.park(this.getters, this.getHome, again);
      again = true;
    }
    return this.take();
  }
  /** Removes and returns the next item now; throws QueueEmpty when there is none (QueueShutDown instead once shut down). */
  getNowait(): T {
    if (this.items.length === 0) {
      if (this.shut) throw this.shutDown("getNowait");
      throw new QueueEmpty(`${this.kind}.getNowait(): the queue is empty`);
    }
    return this.take();
  }

  /** Marks one item taken by get() as processed (CPython's task_done()). */
  taskDone(): void {
    if (this.unfinished <= 0) throw new RuntimeError(`${this.kind}.taskDone(): called more times than there were items`);
    if (--this.unfinished === 0) this.finished?.set();
  }
  /** Waits until every item put has been marked with taskDone() (CPython's join()). */
  join(): Promise<true> {
    if (this.unfinished === 0) return settledNow(true as const);
    return (this.finished ??= new Event()).wait();
  }

  /**
   * CPython 3.13's Queue.shutdown(): from now on put() and putNowait() throw
   * QueueShutDown, and so do get() and getNowait() once the queue is empty;
   * every task waiting in put() or get() wakes to check again (so waiting
   * putters and getters get QueueShutDown). With immediate, the queue is also
   * emptied first, counting each item removed as done (taskDone()), which
   * releases join() when no item taken earlier is still unfinished. Calling it
   * again is harmless; shutdown(true) after shutdown() still empties the queue.
   * Safe from host callbacks.
   * @throws TypeError when immediate is not a boolean.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== "boolean") throw new TypeError(`${this.kind}.shutdown(): expected immediate as a boolean, got ${describe(immediate)}`);
    this.shut = true;
    if (immediate) {
      while (this.items.length > 0) {
        this.items.shift();
        if (this.unfinished > 0) this.unfinished--;
      }
      if (this.unfinished === 0) this.finished?.set();
    }
    // The woken keep their home: one cancelled before it resumes passes nothing on (the lines are empty).
    while (this.getters.length > 0) wakeFirst(this.getters);
    while (this.putters.length > 0) wakeFirst(this.putters);
  }

  // ---- what LifoQueue and PriorityQueue change -------------------------------

  /** The class's name in error messages. */
  protected get kind(): string {
    return "Queue";
  }
  /**
   * A new, empty store; its order is the queue's (here first in, first out).
   * Called once, by Queue's constructor: a subclass's own fields do not exist yet.
   */
  protected storage(): QueueStorage<T> {
    return new Fifo<T>();
  }
  /** Refuses an item before put()/putNowait() waits or stores it (method: "put" or "putNowait"). */
  protected check(method: string, item: T): void {
    if (isThenableItem(item)) throw thenableError(`${this.kind}.${method}()`, item);
  }

  // ---- internals -----------------------------------------------------------

  private shutDown(method: string): QueueShutDown {
    return new QueueShutDown(`${this.kind}.${method}(): the queue is shut down${method.startsWith("get") ? " and empty" : ""}`);
  }
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
