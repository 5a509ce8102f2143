import { RuntimeError, TimeoutError, isInstance } from "./errors";
import { describe } from "./format";
import { toTasks } from "./funcs";
import { getEventLoop, noteProgress, type Coro, type Loop } from "./loop";
import { Future } from "./future";
import { Task } from "./task";
import { LoopTimer } from "./timer";
import { copyArray, checkDuration, isArray, readOptions, secondsToMs } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

export interface AsCompletedOptions {
  /** Seconds (null or absent: no limit). After it, each item not yet finished raises TimeoutError; nothing is cancelled. */
  timeout?: number | null;
}

type Awaitable<T> = Task<T> | Coro<T>;

/**
 * CPython 3.13's asyncio.as_completed(aws, timeout=): the awaitables (tasks,
 * started coroutines or promises, functions that start one; each run as a
 * task, a task passed twice counted once) in the order they finish. Two
 * ways to iterate, as in CPython:
 *
 * - `for await (const task of asyncio.asCompleted(aws, { timeout: 5 }))`
 *   gives each Task once it is done: `await task` (or `task.result()`) for
 *   its value or error. When aws holds Tasks, those very tasks come out
 *   (CPython 3.13), so `task === t1` tells which one finished.
 * - `for (const next of asyncio.asCompleted(aws))` gives one awaitable per
 *   item: `await next` is the value of the next one to finish (or raises
 *   its error).
 *
 * TypeScript types a `for await` variable as the awaited value (it applies
 * Awaited to what the iterator yields, and a Task is a thenable), so there
 * `task` is typed T while it holds the Task: `await task` is right both ways;
 * for `task.result()` or `task === t1`, cast (`task as unknown as Task<T>`)
 * or call `it.next()`, whose `value` is typed Task<T>.
 *
 * `timeout` (seconds) bounds the whole iteration: once it passes, the items
 * still to come raise TimeoutError (those that finished before it come out
 * first); the unfinished tasks are NOT cancelled (CPython): cancel them, or
 * await them later.
 *
 * Cancel-safe: a consumer cancelled while it waits for the next item takes
 * nothing: that item comes out of the next call, and the tasks run on.
 * Leaving the loop early (break, return, a throw) lets go of the tasks not
 * yet handed out: their failures are then reported as unretrieved, as for
 * any task nobody awaits; tasks handed out are yours to read.
 *
 * @throws (at the call) TypeError when aws is not an iterable (an array, a
 *   Set) of awaitables, or is itself an awaitable; TypeError/RangeError for
 *   a bad timeout (NaN, a string, ±Infinity); RuntimeError for the calling
 *   task itself. (At each item) TimeoutError after the timeout;
 *   CancelledError when the consumer is cancelled.
 */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options: AsCompletedOptions = {}): AsCompleted<T> {
  const { timeout: limit } = readOptions("asCompleted", options, ["timeout"], "options as an object such as { timeout: 5 }");
  const ms = limit === null || limit === undefined ? null : secondsToMs(checkDuration("asCompleted", limit, "seconds"));
  const list = toList(aws);
  const loop = getEventLoop();
  return new AsCompleted<T>(loop, [...new Set(toTasks(loop, list, "asCompleted"))] as Task<T>[], ms);
}

function toList(aws: unknown): unknown[] {
  if (isArray(aws)) return copyArray("asCompleted", "an array of awaitables", aws);
  let iterable = false;
  let awaitable = false;
  if (aws !== null && typeof aws === "object") {
    try {
      iterable = typeof (aws as Iterable<unknown>)[Symbol.iterator] === "function";
      // A Task's or a Future's `then` is not read: that would park an awaiter on it.
      awaitable = isInstance(aws, Task) || isInstance(aws, Future) || isInstance(aws, Promise) || (!iterable && typeof (aws as PromiseLike<unknown>).then === "function");
    } catch {
      iterable = false;
    }
  }
  if (!iterable || awaitable) throw new TypeError(`asCompleted: expected an array or another iterable of awaitables, got ${describe(aws)}`);
  return Array.from(aws as Iterable<unknown>);
}

/**
 * What asCompleted() returns: an async iterator of done Tasks and an
 * iterable of promises of their values, in completion order (see asCompleted).
 */
export class AsCompleted<T> implements AsyncIterableIterator<Task<T>>, WaitHome {
  private readonly loop: Loop;
  /** Watched tasks not finished yet. */
  private readonly todo: Task<T>[] = [];
  /** Finished tasks not handed out yet, in the order they finished. */
  private readonly ready: Task<T>[] = [];
  /** TimeoutErrors still to raise (one per task unfinished at the deadline). */
  private timeouts = 0;
  /** Items neither handed out nor promised to a pending next(). */
  private left: number;
  /** next() calls in progress. */
  private active = 0;
  private closed = false;
  private released = false;
  private readonly getters: Waiter<void>[] = [];
  private readonly timer: LoopTimer | null = null;

  /** @internal use asCompleted() */
  constructor(loop: Loop, tasks: Task<T>[], ms: number | null) {
    this.loop = loop;
    this.left = tasks.length;
    for (const t of tasks) {
      // A claim on each outcome until it is handed out (see Task.onDone).
      t.onDone(this.finished);
      if (t.isFinished()) this.ready.push(t);
      else this.todo.push(t);
    }
    if (ms !== null && this.todo.length > 0) {
      this.timer = new LoopTimer(this.expire);
      this.timer.start(ms);
    }
  }

