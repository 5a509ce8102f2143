import { RuntimeError } from "./errors";
import { getEventLoop, settledNow } from "./loop";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * A self-clearing flag with a single waiter, safe to set() from host
 * callbacks (pin interrupts, sockets) outside any task.
 */
export class ThreadSafeFlag implements WaitHome {
  private state = false;
  private waiter: Waiter<void> | null = null;

  set(): void {
    this.state = true;
    const w = this.waiter;
    if (w && w.state === PARKED) w.loop.wakeSoon(w, undefined);
  }
  clear(): void {
    this.state = false;
  }
  /** Resolves once the flag is set, clearing it. */
  wait(): Promise<void> {
    const waiting = this.waiter;
    if (waiting) {
      // The same task waiting again (a Promise.race loop) shares its parked waiter.
      if (waiting.state === PARKED && waiting.owner !== null && waiting.owner === getEventLoop().current) return waiting;
      throw new RuntimeError("ThreadSafeFlag.wait(): another task is already waiting on this flag");
    }
    if (this.state) {
      this.state = false;
      return settledNow(undefined);
    }
    const w = getEventLoop().waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiter = w;
    }
    return w;
  }
  resumed(w: Waiter<any>): void {
    if (this.waiter === w) this.waiter = null;
    this.state = false;
  }
  unpark(w: Waiter<any>): boolean {
    if (this.waiter === w) this.waiter = null;
    return true;
  }
}
