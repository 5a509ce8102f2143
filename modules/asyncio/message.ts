import { describe } from "./format";
import { isThenable, unreadableThen } from "./future";
import { getEventLoop, settledNow } from "./loop";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * Peter Hinch's Message (micropython-async v3/threadsafe/message.py,
 * THREADING.md §3.2): an Event that carries data. `set(data)` releases every
 * waiting task, each resuming with the data; like ThreadSafeFlag.set() it is
 * safe outside any task (a pin interrupt, a host callback) and makes no task.
 * It stays set until `clear()`: while set, `wait()` returns the data at once,
 * so a task that loops on it clears it (Hinch: "at least one waiting task
 * should issue clear()").
 *
 * There is no queue: a second `set()` before a waiter resumes overwrites
 * the data, and the waiter gets the newest (Hinch's `_data`).
 *
 * `await msg` works as Hinch's does (a Message is a thenable), and so does
 * `for await (const data of msg)`. Being a thenable, a Message must not be
 * the value an async function returns or a promise is resolved with (that
 * waits for it): box it (`{ msg }`).
 *
 * Cancellation: a task cancelled in wait() takes nothing; the Message stays
 * as it was for the other waiters.
 */
export class Message<T = unknown> implements WaitHome, PromiseLike<T>, AsyncIterable<T> {
  private state = false;
  private data: T | undefined = undefined;
  private readonly waiting: Waiter<T>[] = [];

  /**
   * Sets the Message with `data` (default undefined), releasing every waiter
   * at the loop's next turn. Never waits; safe from interrupts and host callbacks.
   * @throws TypeError for a Task, a promise or another thenable as data
   * (the waiters' promises would adopt it): pass a box such as `{ task }`.
   */
  set(data?: T): void {
    if (isThenable(data)) throw unreadableThen("Message.set()", data) ?? new TypeError(`Message.set(): cannot carry ${describe(data)}, a thenable (the waiters would get its result, or hang); pass a box such as { task } instead`);
    this.data = data;
    this.state = true;
    const waiting = this.waiting;
    if (waiting.length !== 0) {
      // Each keeps this Message as its home until it resumes: resumed() hands it the newest data.
      for (let i = 0; i < waiting.length; i++) waiting[i].loop.wakeSoon(waiting[i], undefined);
      waiting.length = 0;
    }
  }
  clear(): void {
    this.state = false;
  }
  isSet(): boolean {
    return this.state;
  }
  /** The data of the last set() (undefined before any). */
  value(): T | undefined {
    return this.data;
  }
  /** Resolves with the data once the Message is set (at once while it is set). */
  wait(): Promise<T> {
    if (this.state) return settledNow(this.data as T);
    const loop = getEventLoop();
    // The same task waiting again (a Promise.race loop) shares its parked waiter.
    const current = loop.current;
    if (current !== null && current.waiting !== null) {
      const again = current.pendingOn(this);
      if (again) return again as Promise<T>;
    }
    const w = loop.waiter<T>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w;
  }
  /** `await msg`: wait(). */
  then<R1 = T, R2 = never>(onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null, onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.wait().then(onFulfilled, onRejected);
  }
  /** `for await (const data of msg) { msg.clear(); … }`: wait() forever. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.wait().then((value) => ({ value, done: false })),
    };
  }

  /** @internal WaitHome */
  resumed(w: Waiter<any>): void {
    w.value = this.data;
  }
  /** @internal WaitHome: a waiter was cancelled; a released one had taken nothing. */
  unpark(w: Waiter<any>): boolean {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    return true;
  }
}
