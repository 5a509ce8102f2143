import { CancelledError, RuntimeError, cancelledError, currentCancelMessage, isCancelledError, swapCancelMessage } from "./errors";
import { PARKED, Waiter, type Runnable, type Scheduler, type WaitHome } from "./waiter";
import { describe, safeString } from "./format";
import type { Loop } from "./loop";
import { checkFunction } from "./validate";

// Task.state: the phase in the low two bits, flags above. One number instead
// of six booleans: on XS every property is a heap slot, and a program may
// hold thousands of sleeping tasks.
const QUEUED = 0;
const RUNNING = 1;
const FINISHED = 2;
const PHASE = 3;
const FAILED = 4;
const CANCELLED = 8;
/** Someone has taken this task's outcome. */
const RETRIEVED = 16;
/** A cancel is waiting for the task's next await. */
const CANCEL_REQUESTED = 32;
/** Inside cancel() (awaiting tasks forward cancels to each other). */
const CANCELLING = 64;
/** @internal For the loop's inline attach: a cancel waits for the next waiter. */
export const TASK_CANCEL_REQUESTED = CANCEL_REQUESTED;
// Above the flags, the count of cancel() requests not matched by uncancel()
// (CPython's cancelling()): in the same number, no slot of its own. Capped
// so the state stays a 31-bit integer (the flag operations are 32-bit).
const CANCEL_COUNT_SHIFT = 7;
const CANCEL_COUNT_ONE = 1 << CANCEL_COUNT_SHIFT;
const CANCEL_COUNT_CAP = (1 << 30) - CANCEL_COUNT_ONE;

export type TaskCallback = (task: Task<any>) => void;

/**
 * A coroutine scheduled on the loop. Awaitable like a promise; cancel()
 * rejects whatever asyncio awaitable the coroutine is parked on with
 * CancelledError.
 */
export class Task<T = unknown> implements PromiseLike<T>, Runnable, WaitHome {
  // Set in the constructor, hot fields first: XS finds a property by walking
  // the object's list. (`declare`: a class field would be defined, then
  // assigned again.)
  /** @internal The waiter this task is parked on (see moreWaiting). */
  declare waiting: Waiter<any> | null;
  /** @internal Phase and flags (QUEUED... above). */
  declare state: number;
  declare readonly loop: Scheduler;
  /** The function to start while queued; the outcome once finished; absent in between (one slot less per running task). */
  declare private slot?: unknown;
  // The rest appear only when used (no slot for what a task never needs).
  /** @internal Extra waiters, when the task awaits several at once (Promise.race). */
  declare moreWaiting?: Waiter<any>[] | null;
  declare private taskName?: string;
  /** @internal Debug mode: where createTask was called ("app.ts:14:3"). */
  declare createdAt?: string;
  /** Waiters of tasks that await this one. */
  declare private awaiters?: Waiter<any>[] | null;
  /** One callback, or several in an array (gather's children have one each). */
  declare private callbacks?: TaskCallback | TaskCallback[] | null;
  /** Consumers registered with onDone() that have not yet taken or let go of the outcome. */
  declare private claims?: number;
  declare next?: Runnable | null;

  /** @internal use Loop.createTask / createTask */
  constructor(loop: Scheduler, start: (() => unknown) | null, name: string) {
    this.waiting = null;
    this.state = QUEUED;
    (this as { loop: Scheduler }).loop = loop;
    this.slot = start;
    if (name) this.taskName = name;
  }

  /** The task's name: createTask's { name }, else the async function's name, else "". */
  get name(): string {
    return this.taskName ?? "";
  }
  /** CPython's Task.get_name(). */
  getName(): string {
    return this.taskName ?? "";
  }
  /** CPython's Task.set_name(). @throws TypeError when name is not a string. */
  setName(name: string): void {
    if (typeof name !== "string") throw new TypeError(`setName: expected the name as a string, got ${describe(name)}`);
    this.taskName = name;
  }

  done(): boolean {
    return (this.state & PHASE) === FINISHED;
  }
  cancelled(): boolean {
    return (this.state & (PHASE | CANCELLED)) === (FINISHED | CANCELLED);
  }
  result(): T {
    this.checkFinished("result");
    this.state |= RETRIEVED;
    if (this.state & FAILED) throw this.slot;
    return this.slot as T;
  }
  exception(): unknown {
    this.checkFinished("exception");
    this.state |= RETRIEVED;
    if (this.state & CANCELLED) throw this.slot;
    return this.state & FAILED ? this.slot : null;
  }

