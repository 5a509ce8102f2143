import { CancelledError, InvalidStateError, RuntimeError, currentCancelMessage, isInstance } from "./errors";
import { describe, safeString, thrownMessage } from "./format";
import { Loop, getEventLoop, runtime, type Coro } from "./loop";
import { Task } from "./task";
import { checkFunction, readOptions } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

// A wrapped promise's waiter: cancelling it just rejects it (the promise
// runs on; what it later gives is dropped).
const FUTURE_HOME: WaitHome = { unpark: () => true };

/**
 * Makes a plain promise (or any thenable: a `fetch()`, a promise around a
 * Moddable `Timer`, a library's promise) an asyncio awaitable of the running
 * task, as CPython's `asyncio.wrap_future()` does for a concurrent future:
 * `await asyncio.wrapFuture(p)`. The task then stays parked in the loop
 * while p is pending, so `cancel()`, `waitFor` and `timeout` reach it at once
 * (CancelledError; p runs on and its outcome is dropped), and it resumes in a
 * step of its own, so `currentTask()` and later cancels stay right. Awaiting
 * p directly works too, but the task leaves the loop's bookkeeping until its
 * next asyncio await, and JavaScript does not say which task a plain
 * promise's continuation belongs to (README, Known differences).
 * A Task or a Future is returned as it is (awaiting one is already an asyncio await).
 * @throws TypeError when p is not a thenable.
 */
export function wrapFuture<T>(p: PromiseLike<T>): Promise<T> {
  if (isInstance(p, Task) || isInstance(p, Future)) return p as unknown as Promise<T>;
  let then: unknown;
  try {
    then = p !== null && (typeof p === "object" || typeof p === "function") ? (p as PromiseLike<T>).then : undefined;
  } catch (e) {
    return Promise.reject(e);
  }
  if (typeof then !== "function") throw new TypeError(`wrapFuture: expected a promise or a thenable, got ${describe(p)}`);
  const loop = getEventLoop();
  const w: Waiter<T> = loop.waiter<T>();
  if (w.state !== PARKED) return w;
  w.home = FUTURE_HOME;
  try {
    (then as PromiseLike<T>["then"]).call(
      p,
      (v) => loop.wakeSoon(w, v),
      (e) => loop.wakeSoon(w, e, true),
    );
  } catch (e) {
    loop.wakeSoon(w, e, true);
  }
  return w;
}

// ---- Future (CPython 3.13's asyncio.Future) -----------------------------------

// Future.state: the phase in the low two bits, RETRIEVED above.
const PENDING = 0;
const FINISHED = 1;
const FAILED = 2;
const CANCELLED = 3;
const PHASE = 3;
/** result(), exception() or an await took the outcome: no "never retrieved" report. */
const RETRIEVED = 4;

export type FutureCallback<T> = (future: Future<T>) => unknown;

/** new Future()'s options (CPython's Future(*, loop=None)). */
export interface FutureOptions {
  /** The loop the Future belongs to; default: the current loop (getEventLoop()). */
  loop?: Loop;
}

/**
 * CPython 3.13's asyncio.Future: an outcome that someone sets later, awaited
 * by any number of tasks. Made by `loop.createFuture()` (preferred, as in
 * CPython) or `new asyncio.Future()` (the current loop).
 *
 * - `setResult(v)` / `setException(e)` / `cancel(msg?)` settle it once;
 *   every waiting task resumes in a step of its own (with the value, the
 *   error, or CancelledError), and each done callback is scheduled with
 *   loop.callSoon(cb, future). All three are safe from host callbacks and
 *   pin interrupts: they only queue steps on the loop (JavaScript on XS has
 *   one thread; an interrupt handler runs between turns). CPython's
 *   set_result needs call_soon_threadsafe from another thread; here no
 *   other thread exists.
 * - `await fut` parks the awaiting task in the loop (as Event.wait() does):
 *   `currentTask()` stays right, `cancel()`, `waitFor` and `timeout` reach
 *   it at once. Cancelling a task that awaits a pending Future cancels the
 *   Future itself, as CPython's Task.cancel() does (it cancels the future
 *   the task waits on): every other task awaiting it gets CancelledError
 *   too. Use `shield(() => fut)` to wait without that.
 * - An exception nobody takes (by await, result() or exception()) before the
 *   loop's next pass is reported through the exception handler: "Future
 *   exception was never retrieved" (CPython reports it when the Future is
 *   garbage-collected).
 *
 * As for a Task, `await` reads `then`, so a Future must not be the value a
 * promise resolves with or an async function returns (that would wait for
 * it): box it (`{ fut }`).
 */
