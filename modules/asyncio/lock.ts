import { RuntimeError } from "./errors";
import { getEventLoop, settledNow } from "./loop";
import { checkFunction } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * The scoped form of anything with acquire()/release() (Lock, Semaphore):
 * acquires, runs fn, releases even when fn throws or is cancelled.
 */
export async function holding<R>(held: { acquire(): Promise<unknown>; release(): void }, what: string, fn: () => R | PromiseLike<R>): Promise<R> {
  checkFunction(what, "fn", fn);
  await held.acquire();
  try {
    return await fn();
  } finally {
    held.release();
  }
}

const UNLOCKED = 0;
const LOCKED = 1;

/** A mutex for tasks; waiters get it in FIFO order. */
export class Lock implements WaitHome {
  // UNLOCKED, LOCKED, or the waiter the lock was handed to (unlocked until it resumes).
  private state: number | Waiter<boolean> = UNLOCKED;
  private waiting: Waiter<boolean>[] = [];

  locked(): boolean {
    return this.state === LOCKED;
  }
  acquire(): Promise<true> {
    if (this.state === UNLOCKED) {
      this.state = LOCKED;
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
    if (this.state !== LOCKED) throw new RuntimeError("Lock.release(): the lock is not acquired");
    const next = this.waiting.shift();
    if (next) {
      this.state = next;
      next.loop.wake(next, true);
    } else this.state = UNLOCKED;
  }
  /** Acquires, runs fn, releases (also when fn throws or is cancelled); returns fn's result. */
  with<R>(fn: () => R | PromiseLike<R>): Promise<R> {
    return holding(this, "Lock.with()", fn);
  }

  resumed(w: Waiter<any>): void {
    if (this.state === w) this.state = LOCKED;
  }
  unpark(w: Waiter<any>): boolean {
    if (this.state === w) {
      // Cancelled after the lock was handed over: pass it on.
      this.state = LOCKED;
      this.release();
    } else {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    return true;
  }
}
