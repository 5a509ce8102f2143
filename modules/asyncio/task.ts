import { CancelledError, RuntimeError, isCancelledError } from "./errors";
import { noteProgress, type Loop } from "./loop";
import { PARKED, Waiter, type Runnable, type WaitHome } from "./waiter";

const QUEUED = 0;
const RUNNING = 1;
const FINISHED = 2;

export type TaskCallback = (task: Task<any>) => void;

/**
 * A coroutine scheduled on the loop. Awaitable like a promise; cancel()
 * rejects whatever asyncio awaitable the coroutine is parked on with
 * CancelledError.
 */
export class Task<T = unknown> implements PromiseLike<T>, Runnable, WaitHome {
  readonly loop: Loop;
  readonly name: string;
  private phase = QUEUED;
  private start: (() => unknown) | null;
  private outcome: unknown = undefined;
  private failed = false;
  private wasCancelled = false;
  /** Someone has taken this task's outcome. */
  private retrieved = false;
  /** Consumers registered with onDone() that have not yet taken or let go of the outcome. */
  private claims = 0;
  private cancelRequested = false;
  /** The waiter this task is parked on; extra ones when it awaits several at once. */
  private waiting: Waiter<any> | null = null;
  private moreWaiting: Waiter<any>[] | null = null;
  /** Waiters of tasks that await this one. */
  private awaiters: Waiter<any>[] | null = null;
  private callbacks: TaskCallback[] | null = null;

  /** @internal use Loop.createTask / createTask */
  constructor(loop: Loop, start: (() => unknown) | null, name: string) {
    this.loop = loop;
    this.start = start;
    this.name = name;
  }

  done(): boolean {
    return this.phase === FINISHED;
  }
  cancelled(): boolean {
    return this.phase === FINISHED && this.wasCancelled;
  }
  result(): T {
    this.checkFinished("result");
    this.retrieved = true;
    if (this.failed) throw this.outcome;
    return this.outcome as T;
  }
  exception(): unknown {
    this.checkFinished("exception");
    this.retrieved = true;
    if (this.wasCancelled) throw this.outcome;
    return this.failed ? this.outcome : null;
  }

  /**
   * Requests cancellation: the coroutine gets CancelledError at its pending
   * awaitable (now or at its next one). Returns false when already done.
   */
  cancel(): boolean {
    if (this.phase === FINISHED) return false;
    // Awaiting a task forwards the cancel to it: tasks awaiting each other
    // would forward it round for ever (a stack overflow: on XS, a reboot).
    if (this.cancelling) return true;
    this.cancelling = true;
    try {
      return this.cancelNow();
    } finally {
      this.cancelling = false;
    }
  }
  private cancelling = false;
  private cancelNow(): boolean {
    if (this.phase === QUEUED) {
      this.cancelRequested = true;
      return true;
    }
    const first = this.waiting;
    const more = this.moreWaiting;
    if (first === null && (more === null || more.length === 0)) {
      // Not waiting on any asyncio awaitable. Inside the synchronous part of
      // its own step it is cancelling itself (MicroPython refuses); anywhere
      // else (its later promise jobs, a host callback while it awaits a plain
      // promise) the cancel arrives at its next await, and nothing is thrown
      // into a host callback.
      if (this === this.loop.current && this.loop.stepping()) throw new RuntimeError("can't cancel self");
      this.cancelRequested = true;
      return true;
    }
    if (first) this.loop.cancelWaiter(first);
    if (more) for (const w of more.slice()) this.loop.cancelWaiter(w);
    return true;
  }