export class Future<T = unknown> implements PromiseLike<T>, WaitHome {
  private readonly loop: Loop;
  private state = PENDING;
  /** The result, the exception, or the CancelledError. */
  private slot: unknown = undefined;
  /**
   * Waiters of awaiting tasks and done callbacks, in the order they came
   * (CPython wakes and calls them in that order: one list of callbacks).
   */
  private waiting: (Waiter<T> | FutureCallback<T>)[] | null = null;

  /** @throws TypeError when options is not an object or loop not a Loop. */
  constructor(options?: FutureOptions) {
    const { loop } = readOptions("Future", options, ["loop"], "options as an object such as { loop }");
    if (loop !== undefined && !isInstance(loop, Loop)) throw new TypeError(`Future: expected the loop as a Loop, got ${describe(loop)}`);
    this.loop = (loop as Loop | undefined) ?? getEventLoop();
  }

  /** The loop the Future belongs to (CPython's Future.get_loop()). */
  getLoop(): Loop {
    return this.loop;
  }
  done(): boolean {
    return (this.state & PHASE) !== PENDING;
  }
  cancelled(): boolean {
    return (this.state & PHASE) === CANCELLED;
  }

  /**
   * The result; throws the exception set, or the CancelledError when cancelled.
   * @throws InvalidStateError while the Future is pending.
   */
  result(): T {
    const phase = this.state & PHASE;
    if (phase === PENDING) throw new InvalidStateError("Future.result(): the result is not set yet");
    this.state |= RETRIEVED;
    if (phase !== FINISHED) throw this.slot;
    return this.slot as T;
  }
  /**
   * The exception set, or null when the Future has a result.
   * @throws InvalidStateError while pending; the CancelledError when cancelled.
   */
  exception(): unknown {
    const phase = this.state & PHASE;
    if (phase === PENDING) throw new InvalidStateError("Future.exception(): the exception is not set yet");
    this.state |= RETRIEVED;
    if (phase === CANCELLED) throw this.slot;
    return phase === FAILED ? this.slot : null;
  }

  /**
   * Sets the result and wakes every awaiting task.
   * @throws InvalidStateError when already done; TypeError for a Task, a
   *   promise or another thenable (an awaiting task would get its result, or
   *   hang; Queue and Message refuse them too): pass a box such as `{ task }`.
   */
  setResult(value: T): void {
    this.checkPending("setResult");
    if (isThenable(value)) throw unreadableThen("Future.setResult()", value) ?? new TypeError(`Future.setResult(): cannot take ${describe(value)}, a thenable (an awaiting task would get its result, or hang); pass a box such as { task } instead`);
    this.settle(FINISHED, value);
  }
  /**
   * Sets the exception (any thrown value; an Error class is instantiated,
   * as CPython does with an exception class): every awaiting task gets it.
   * @throws InvalidStateError when already done; TypeError for undefined or null.
   */
  setException(exception: unknown): void {
    this.checkPending("setException");
    if (exception === undefined || exception === null) throw new TypeError(`Future.setException(): expected the exception (an Error or any other thrown value), got ${describe(exception)}`);
    if (isErrorClass(exception)) exception = new (exception as new () => Error)();
    this.settle(FAILED, exception);
  }
  /**
   * Cancels the Future (CPython's Future.cancel(msg=None)): every awaiting
   * task gets CancelledError(msg). Returns false when it was already done.
   * A msg that is not a string is no message (as Task.cancel: `fut.cancel`
   * can be a callback, whatever it is called with).
   */
  cancel(msg?: unknown): boolean {
    if ((this.state & PHASE) !== PENDING) return false;
    this.settle(CANCELLED, typeof msg === "string" ? new CancelledError(msg) : new CancelledError());
    return true;
  }