  /**
   * Requests cancellation: the coroutine gets CancelledError at its pending
   * awaitable, now or at its next one. Returns false when already done.
   * `msg` (CPython 3.9+'s Task.cancel(msg)): a string is the error's
   * message, also where the cancel is passed on (the task or Future it
   * awaits, through waitFor, timeout, gather, race, shield); anything else is
   * no message, so `task.cancel` can be a callback (an irq handler, a done
   * callback, a `then`), whatever argument it is called with.
   * @throws RuntimeError when a task cancels itself inside its own step (MicroPython).
   */
  cancel(msg?: unknown): boolean {
    if ((this.state & PHASE) === FINISHED) return false;
    // Awaiting a task forwards the cancel to it: tasks awaiting each other
    // would forward it round for ever (a stack overflow: on XS, a reboot).
    if (this.state & CANCELLING) return true;
    this.state |= CANCELLING;
    const before = swapCancelMessage(typeof msg === "string" ? msg : undefined);
    try {
      const requested = this.cancelNow();
      if (this.state < CANCEL_COUNT_CAP) this.state += CANCEL_COUNT_ONE;
      return requested;
    } finally {
      swapCancelMessage(before);
      this.state &= ~CANCELLING;
    }
  }
  /** A cancel to deliver at the task's next await, with its message (that of the cancel in progress) if it has one. */
  private request(msg: string | undefined = currentCancelMessage()): void {
    this.state |= CANCEL_REQUESTED;
    if (msg !== undefined) (requestedMessages ??= new WeakMap()).set(this, msg);
    else requestedMessages?.delete(this);
  }
  /** The CancelledError for a requested cancel, its message taken. */
  private requested(): CancelledError {
    const msg = requestedMessages?.get(this);
    if (msg !== undefined) requestedMessages!.delete(this);
    return cancelledError(msg);
  }
  private cancelNow(): boolean {
    if ((this.state & PHASE) === QUEUED) {
      this.request();
      return true;
    }
    const first = this.waiting;
    const more = this.moreWaiting;
    if (!first && !(more && more.length)) {
      // Not waiting on any asyncio awaitable. Inside the synchronous part of
      // its own step it is cancelling itself (MicroPython refuses); anywhere
      // else (its later promise jobs, a host callback while it awaits a plain
      // promise) the cancel arrives at its next await, and nothing is thrown
      // into a host callback.
      if (this === this.loop.current && this.loop.stepping()) throw new RuntimeError("can't cancel self");
      this.request();
      return true;
    }
    if (first) this.loop.cancelWaiter(first);
    if (more) for (const w of more.slice()) this.loop.cancelWaiter(w);
    return true;
  }

  /**
   * How many cancel() requests this task has had that uncancel() has not
   * taken back (CPython 3.11's Task.cancelling()); 0 for a task never
   * cancelled. A request to a task already done is not counted. This
   * library's waitFor(), timeout() and shield() cancel an inner task, never
   * the caller, so (unlike CPython's) they need no uncancel() to keep the
   * caller's count right.
   */
  cancelling(): number {
    return this.state >>> CANCEL_COUNT_SHIFT;
  }
  /**
   * Takes back one cancel() request and returns how many are left (CPython
   * 3.13's Task.uncancel()); at 0 a cancel still waiting for the task's next
   * await is dropped (one already delivered to the awaitable it is parked on
   * still arrives, as in CPython). For code that handles a cancel it caused
   * itself (a timeout of its own) and goes on.
   */
  uncancel(): number {
    let n = this.state >>> CANCEL_COUNT_SHIFT;
    if (n > 0) {
      this.state -= CANCEL_COUNT_ONE;
      if (--n === 0) {
        this.state &= ~CANCEL_REQUESTED;
        requestedMessages?.delete(this);
      }
    }
    return n;
  }

