import { getEventLoop } from "../asyncio/loop";
import { PARKED, type Waiter, type WaitHome } from "../asyncio/waiter";

/**
 * "The next time it happens": wait() parks until the next fire(); there is
 * no state to clear (unlike an Event). Cancellable like every asyncio
 * awaitable. @internal
 */
export class Pulse implements WaitHome {
  private waiting: Waiter<void>[] = [];

  wait(): Promise<void> {
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w;
  }
  fire(): void {
    const waiting = this.waiting;
    if (!waiting.length) return;
    this.waiting = [];
    for (const w of waiting) {
      w.home = null;
      w.loop.wake(w, undefined);
    }
  }
  /** Rejects every waiter (the button was closed). */
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