  /** The async iterator's step: the next Task to finish, done once every one was handed out. */
  async next(): Promise<IteratorResult<Task<T>, undefined>> {
    if (this.left === 0) return { value: undefined, done: true };
    this.left--;
    return { value: (await this.take()).task, done: false };
  }
  /** Stops early (a `for await` that breaks calls it): see close(). */
  return(): Promise<IteratorResult<Task<T>, undefined>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
  /**
   * One awaitable per item (`for (const next of asCompleted(aws))`): awaiting
   * it gives the value of the next awaitable to finish, or raises its error.
   * Like CPython's coroutines, each starts waiting when first awaited, so
   * they fill in the order they are awaited.
   */
  [Symbol.iterator](): IterableIterator<PromiseLike<T>> {
    const it: IterableIterator<PromiseLike<T>> = {
      next: () => {
        if (this.left === 0) return { value: undefined, done: true };
        this.left--;
        return { value: new NextValue<T>(this), done: false };
      },
      return: () => {
        this.close();
        return { value: undefined, done: true };
      },
      [Symbol.iterator]: () => it,
    };
    return it;
  }

  /**
   * Stops early: the tasks not handed out are let go (their failures are
   * then reported as unretrieved), the deadline is dropped, next() is done.
   * A next() already waiting still gets its item.
   */
  close(): void {
    this.closed = true;
    this.left = 0;
    if (this.active === 0) this.release();
  }

  // ---- internals -------------------------------------------------------------

  /** @internal NextValue: the next task's value or error. */
  async takeValue(): Promise<T> {
    return (await this.take()).task.result();
  }

  /**
   * The next finished task (or the deadline's TimeoutError), for an item
   * already counted off `left`; boxed, or the async function would hand
   * over the task's result (JavaScript adopts thenables).
   */
  private async take(): Promise<{ task: Task<T> }> {
    if (this.released) throw new RuntimeError("asCompleted: the iteration was closed (break, return or close()) before this item was awaited");
    this.active++;
    try {
      if (this.ready.length > 0 || this.timeouts > 0) noteProgress();
      let again = false;
      while (this.ready.length === 0 && this.timeouts === 0) {
        await this.park(again);
        again = true;
      }
      const t = this.ready.shift();
      if (t === undefined) {
        this.timeouts--;
        throw new TimeoutError("asCompleted: the timeout passed before this item finished");
      }
      // Handed out: the caller reads it now (takeValue) or owns it (for await).
      if (this.ready.length > 0 || this.timeouts > 0) this.wakeNext();
      t.offDone(this.finished);
      return { task: t };
    } catch (e) {
      // Cancelled: the item stays for the next call.
      if (!isInstance(e, TimeoutError) && !this.closed) this.left++;
      throw e;
    } finally {
      if (--this.active === 0 && this.closed) this.release();
    }
  }

  private park(again: boolean): Waiter<void> {
    const w = this.loop.waiter<void>();
    if (w.state === PARKED) {
      w.home = this;
      // A getter woken for an item someone else took keeps its place.
      if (again) this.getters.unshift(w);
      else this.getters.push(w);
    }
    return w;
  }
  private wakeNext(): void {
    const w = this.getters.shift();
    if (w !== undefined) w.loop.wake(w, undefined);
  }
  /** WaitHome: a getter was cancelled; a wake-up it had received goes to the next one. */
  unpark(w: Waiter<any>): boolean {
    if (w.state === PARKED) {
      const i = this.getters.indexOf(w);
      if (i >= 0) this.getters.splice(i, 1);
    } else if (this.ready.length > 0 || this.timeouts > 0) this.wakeNext();
    return true;
  }

  private readonly finished = (t: Task<any>): void => {
    const i = this.todo.indexOf(t);
    if (i < 0) return;
    this.todo.splice(i, 1);
    this.ready.push(t);
    if (this.todo.length === 0) this.timer?.stop();
    this.wakeNext();
  };

  private readonly expire = (): void => {
    // As CPython's _handle_timeout: the unfinished tasks are let go (not
    // cancelled), and each raises TimeoutError in its turn.
    const todo = this.todo.splice(0);
    this.timeouts += todo.length;
    for (const t of todo) t.offDone(this.finished);
    for (let n = todo.length; n > 0 && this.getters.length > 0; n--) this.wakeNext();
  };

  private release(): void {
    this.released = true;
    this.timer?.stop();
    const tasks = this.todo.splice(0).concat(this.ready.splice(0));
    this.timeouts = 0;
    for (const t of tasks) t.offDone(this.finished);
  }
}

/**
 * An item of the plain iteration: a lazy awaitable (as CPython's coroutine)
 * that takes the next finished task when first awaited.
 */
class NextValue<T> implements PromiseLike<T> {
  private promise: Promise<T> | null = null;
  constructor(private readonly source: AsCompleted<T>) {}
  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<A | B> {
    return (this.promise ??= this.source.takeValue()).then(onFulfilled, onRejected);
  }
  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }
}