  /**
   * Calls cb(task) once the task is done, in a step of its own scheduled
   * with loop.callSoon() (at the next turn, never synchronously; at once if
   * the task is done already), as CPython 3.13's Task.add_done_callback (no
   * `context` argument). The callbacks of a finishing task are scheduled
   * before the tasks awaiting it are woken (CPython wakes and calls them in
   * the order they came). A callback does not retrieve the task's error: an
   * error nobody takes (cb may call task.exception()) is still reported.
   * What cb throws (any value) goes to the exception handler with the
   * Handle; an async cb runs as a task. No memory is added to a task that
   * never uses it.
   * @throws TypeError when cb is not a function; RuntimeError when the task
   *   is done and its loop is closed.
   */
  addDoneCallback(cb: (task: Task<T>) => unknown): void {
    checkFunction("Task.addDoneCallback", "the callback", cb);
    if ((this.state & PHASE) === FINISHED) {
      (this.loop as unknown as Loop).callSoon(cb, this);
      return;
    }
    // In the onDone() list, without a claim: it does not take the outcome.
    const f = ((task: Task<T>) => scheduleDone(task, cb)) as DoneCallback;
    f.user = cb;
    const cbs = this.callbacks;
    if (!cbs) this.callbacks = f;
    else if (typeof cbs === "function") this.callbacks = [cbs, f];
    else cbs.push(f);
  }
  /**
   * Removes every registration of cb; returns how many there were (CPython
   * 3.13's Task.remove_done_callback). A callback already scheduled (the
   * task is done) still runs, and 0 is returned.
   * @throws TypeError when cb is not a function.
   */
  removeDoneCallback(cb: (task: Task<T>) => unknown): number {
    checkFunction("Task.removeDoneCallback", "the callback", cb);
    const cbs = this.callbacks;
    if (!cbs) return 0;
    if (typeof cbs === "function") {
      if ((cbs as DoneCallback).user !== cb) return 0;
      this.callbacks = null;
      return 1;
    }
    let kept = 0;
    for (let i = 0; i < cbs.length; i++) if ((cbs[i] as DoneCallback).user !== cb) cbs[kept++] = cbs[i];
    const removed = cbs.length - kept;
    cbs.length = kept;
    return removed;
  }

