import { adoptResult } from "./calluser";
import { getEventLoop, settledNow } from "./loop";
import { BrokenBarrierError } from "./syncerrors";
import { describe } from "./ticks";
import { checkCount } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython's asyncio.Barrier, plus the optional action of threading.Barrier
 * and Peter Hinch's Barrier: `parties` tasks meet; each wait() parks until
 * the last one arrives, then all go on. Reusable: the next wait() starts the
 * next cycle.
 *
 * - wait() resolves to the task's arrival index in its cycle, 0 for the first
 *   task that arrived and parties-1 for the last (as CPython). Indexes are
 *   handed out when the cycle completes, so they stay unique when a waiter
 *   leaves early.
 * - action (optional) runs once per cycle, synchronously, in the last
 *   arriving task, before anyone is released (threading.Barrier, Hinch). If
 *   it throws, the barrier breaks: the waiting tasks get BrokenBarrierError
 *   and the last task gets the action's error. If it returns a promise, that
 *   runs on as a task (Hinch's launch) and the barrier does not wait for it.
 * - A task cancelled while waiting leaves the barrier: it no longer counts
 *   towards the cycle (CPython). Cancelled after the cycle completed but
 *   before it resumed, it still gets its index, and the cancel at its next
 *   await (nothing lost; CPython raises CancelledError and drops the index).
 * - abort() breaks the barrier: waiting tasks and any later wait() get
 *   BrokenBarrierError until reset(). reset() breaks the current cycle
 *   (waiting tasks get BrokenBarrierError) and makes the barrier usable again.
 */
export class Barrier implements WaitHome {
  readonly parties: number;
  private readonly action: (() => unknown) | null;
  private readonly waiting: Waiter<number>[] = [];
  private isBroken = false;

  constructor(parties: number, action?: (() => unknown) | null) {
    this.parties = checkCount("Barrier", "parties", parties, 1);
    if (action !== undefined && action !== null && typeof action !== "function") {
      throw new TypeError(`Barrier: expected action to be a function, got ${describe(action)}`);
    }
    this.action = action ?? null;
  }

  /** Tasks waiting in the current cycle. */
  get nWaiting(): number {
    return this.waiting.length;
  }
  get broken(): boolean {
    return this.isBroken;
  }

  /** Waits until `parties` tasks are waiting; resolves to this task's arrival index. */
  wait(): Promise<number> {
    if (this.isBroken) return Promise.reject(new BrokenBarrierError("Barrier.wait(): the barrier is broken"));
    // A task is one party: waiting again while parked here (a Promise.race loop) shares its waiter.
    const again = getEventLoop().current?.pendingOn(this);
    if (again) return again as Promise<number>;
    if (this.waiting.length + 1 < this.parties) {
      const w = getEventLoop().waiter<number>();
      if (w.state === PARKED) {
        w.home = this;
        this.waiting.push(w);
      }
      return w;
    }
    // Last to arrive: run the action, then release the others.
    const released = this.waiting.splice(0);
    const action = this.action;
    if (action) {
      let result: unknown;
      try {
        result = action();
      } catch (e) {
        this.isBroken = true;
        this.fail(released);
        return Promise.reject(e);
      }
      // A promise becomes a task so that its failure is reported. Looking at
      // the result may throw (a revoked Proxy): the action itself ran, so the
      // cycle completes and that is reported.
      const loop = getEventLoop();
      try {
        adoptResult(loop, result);
      } catch (e) {
        loop.callExceptionHandler({ message: "Exception in the Barrier action's result", exception: e, future: null });
      }
    }
    // Each keeps its home until it resumes: a party cancelled in between keeps its index (see unpark).
    for (let i = 0; i < released.length; i++) {
      const w = released[i];
      w.loop.wake(w, i);
    }
    return settledNow(this.parties - 1);
  }

  /** Breaks the barrier until reset(): waiting tasks and later wait() calls get BrokenBarrierError. */
  abort(): void {
    this.isBroken = true;
    this.fail(this.waiting.splice(0));
  }
  /** Waiting tasks get BrokenBarrierError; the barrier starts afresh (and is no longer broken). */
  reset(): void {
    this.fail(this.waiting.splice(0));
    this.isBroken = false;
  }

  private fail(waiters: Waiter<number>[]): void {
    for (const w of waiters) {
      w.home = null;
      w.loop.wake(w, new BrokenBarrierError("Barrier.wait(): the barrier was aborted or reset"), true);
    }
  }

  /**
   * WaitHome: a waiting task was cancelled. Still waiting: it leaves and no
   * longer counts. Already released by a completed cycle: it keeps its index
   * (the cycle happened) and gets the cancel at its next await.
   */
  unpark(w: Waiter<any>): boolean {
    if (w.state !== PARKED) {
      w.owner?.deferCancel();
      return false;
    }
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    return true;
  }
}
