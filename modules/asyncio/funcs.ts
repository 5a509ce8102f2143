import { CancelledError, RuntimeError, currentCancelMessage } from "./errors";
import { within } from "./timeout";
import { getEventLoop, settledNow, type Coro, type Loop, type TaskOptions } from "./loop";
import { Task } from "./task";
import { Future } from "./future";
import { describe } from "./ticks";
import { copyArray, checkDuration, isArray, readOptions, secondsToMs } from "./validate";
import { hookAwait, PARKED, Waiter, type WaitHome } from "./waiter";

export { sleep, sleepMs } from "./loop";

/** Schedules a coroutine as a task on the current loop; see Loop.createTask. */
export function createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
  return getEventLoop().createTask(coro, options);
}

/** asyncio.run's options (CPython 3.12's run(main, *, debug=None)). */
export interface RunOptions {
  /** Sets the loop's debug mode for this run (Loop.setDebug): slow steps are reported naming their task. */
  debug?: boolean;
}

/**
 * Runs main until it finishes; resolves with its value or rejects with its error.
 * `{ debug: true }` turns debug mode on for this run (CPython 3.12's run(main, debug=True)).
 * @throws TypeError when options is not an object or debug not a boolean;
 *   RuntimeError when a loop is running already (CPython).
 */
export function run<T>(main: Coro<T> | Task<T>, options?: RunOptions): Promise<T> {
  const loop = getEventLoop();
  const { debug } = readOptions("run", options, ["debug"], "options as an object such as { debug: true }");
  if (debug !== undefined && typeof debug !== "boolean") throw new TypeError(`run: expected debug as true or false, got ${describe(debug)}`);
  // CPython's words; in a task, main is awaited, not run.
  if (loop.isRunning()) throw new RuntimeError("run: cannot be called from a running event loop (in a task: await main(), or asyncio.createTask(main))");
  if (debug === undefined) return loop.runUntilComplete(main);
  // For this run only, as CPython's run() (which makes a loop per run);
  // set before the run arms its first turn, so that turn is timed too.
  const before = loop.getDebug();
  loop.setDebug(debug as boolean);
  let done: Promise<T>;
  try {
    done = loop.runUntilComplete(main);
  } catch (e) {
    loop.setDebug(before);
    throw e;
  }
  return done.finally(() => loop.setDebug(before));
}

/**
 * Called before any loop runs, the likely cause: JavaScript runs an async
 * function up to its first await when it is called, so `asyncio.run(main())`
 * runs main's start before run() does.
 */
const NOT_STARTED = " (no loop is running; if this is main's start, asyncio.run(main()) runs main up to its first await before the loop starts: pass the function, asyncio.run(main))";

/**
 * The task whose code is running (MicroPython's current_task()).
 * @throws RuntimeError outside any task.
 */
export function currentTask(): Task<any> {
  const loop = getEventLoop();
  const t = loop.current;
  if (!loop.isRunning()) throw new RuntimeError(`currentTask(): no task is running${NOT_STARTED}`);
  if (t === null) throw new RuntimeError("currentTask(): no task is running");
  return t;
}

/**
 * CPython's asyncio.get_running_loop(): the loop that is running now (the
 * caller is a task, a callback or code it runs).
 * @throws RuntimeError when no loop is running.
 */
export function getRunningLoop(): Loop {
  const loop = getEventLoop();
  if (!loop.isRunning()) throw new RuntimeError(`getRunningLoop(): no running event loop${NOT_STARTED}`);
  return loop;
}

function promote<T>(loop: Loop, aw: Coro<T> | Task<T>, fn: string): Task<T> {
  if (aw instanceof Task) return aw;
  // Awaited from a task of its own: reading a Future's `then` here would park the caller on it.
  if (aw instanceof Future) return loop.createTask(() => aw as Future<T>);
  if (typeof aw !== "function" && (aw === null || typeof aw !== "object" || typeof (aw as PromiseLike<T>).then !== "function")) {
    throw new TypeError(`${fn}: expected a task, a coroutine or an async function, got ${describe(aw)}`);
  }
  return loop.createTask(aw);
}

