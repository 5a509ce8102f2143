import { getEventLoop, settledNow } from "./loop";
import { holding } from "./lock";
import { checkCount } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython's asyncio.Semaphore: a counter of permits; acquire() takes one,
 * waiting while there are none; release() gives one back. Waiters get
 * permits in FIFO order: release() hands the permit straight to the first
 * waiter, so a task arriving later cannot barge in. A waiter cancelled after
 * being handed a permit (before it resumed) passes the permit on: a
 * cancelled acquire() never leaks a permit.
 */
export class Semaphore implements WaitHome {
  protected value: number;
  /** Permits handed to woken waiters that have not resumed yet: held, though not yet by running code. */
  protected handed = 0;
  private readonly waiting: Waiter<boolean>[] = [];

  constructor(value = 1) {
    this.value = checkCount(new.target.name, "value", value, 0);
  }

  /** True when acquire() would wait. */
  locked(): boolean {
    return this.value === 0;
  }
  acquire(): Promise<true> {
    if (this.value > 0) {
      this.value--;
      return settledNow(true);
    }
    const w = getEventLoop().waiter<boolean>();
    if (w.state === PARKED) {
      w.home = this;
      this.waiting.push(w);
    }
    return w as Promise<true>;
  }
  release(): void {
    const next = this.waiting.shift();
    // The permit goes to the first waiter; it keeps `home` so a cancel before it resumes passes the permit on.
    if (next) {
      this.handed++;
      next.loop.wake(next, true);
    } else this.value++;
  }
  /** Acquires, runs fn, releases (also when fn throws or is cancelled); returns fn's result. */
  with<R>(fn: () => R | PromiseLike<R>): Promise<R> {
    return holding(this, `${this.constructor.name}.with()`, fn);
  }

  /** WaitHome: a waiter was cancelled. */
  unpark(w: Waiter<any>): boolean {
    if (w.state === PARKED) {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    } else {
      // Handed a permit, cancelled before resuming: pass it on.
      this.handed--;
      Semaphore.prototype.release.call(this);
    }
    return true;
  }
  /** WaitHome: a waiter handed a permit resumes holding it. */
  resumed(): void {
    this.handed--;
  }
}