  /**
   * Calls cb(future) once the Future is done, in a step of its own
   * scheduled with loop.callSoon() (at once if it is done already), as
   * CPython 3.13's Future.add_done_callback (no `context` argument). What
   * cb throws (any value) goes to the exception handler with the Handle; an
   * async cb runs as a task. Adding the same cb twice calls it twice.
   * @throws TypeError when cb is not a function.
   */
  addDoneCallback(cb: FutureCallback<T>): void {
    checkFunction("Future.addDoneCallback", "the callback", cb);
    if ((this.state & PHASE) !== PENDING) this.soon(cb);
    else (this.waiting ??= []).push(cb);
  }
  /**
   * Removes every registration of cb; returns how many there were (CPython's
   * Future.remove_done_callback). A callback already scheduled (the Future
   * is done) still runs, and 0 is returned.
   * @throws TypeError when cb is not a function.
   */
  removeDoneCallback(cb: FutureCallback<T>): number {
    checkFunction("Future.removeDoneCallback", "the callback", cb);
    return removeAll(this.waiting, cb);
  }

  toString(): string {
    const phase = this.state & PHASE;
    if (phase === PENDING) return "<Future pending>";
    if (phase === CANCELLED) return "<Future cancelled>";
    const v = this.slot;
    return `<Future finished ${phase === FAILED ? "exception" : "result"}=${typeof v === "string" ? JSON.stringify(v) : safeString(v)}>`;
  }

  /** The awaitable protocol: `await fut` parks the awaiting task here (see the accessor below). */
  declare then: <R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ) => PromiseLike<R1 | R2>;

  /** @internal What `then` reads as: the waiter is made when `then` is read, in the awaiting code (as Task's). */
  thenFor(): (f?: any, r?: any) => Promise<any> {
    const loop = this.loop;
    if (runtime().loop !== loop) {
      return (f?: any, r?: any) => Promise.reject(new RuntimeError(`await: ${this.toString()} belongs to another event loop`)).then(f, r);
    }
    if ((this.state & PHASE) !== PENDING) return (f?: any, r?: any) => this.settled().then(f, r);
    // The same task awaiting it again (a Promise.race loop) shares its parked waiter.
    const current = loop.current;
    let w = current !== null && current.waiting !== null ? (current.pendingOn(this) as Waiter<T> | null) : null;
    if (w === null) {
      w = loop.waiter<T>();
      if (w.state === PARKED) {
        w.home = this;
        (this.waiting ??= []).push(w);
      }
    }
    // A coroutine started with createTask(coro()) may be parked right here (see Loop.recent).
    w.seen = loop.step;
    const waiter = w;
    return (f?: any, r?: any) => {
      waiter.awaited ||= loop.step;
      return Promise.prototype.then.call(waiter, f, r);
    };
  }

  /** WaitHome: the awaiting task was cancelled. CPython cancels the future it waits on; so does this. */
  unpark(w: Waiter<any>): boolean {
    // Awaited or not: createTask(fut) (what waitFor, gather and shield do
    // with it) hands the task the waiter made when `then` was first read,
    // while the promise the task follows awaits another, its caller's.
    // Cancelling the future ends both. The waiter stays in the list, so
    // every waiter resumes in the order it came, as CPython's callbacks.
    if ((this.state & PHASE) === PENDING && w.state === PARKED) {
      this.cancel(currentCancelMessage());
      return false;
    }
    removeAll(this.waiting, w);
    return true;
  }

  private settled(): Promise<T> {
    this.state |= RETRIEVED;
    this.loop.progressed();
    return (this.state & PHASE) === FINISHED ? Promise.resolve(this.slot as T) : Promise.reject(this.slot);
  }
  private checkPending(fn: string): void {
    if ((this.state & PHASE) !== PENDING) throw new InvalidStateError(`Future.${fn}(): the future is already done: ${this.toString()}`);
  }
  private settle(phase: number, value: unknown): void {
    this.state = (this.state & ~PHASE) | phase;
    this.slot = value;
    const list = this.waiting;
    this.waiting = null;
    const failed = phase !== FINISHED;
    if (list !== null) {
      const loop = this.loop;
      for (let i = 0; i < list.length; i++) {
        const x = list[i];
        if (typeof x === "function") {
          this.soon(x);
          continue;
        }
        if (x.state !== PARKED) continue;
        x.home = null;
        // Only a waiter someone awaits takes the outcome (see unpark).
        if (x.awaited) this.state |= RETRIEVED;
        loop.wake(x, value, failed);
      }
    }
    if (phase === FAILED && !(this.state & RETRIEVED)) {
      // One pass later, after the done callbacks just scheduled (one may call exception()).
      this.loop.post(null, () => {
        if (!(this.state & RETRIEVED)) this.loop.callExceptionHandler({ message: `Future exception was never retrieved: ${this.toString()}`, exception: this.slot, future: null });
      });
    }
  }
  /** Schedules a done callback; never throws (a closed loop is reported). */
  private soon(cb: FutureCallback<T>): void {
    try {
      this.loop.callSoon(cb, this);
    } catch (e) {
      this.loop.callExceptionHandler({ message: "Exception scheduling a Future's done callback", exception: e, future: null });
    }
  }
}