  /** The awaitable protocol; `await task` registers the awaiting task right here (see the accessor below). */
  declare then: <R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ) => PromiseLike<R1 | R2>;

  toString(): string {
    return `<Task ${this.taskName || "(anonymous)"}>`;
  }

  // ---- loop side -------------------------------------------------------

  /** Step: start a task created from a function. */
  run(loop: Scheduler): void {
    if ((this.state & PHASE) !== QUEUED) return;
    loop.current = this;
    const start = this.slot as () => unknown;
    if (loop.compactHeap) delete this.slot;
    else this.slot = undefined;
    this.state |= RUNNING;
    if (this.state & CANCEL_REQUESTED) {
      this.state &= ~CANCEL_REQUESTED;
      this.finish(this.requested(), true);
      return;
    }
    let r: unknown;
    try {
      r = start();
    } catch (e) {
      this.finish(e, true);
      return;
    }
    this.follow(r, true);
  }

  /**
   * The task's own code is executing: it is the current task and is not
   * parked on anything. (`current` stays set after a step until the next
   * turn, so a host callback in between sees the parked task, not itself.)
   */
  /** @internal */
  isRunningNow(): boolean {
    if (this !== this.loop.current || (this.state & PHASE) !== RUNNING) return false;
    const w = this.waiting;
    return !w || w.state !== PARKED;
  }

  /**
   * @internal Runs the task on an already started coroutine. `own`: the
   * promise is one only the task holds (it started the function itself).
   */
  follow(r: unknown, own = false): void {
    this.state = (this.state & ~PHASE) | RUNNING;
    let p: Promise<unknown> | null = null;
    try {
      // Any of these looks may throw (a revoked Proxy, a `then` getter that throws): that is the task's error.
      if (r instanceof Promise) p = r;
      else if (r instanceof Task || (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as PromiseLike<unknown>).then === "function")) {
        p = Promise.resolve(r);
        own = true;
      }
    } catch (e) {
      this.finish(e, true);
      return;
    }
    if (p === null) this.finish(r, false);
    else if (!this.loop.compactHeap) {
      if (p instanceof Waiter) p.awaited ||= this.loop.step;
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
      Promise.prototype.then.call(p, (v: unknown) => this.finish(v, false), (e: unknown) => this.finish(e, true));
    } else if (own && Object.isExtensible(p) && !Object.prototype.hasOwnProperty.call(p, "constructor")) watch(p, this);
    else {
      // A promise the caller holds (createTask(coro())): the borrowed species
      // would show on it for a moment; a plain then() does not.
      if (p instanceof Waiter) p.awaited ||= this.loop.step;
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
      Promise.prototype.then.call(p, new Proxy(fulfilled, this) as (v: unknown) => void, new Proxy(rejected, this) as (v: unknown) => void);
    }
  }

  /**
   * @internal The coroutine settled: a promise reaction calls one of the
   * task's two proxies (see watch()), and this is their trap.
   */
  apply(target: unknown, _this: unknown, args: unknown[]): void {
    this.finish(args[0], target === rejected);
  }

  /**
   * @internal Registers a callback for completion (gather, waitFor). It does
   * not retrieve the outcome: the consumer calls takeOutcome() for the
   * outcome it uses, so an error nobody took is still reported.
   */
  onDone(cb: TaskCallback): void {
    this.claims = (this.claims ?? 0) + 1;
    const cbs = this.callbacks;
    if (!cbs) this.callbacks = cb;
    else if (typeof cbs === "function") this.callbacks = [cbs, cb];
    else cbs.push(cb);
  }
  /**
   * @internal The consumer that called onDone(cb) lets go: the callback is
   * dropped, and an error it did not take (with takeOutcome) is reported as
   * unretrieved, once, if nobody else takes it.
   */
  offDone(cb: TaskCallback): void {
    const cbs = this.callbacks;
    if (cbs === cb) this.callbacks = null;
    else if (cbs && typeof cbs !== "function") {
      const i = cbs.indexOf(cb);
      if (i >= 0) cbs.splice(i, 1);
    }
    if (this.claims) this.claims--;
    if (!this.claims && (this.state & (PHASE | FAILED | CANCELLED | RETRIEVED)) === (FINISHED | FAILED)) this.loop.reportUnretrieved(this);
  }
  /**
   * @internal The task was cancelled while an outcome it must not lose was
   * on its way to it (waitFor, timeout, gather): it gets the outcome, and the
   * cancellation arrives at its next await (as CPython's uncancel / Trio).
   */
  deferCancel(msg: string | undefined = currentCancelMessage()): void {
    if ((this.state & PHASE) !== FINISHED) this.request(msg);
  }
  /** @internal Finished with an error (CancelledError included). */
  hasFailed(): boolean {
    return (this.state & FAILED) !== 0;
  }
  /** @internal The outcome (value or error), marking it retrieved; see hasFailed(). */
  take(): unknown {
    this.state |= RETRIEVED;
    return this.slot;
  }
  /** @internal Outcome for gather/waitFor, marking it retrieved. */
  takeOutcome(): { failed: boolean; value: unknown } {
    this.state |= RETRIEVED;
    return { failed: (this.state & FAILED) !== 0, value: this.slot };
  }

  /** @internal For the deferred "exception wasn't retrieved" report. */
  peekOutcome(): { failed: boolean; value: unknown; retrieved: boolean } {
    return { failed: (this.state & FAILED) !== 0, value: this.slot, retrieved: (this.state & RETRIEVED) !== 0 || !!this.claims };
  }

  /** @internal A waiter owned by this task was created or adopted. */
  attach(w: Waiter<any>): void {
    if (this.state & CANCEL_REQUESTED) {
      this.state &= ~CANCEL_REQUESTED;
      this.loop.failNow(w, this.requested());
    }
    if (!this.waiting) this.waiting = w;
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
    if (!w) return null;
    if (w.state === PARKED && w.home === home) return w;
    const more = this.moreWaiting;
    if (more) for (const x of more) if (x.state === PARKED && x.home === home) return x;
    return null;
  }
  /** @internal */
  detach(w: Waiter<any>): void {
    if (this.waiting === w) {
      const more = this.moreWaiting;
      this.waiting = more ? (more.length ? more.shift()! : null) : null;
    } else if (this.moreWaiting) {
      const i = this.moreWaiting.indexOf(w);
      if (i >= 0) this.moreWaiting.splice(i, 1);
    }
  }
  /** @internal The waiters this task waits on, oldest first (for adoption by a task started in its step). */
  waiters(): Waiter<any>[] {
    const first = this.waiting;
    if (!first) return [];
    const more = this.moreWaiting;
    return more && more.length ? [first, ...more] : [first];
  }

  /** @internal The awaitable through which the running task awaits this one. */
  awaiter(): PromiseLike<T> {
    if (this.isRunningNow()) return Promise.reject(new RuntimeError("a task can't await itself"));
    if ((this.state & PHASE) === FINISHED) return this.settled();
    return this.parkAwaiter();
  }
  /** @internal */
  settled(): Promise<T> {
    this.state |= RETRIEVED;
    this.loop.progressed();
    return this.state & FAILED ? Promise.reject(this.slot) : Promise.resolve(this.slot as T);
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
    if ((this.state & PHASE) !== RUNNING) return true;
    if (depth > 64) return false; // a cycle of awaits
    const first = this.waiting;
    if (!first) return false;
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
    return (this.state & PHASE) === FINISHED || !w.awaited ? null : this;
  }
  /** @internal How many waiters this task waits on (more than one: Promise.race, Promise.all). */
  waitingCount(): number {
    if (!this.waiting) return 0;
    const more = this.moreWaiting;
    return more ? 1 + more.length : 1;
  }
  /** @internal */
  isFinished(): boolean {
    return (this.state & PHASE) === FINISHED;
  }

  // WaitHome: a task awaiting this one was cancelled; forward it (MicroPython).
  unpark(w: Waiter<any>): boolean {
    // Only a waiter someone really awaits forwards the cancel; one made by a
    // mere look at `then` (typeof task.then) just goes away.
    if ((this.state & PHASE) === FINISHED || this.isRunningNow() || !w.awaited) {
      this.dropAwaiter(w);
      return true;
    }
    this.cancel(currentCancelMessage());
    return false;
  }

  /** @internal Called once, when the coroutine has returned or thrown. */
  finish(value: unknown, failed: boolean): void {
    if ((this.state & PHASE) === FINISHED) return;
    let state = (this.state & ~PHASE) | FINISHED;
    if (failed) state |= isCancelledError(value) ? FAILED | CANCELLED : FAILED;
    this.state = state;
    this.slot = value;
    const loop = this.loop;
    const callbacks = this.callbacks;
    if (callbacks) {
      this.callbacks = null;
      if (typeof callbacks === "function") callbacks(this);
      else for (let i = 0; i < callbacks.length; i++) callbacks[i](this);
    }
    const awaiters = this.awaiters;
    if (awaiters) {
      this.awaiters = null;
      for (let i = 0; i < awaiters.length; i++) {
        const w = awaiters[i];
        if (w.state !== PARKED) continue;
        w.home = null;
        // Only a waiter someone awaits takes the outcome; one made by a mere
        // look at `then` (an isPromiseLike check) retrieves nothing.
        if (w.awaited) this.state |= RETRIEVED;
        loop.wake(w, value, failed);
      }
    }
    loop.finished(this, !this.claims && (this.state & (FAILED | CANCELLED | RETRIEVED)) === FAILED);
  }

  private checkFinished(what: string): void {
    if ((this.state & PHASE) !== FINISHED) throw new RuntimeError(`Task.${what}(): the task is not done yet`);
  }
}