/**
 * @internal Tasks for gather/wait/race: tasks as they are, functions started
 * as tasks, and started coroutines each paired with the one awaitable it
 * parked on (see Loop.adopt). Checks every element first: a bad one throws
 * TypeError before any task is made.
 */
export function toTasks(loop: Loop, aws: readonly unknown[], fn: string): Task<unknown>[] {
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    if (typeof aw === "function") continue;
    if (aw instanceof Task) {
      if (aw.isRunningNow()) throw new RuntimeError(`${fn}: a task can't wait for itself`);
      continue;
    }
    if (aw === null || typeof aw !== "object" || typeof (aw as PromiseLike<unknown>).then !== "function") {
      throw new TypeError(`${fn}: expected a task, a coroutine or an async function, got ${describe(aw)}`);
    }
  }
  // A Waiter (sleep(1), event.wait()) is adopted as it is; started coroutines are paired with what they parked on.
  const coros: PromiseLike<unknown>[] = [];
  const slots: number[] = [];
  const tasks: (Task<unknown> | null)[] = [];
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    if (typeof aw === "function") tasks.push(loop.createTask(aw as () => unknown));
    else if (aw instanceof Task) tasks.push(aw);
    else if (aw instanceof Future) tasks.push(loop.createTask(() => aw));
    else if (aw instanceof Waiter) tasks.push(loop.spawn(aw as PromiseLike<unknown>));
    else {
      coros.push(aw as PromiseLike<unknown>);
      slots.push(i);
      tasks.push(null);
    }
  }
  if (coros.length === 0) return tasks as Task<unknown>[];
  const group = loop.spawnGroup(coros);
  for (let k = 0; k < slots.length; k++) tasks[slots[k]] = group[k];
  return tasks as Task<unknown>[];
}

// ---- waitFor ----------------------------------------------------------------

/**
 * Waits for aw (a task, a coroutine, an async function) with a limit in
 * seconds (null: no limit); on the deadline aw is cancelled and, once it has
 * ended, TimeoutError is raised. CPython 3.12 semantics (see timeout()): an
 * outcome that exists when the caller resumes wins over the timeout; a limit
 * ≤ 0 gives the result only if aw completes without waiting, else
 * TimeoutError; CancelledError only when the calling task was cancelled; a
 * caller cancelled after aw completed still gets aw's outcome, and the
 * cancel arrives at its next await, so nothing aw took is lost.
 * @throws TypeError for a non-awaitable or a bad limit; RangeError for ±Infinity; TimeoutError.
 */
export function waitFor<T>(aw: Coro<T> | Task<T>, seconds: number | null): Promise<T> {
  if (seconds === null || seconds === undefined) return waitForLimit(aw, null, "waitFor");
  return waitForLimit(aw, secondsToMs(checkDuration("waitFor", seconds, "seconds")), "waitFor");
}

/** MicroPython's wait_for_ms: waitFor() with the limit in milliseconds. */
export function waitForMs<T>(aw: Coro<T> | Task<T>, ms: number | null): Promise<T> {
  if (ms === null || ms === undefined) return waitForLimit(aw, null, "waitForMs");
  return waitForLimit(aw, checkDuration("waitForMs", ms, "milliseconds"), "waitForMs");
}

function waitForLimit<T>(aw: Coro<T> | Task<T>, ms: number | null, fn: string): Promise<T> {
  const loop = getEventLoop();
  return within(loop, promote(loop, aw, fn), ms);
}

// ---- gather -----------------------------------------------------------------

type Gathered<T> = T extends Task<infer R> ? R : T extends () => infer R ? Awaited<R> : Awaited<T>;

