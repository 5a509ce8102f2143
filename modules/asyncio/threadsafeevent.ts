import { getEventLoop, settledNow } from "./loop";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * Peter Hinch's ThreadSafeEvent (micropython-async v3/threadsafe/
 * threadsafe_event.py, THREADING.md §3.1): an Event whose set() is safe
 * from a pin interrupt or any host callback outside a task. Unlike
 * ThreadSafeFlag it takes any number of waiters and is not self-clearing:
 * set() releases every waiting task, and it stays set (wait() returns at
 * once) until clear(); the application clears it, as an Event.
 *
 * set() wakes the waiters at the start of the loop's next turn, after
 * whatever the running step queued (as ThreadSafeFlag.set()), and runs no
 * task code itself. Hinch's is_set() turns true only once a waiting task has
 * run; here isSet() is true from set() on (one thread: nothing can race it).
 * A task cancelled in wait() takes nothing: the others are still released.
 */
export class ThreadSafeEvent implements WaitHome {
  private state = false;
  private readonly waiting: Waiter<true>[] = [];

  isSet(): boolean {
    return this.state;
  }
  /** Sets the event and releases every waiter at the next turn. Never waits, never throws. */
  set(): void {
    this.state = true;
    const waiting = this.waiting;
    if (waiting.length !== 0) {
      for (let i = 0; i < waiting.length; i++) {
        const w = waiting[i];
        w.home = null;
        w.loop.wakeSoon(w, true);
      }
      waiting.length = 0;
    }
  }
  clear(): void {
    this.state = false;
  }
  /** Resolves to true once the event is set (at once while it is set). */
  wait(): Promise<true> {
    if (this.state) return settledNow(true);
    const loop = getEventLoop();
    // The same task waiting again (a Promise.race loop) shares its parked waiter.
    const current = loop.current;
    if (current !== null && current.waiting !== null) {
      const again = current.pendingOn(this);
      if (again) return again as Promise<true>;
    }
    const w = loop.waiter<true>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w;
  }
  /** @internal WaitHome: a waiter was cancelled. */
  unpark(w: Waiter<any>): boolean {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    return true;
  }
}
