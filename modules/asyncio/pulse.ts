import { getEventLoop } from "./loop";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * "The next time it happens": wait() parks until the next fire(); there is
 * no state to clear (unlike an Event). Cancellable like every asyncio
 * awaitable; fail() rejects every waiter (the object was closed). Shared by
 * the buttons, Encoder.changed() and Keyboard. @internal
 */
export class Pulse<T = void> implements WaitHome {
  private waiting: Waiter<T>[] = [];

  wait(): Promise<T> {
    const loop = getEventLoop();
    // The same task waiting again (a Promise.race polling loop) shares its parked waiter: losers never pile up.
    const again = loop.current?.pendingOn(this);
    if (again) return again as Promise<T>;
    const w = loop.waiter<T>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w;
  }
  fire(value: T): void {
    const waiting = this.waiting;
    if (!waiting.length) return;
    this.waiting = [];
    for (const w of waiting) {
      w.home = null;
      w.loop.wake(w, value);
    }
  }
  fail(error: () => Error): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      w.home = null;
      w.loop.wake(w, error(), true);
    }
  }
  unpark(w: Waiter<any>): boolean {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    return true;
  }
}