  /** The awaitable protocol; `await task` registers the awaiting task right here (see the accessor below). */
  declare then: <R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ) => PromiseLike<R1 | R2>;

  toString(): string {
    return `<Task ${this.name || "(anonymous)"}>`;
  }

  // ---- loop side -------------------------------------------------------

  /** Step: start a task created from a function. */
  run(loop: Loop): void {
    if (this.phase !== QUEUED) return;
    loop.current = this;
    this.phase = RUNNING;
    const start = this.start!;
    this.start = null;
    if (this.cancelRequested) {
      this.cancelRequested = false;
      this.finish(new CancelledError(), true);
      return;
    }
    let r: unknown;
    try {
      r = start();
    } catch (e) {
      this.finish(e, true);
      return;
    }
    this.follow(r);
  }

  /**
   * The task's own code is executing: it is the current task and is not
   * parked on anything. (`current` stays set after a step until the next
   * turn, so a host callback in between sees the parked task, not itself.)
   */
  /** @internal */
  isRunningNow(): boolean {
    return this === this.loop.current && this.phase === RUNNING && (this.waiting === null || this.waiting.state !== PARKED);
  }

  /** @internal Runs the task on an already started coroutine. */
  follow(r: unknown): void {
    this.phase = RUNNING;
    let p: Promise<unknown> | null = null;
    try {
      // Any of these looks may throw (a revoked Proxy, a `then` getter that throws): that is the task's error.
      if (r instanceof Promise) p = r;
      else if (r instanceof Task || (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as PromiseLike<unknown>).then === "function")) p = Promise.resolve(r);
    } catch (e) {
      this.finish(e, true);
      return;
    }
    if (p) Promise.prototype.then.call(p, (v: unknown) => this.finish(v, false), (e: unknown) => this.finish(e, true));
    else this.finish(r, false);
  }

  /**
   * @internal Registers a callback for completion (gather, waitFor). It does
   * not retrieve the outcome: the consumer calls takeOutcome() for the
   * outcome it uses, so an error nobody took is still reported.
   */
  onDone(cb: TaskCallback): void {
    this.claims++;
    (this.callbacks ??= []).push(cb);
  }
  /**
   * @internal The consumer that called onDone(cb) lets go: the callback is
   * dropped, and an error it did not take (with takeOutcome) is reported as
   * unretrieved, once, if nobody else takes it.
   */
  offDone(cb: TaskCallback): void {
    const cbs = this.callbacks;
    if (cbs) {
      const i = cbs.indexOf(cb);
      if (i >= 0) cbs.splice(i, 1);
    }
    if (this.claims > 0) this.claims--;
    if (this.phase === FINISHED && this.claims === 0 && this.failed && !this.wasCancelled && !this.retrieved) this.loop.reportUnretrieved(this);
  }
  /**
   * @internal The task was cancelled while an outcome it must not lose was
   * on its way to it (waitFor, timeout, gather): it gets the outcome, and the
   * cancellation arrives at its next await (as CPython's uncancel / Trio).
   */
  deferCancel(): void {
    if (this.phase !== FINISHED) this.cancelRequested = true;
  }
  /** @internal Outcome for gather/waitFor, marking it retrieved. */
  takeOutcome(): { failed: boolean; value: unknown } {
    this.retrieved = true;
    return { failed: this.failed, value: this.outcome };
  }

  /** @internal For the deferred "exception wasn't retrieved" report. */
  peekOutcome(): { failed: boolean; value: unknown; retrieved: boolean } {
    return { failed: this.failed, value: this.outcome, retrieved: this.retrieved || this.claims > 0 };
  }

  /** @internal A waiter owned by this task was created or adopted. */
  attach(w: Waiter<any>): void {
    if (this.cancelRequested) {
      this.cancelRequested = false;
      this.loop.failNow(w, new CancelledError());
    }
    if (this.waiting === null) this.waiting = w;
    else (this.moreWaiting ??= []).push(w);
  }
  /**
   * @internal This task's parked waiter in `home`, if any. A task awaiting
   * the same thing again while it still waits there (a Promise.race loop:
   * `race([event.wait(), sleepMs(1)])`) gets that waiter back rather than a
   * new one, so losers never pile up.
   */
  pendingOn(home: WaitHome): Waiter<any> | null {
    const w = this.waiting;
    if (w !== null && w.state === PARKED && w.home === home) return w;
    const more = this.moreWaiting;
    if (more) for (const x of more) if (x.state === PARKED && x.home === home) return x;
    return null;
  }
  /** @internal */
  detach(w: Waiter<any>): void {
    if (this.waiting === w) {
      this.waiting = null;
      const more = this.moreWaiting;
      if (more && more.length) this.waiting = more.shift()!;
    } else if (this.moreWaiting) {
      const i = this.moreWaiting.indexOf(w);
      if (i >= 0) this.moreWaiting.splice(i, 1);
    }
  }

  /** @internal The awaitable through which the running task awaits this one. */
  awaiter(): PromiseLike<T> {
    if (this.isRunningNow()) return Promise.reject(new RuntimeError("a task can't await itself"));
    if (this.phase === FINISHED) return this.settled();
    return this.parkAwaiter();
  }
  /** @internal */
  settled(): Promise<T> {
    this.retrieved = true;
    noteProgress();
    return this.failed ? Promise.reject(this.outcome) : Promise.resolve(this.outcome as T);
  }
  /** @internal */
  parkAwaiter(): Waiter<T> {
    const again = this.loop.current?.pendingOn(this);
    if (again) return again;
    const w = this.loop.waiter<T>();
    if (w.state === PARKED) {
      w.home = this;
      (this.awaiters ??= []).push(w);
    }
    return w;
  }
  private dropAwaiter(w: Waiter<any>): void {
    const list = this.awaiters;
    if (list) {
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
    }
  }
  /**
   * @internal Whether a cancel can reach this task's code: it waits on an
   * asyncio awaitable (or has not started, or has finished), following the
   * chain through awaited tasks, waitFor and timeout. False when it (or the
   * end of the chain) awaits something outside asyncio: a cancel would stay
   * pending until its next asyncio await, maybe for ever.
   */
  reachable(depth = 0): boolean {
    if (this.phase !== RUNNING) return true;
    if (depth > 64) return false; // a cycle of awaits
    const first = this.waiting;
    if (first === null) return false;
    const more = this.moreWaiting;
    for (let i = -1; i < (more ? more.length : 0); i++) {
      const w = i < 0 ? first : more![i];
      const next = w.home?.forwardsTo?.(w) ?? null;
      if (next === null || next.reachable(depth + 1)) return true;
    }
    return false;
  }
  /** WaitHome: a waiter parked here (awaiting this task) passes a cancel on to this task. */
  forwardsTo(w: Waiter<any>): Task<any> | null {
    return this.phase === FINISHED || !w.awaited ? null : this;
  }
  /** @internal How many waiters this task waits on (more than one: Promise.race, Promise.all). */
  waitingCount(): number {
    return this.waiting === null ? 0 : 1 + (this.moreWaiting ? this.moreWaiting.length : 0);
  }
  /** @internal */
  isFinished(): boolean {
    return this.phase === FINISHED;
  }

  // WaitHome: a task awaiting this one was cancelled; forward it (MicroPython).
  unpark(w: Waiter<any>): boolean {
    // Only a waiter someone really awaits forwards the cancel; one made by a
    // mere look at `then` (typeof task.then) just goes away.
    if (this.phase === FINISHED || this.isRunningNow() || !w.awaited) {
      this.dropAwaiter(w);
      return true;
    }
    this.cancel();
    return false;
  }

  /** @internal Called once, when the coroutine has returned or thrown. */
  finish(value: unknown, failed: boolean): void {
    if (this.phase === FINISHED) return;
    this.phase = FINISHED;
    this.outcome = value;
    this.failed = failed;
    this.wasCancelled = failed && isCancelledError(value);
    const loop = this.loop;
    const callbacks = this.callbacks;
    if (callbacks) {
      this.callbacks = null;
      for (const cb of callbacks) cb(this);
    }
    const awaiters = this.awaiters;
    if (awaiters) {
      this.awaiters = null;
      for (const w of awaiters) {
        if (w.state !== PARKED) continue;
        w.home = null;
        // Only a waiter someone awaits takes the outcome; one made by a mere
        // look at `then` (an isPromiseLike check) retrieves nothing.
        if (w.awaited) this.retrieved = true;
        loop.wake(w, value, failed);
      }
    }
    loop.finished(this, !this.retrieved && this.claims === 0 && failed && !this.wasCancelled);
  }

  private checkFinished(what: string): void {
    if (this.phase !== FINISHED) throw new RuntimeError(`Task.${what}(): the task is not done yet`);
  }
}

// `await task` and Promise.resolve(task) read `then` synchronously, in the
// awaiting code: the waiter is created there, owned by the awaiting task.
Object.defineProperty(Task.prototype, "then", {
  configurable: true,
  get(this: Task<unknown>) {
    if (this.isRunningNow()) {
      return (f?: any, r?: any) => Promise.reject(new RuntimeError("a task can't await itself")).then(f, r);
    }
    if (this.isFinished()) return (f?: any, r?: any) => this.settled().then(f, r);
    const w = this.parkAwaiter();
    // A coroutine started with createTask(coro()) may be parked right here.
    this.loop.noteAwaited(w);
    return (f?: any, r?: any) => {
      w.awaited = true;
      return Promise.prototype.then.call(w, f, r);
    };
  },
});