class GatherWaiter extends Waiter<unknown[]> implements WaitHome {
  tasks!: Task<any>[];
  returnExceptions = false;
  pending = 0;
  cancelAll = false;
  /** The message of the cancel that set cancelAll (Task.cancel(msg)): the children get it, as CPython's gather passes it on. */
  cancelMessage: string | undefined = undefined;
  /** Children gather called onDone() on (those unfinished when it began). */
  watched: boolean[] = [];
  readonly childDone = (t: Task<any>): void => {
    if (this.state !== PARKED) return;
    if (!this.returnExceptions && t.hasFailed()) {
      this.loop.wake(this, undefined);
      return;
    }
    if (--this.pending === 0) this.loop.wake(this, undefined);
  };
  unpark(w: Waiter<any>): boolean {
    // Woken: the outcome is decided and the children's results are taken;
    // the caller gets them and its cancel at its next await (nothing lost).
    if (w.state !== PARKED) {
      w.owner?.deferCancel();
      return false;
    }
    this.cancelAll = true;
    this.cancelMessage = currentCancelMessage();
    return true;
  }
  override run(loop: Loop): void {
    loop.current = this.owner;
    this.home = null;
    this.collect();
    this.settle();
  }
  /** Decides the outcome once woken (or cancelled), as MicroPython's gather does after its yield. */
  collect(): void {
    const tasks = this.tasks;
    // Woken by a cancel: the waiter already holds the CancelledError.
    const cancelled = this.failed === true;
    let error: { value: unknown } | null = cancelled ? { value: this.value } : null;
    if (!cancelled && !this.returnExceptions) {
      for (const t of tasks) {
        if (t.isFinished() && t.hasFailed()) {
          error = { value: t.take() };
          break;
        }
      }
    }
    // Only the outcomes the gather uses are taken; an error it drops (a
    // second failure, one after the gather was cancelled, a child still
    // running) is reported as unretrieved once onDone's claim is let go.
    const results: unknown[] = [];
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i];
      if (!t.isFinished()) {
        if (this.cancelAll) t.cancel(this.cancelMessage);
      } else if (error === null) results.push(t.take());
      if (this.watched[i]) t.offDone(this.childDone);
    }
    if (error) {
      this.failed = true;
      this.value = error.value;
    } else {
      this.failed = false;
      this.value = results;
    }
  }
}

hookAwait(GatherWaiter.prototype);

export interface GatherOptions {
  /** Put errors in the result array instead of raising the first one. */
  returnExceptions?: boolean;
}

/**
 * Runs every awaitable as a task and resolves with their results in order.
 * Without returnExceptions the first error is raised (the others keep
 * running); cancelling the gather cancels every unfinished child.
 */
export function gather<const T extends readonly unknown[]>(aws: T, options: GatherOptions = {}): Promise<{ -readonly [K in keyof T]: Gathered<T[K]> }> {
  if (!isArray(aws)) throw new TypeError(`gather: expected an array of awaitables (gather([a(), b()]), not gather(a(), b())), got ${describe(aws)}`);
  const list = copyArray("gather", "an array of awaitables", aws);
  const returnExceptions = !!readOptions("gather", options, ["returnExceptions"], "options as an object such as { returnExceptions: true }").returnExceptions;
  const loop = getEventLoop();
  const tasks = toTasks(loop, list, "gather");
  const w = new GatherWaiter(loop, loop.current);
  w.tasks = tasks;
  w.returnExceptions = returnExceptions;
  if (w.owner) w.owner.attach(w);
  if (w.state !== PARKED) {
    w.cancelAll = true;
    return w as unknown as Promise<any>;
  }
  let failedEarly = false;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const running = !t.isFinished();
    w.watched.push(running);
    if (running) {
      t.onDone(w.childDone);
      w.pending++;
    } else if (t.hasFailed() && !returnExceptions) failedEarly = true;
  }
  if (w.pending === 0 || failedEarly) {
    w.collect();
    w.state = 2;
    if (w.owner) w.owner.detach(w);
    if (w.failed) {
      w.awaited = loop.step;
      return Promise.reject(w.value);
    }
    return settledNow(w.value) as Promise<any>;
  }
  w.home = w;
  return w as unknown as Promise<any>;
}

export { CancelledError };