/** An addDoneCallback() registration in the onDone() list: it schedules `user`. */
type DoneCallback = TaskCallback & { user?: (task: Task<any>) => unknown };

/** Schedules a done callback as the task finishes; never throws (finish() must not). */
function scheduleDone(task: Task<any>, cb: (task: Task<any>) => unknown): void {
  const loop = task.loop as unknown as Loop;
  try {
    loop.callSoon(cb, task);
  } catch (e) {
    loop.callExceptionHandler({ message: "Exception scheduling a Task's done callback", exception: e, future: task });
  }
}

// ---- watching a coroutine settle --------------------------------------------
//
// A task learns that its coroutine settled from one promise reaction. A
// plain then() with two closures costs 45 heap slots per task on XS (the
// derived promise, its resolving functions, the executor, two closures);
// this costs 14: for the moment of the call the promise's species is a
// constructor that makes no promise (nothing awaits the result), and the
// two handlers are proxies of two shared functions with the task as their
// handler (its apply() above). The species is read inside then() only, so
// the property is gone before any other code can see the promise.

function fulfilled(): void {}
function rejected(): void {}
function ignore(): void {}
/** Reports what a reaction threw (finish() does not throw; this is the last line of defence). */
function reactionFailed(e: unknown): void {
  try {
    const g = globalThis as unknown as { console?: { error?(s: string): void }; trace?(s: string): void };
    const text = `Exception in a task's completion: ${String(e)}`;
    if (g.console?.error) g.console.error(text);
    else g.trace?.(text + "\n");
  } catch {
    // nowhere left to report to
  }
}
const NO_RESULT = {};
/** The messages of cancels waiting for their task's next await; made at the first, at run time (a preloaded module's objects are read-only). */
let requestedMessages: WeakMap<Task<any>, string> | undefined;
function NoPromise(executor: (resolve: unknown, reject: unknown) => void): object {
  executor(ignore, reactionFailed);
  return NO_RESULT;
}
const SPECIES = { [Symbol.species]: NoPromise };
const SPECIES_PROPERTY: PropertyDescriptor = { value: SPECIES, configurable: true };

function watch(p: Promise<unknown>, task: Task<any>): void {
  Object.defineProperty(p, "constructor", SPECIES_PROPERTY);
  try {
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
    Promise.prototype.then.call(p, new Proxy(fulfilled, task) as (v: unknown) => void, new Proxy(rejected, task) as (v: unknown) => void);
  } finally {
    delete (p as { constructor?: unknown }).constructor;
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
    // A coroutine started with createTask(coro()) may be parked right here (see Loop.recent).
    const w = this.parkAwaiter();
    w.seen = this.loop.step;
    return (f?: any, r?: any) => {
      w.awaited ||= this.loop.step;
      return Promise.prototype.then.call(w, f, r);
    };
  },
});