// `await fut` and Promise.resolve(fut) read `then` synchronously, in the
// awaiting code: the waiter is created there, owned by the awaiting task.
Object.defineProperty(Future.prototype, "then", {
  configurable: true,
  get(this: Future<unknown>) {
    return this.thenFor();
  },
});

/** Removes every x === item from list in place; how many. */
function removeAll(list: unknown[] | null, item: unknown): number {
  if (list === null) return 0;
  let kept = 0;
  for (let i = 0; i < list.length; i++) if (list[i] !== item) list[kept++] = list[i];
  const removed = list.length - kept;
  list.length = kept;
  return removed;
}

/**
 * Whether v is a thenable: a promise resolved with it would adopt it. A Task
 * or a Future is recognised without reading its `then` (that parks the
 * running task on it); a `then` that cannot be read counts as one. @internal
 */
export function isThenable(v: unknown): boolean {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return false;
  try {
    // instanceof first: looking at a Task's or Future's `then` parks an awaiter.
    return isInstance(v, Task) || isInstance(v, Future) || typeof (v as PromiseLike<unknown>).then === "function";
  } catch {
    return true;
  }
}

/**
 * For a value isThenable() counts because its `then` cannot be read (a
 * getter or a Proxy's trap throws): the TypeError saying so, naming fn;
 * null for a real thenable (whose own message the caller gives). @internal
 */
export function unreadableThen(fn: string, v: unknown): TypeError | null {
  if (isInstance(v, Task) || isInstance(v, Future)) return null;
  try {
    void (v as { then?: unknown }).then;
    return null;
  } catch (e) {
    return new TypeError(`${fn}: cannot take ${describe(v)}: reading its then threw (${thrownMessage(e, describe)}), so a promise resolved with it would fail instead of giving it; pass a box such as { value } instead`);
  }
}

/** Error or a subclass of it (CPython instantiates an exception class passed to set_exception). */
function isErrorClass(v: unknown): boolean {
  if (typeof v !== "function") return false;
  try {
    return v === Error || (v as { prototype?: unknown }).prototype instanceof Error;
  } catch {
    return false;
  }
}

/** CPython's asyncio.isfuture(x): x is a Future or a Task. Never throws. */
export function isFuture(x: unknown): x is Future<unknown> | Task<unknown> {
  return isInstance(x, Future) || isInstance(x, Task);
}

/**
 * CPython 3.13's asyncio.ensure_future(aw): a Task or a Future as it is; a
 * coroutine, a promise or another thenable, or an async function (as
 * createTask takes) scheduled as a Task on the current loop.
 * @throws TypeError for anything else.
 */
export function ensureFuture<T>(aw: Task<T> | Future<T> | Coro<T>): Task<T> | Future<T> {
  if (isInstance(aw, Task) || isInstance(aw, Future)) return aw as Task<T> | Future<T>;
  let ok = typeof aw === "function";
  if (!ok && aw !== null && typeof aw === "object") {
    try {
      ok = typeof (aw as PromiseLike<T>).then === "function";
    } catch {
      // a revoked Proxy, a throwing `then` getter: not an awaitable
    }
  }
  if (!ok) throw new TypeError(`ensureFuture: expected a Task, a Future, a coroutine, a promise or an async function, got ${describe(aw)}`);
  return getEventLoop().createTask(aw as Coro<T>);
}
