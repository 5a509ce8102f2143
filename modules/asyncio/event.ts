import { getEventLoop, settledNow } from "./loop";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/** A flag tasks can wait for; set() wakes every waiter. */
export class Event implements WaitHome {
  private state = false;
  private waiting: Waiter<boolean>[] = [];

  isSet(): boolean {
    return this.state;
  }
  set(): void {
    const waiting = this.waiting;
    if (waiting.length !== 0) {
      // wake() runs no user code: the list cannot change meanwhile.
      for (let i = 0; i < waiting.length; i++) {
        const w = waiting[i];
        w.home = null;
        w.loop.wake(w, true);
      }
      waiting.length = 0;
    }
    this.state = true;
  }
  clear(): void {
    this.state = false;
  }
  /** Resolves to true once the event is set (at once if it is set now). */
  wait(): Promise<true> {
    if (this.state) return settledNow(true);
    const loop = getEventLoop();
    // The same task waiting again (a Promise.race loop) shares its parked waiter.
    const current = loop.current;
    if (current !== null && current.waiting !== null) {
      const again = current.pendingOn(this);
      if (again) return again as Promise<true>;
    }
    const w = loop.waiter<boolean>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w as Promise<true>;
  }
  unpark(w: Waiter<any>): boolean {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    return true;
  }
}
