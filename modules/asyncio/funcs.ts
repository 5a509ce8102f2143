import { CancelledError, RuntimeError, TimeoutError } from "./errors";
import { getEventLoop, type Coro, type Loop } from "./loop";
import { Task } from "./task";
import { describe } from "./ticks";
import { checkDuration, secondsToMs } from "./validate";
import { hookAwait, PARKED, Waiter, type WaitHome } from "./waiter";

/** Suspends the running task for `seconds` (negative means 0; 0 yields to every other ready task). */
export function sleep(seconds: number): Promise<void> {
  if (seconds === 0) return getEventLoop().sleep(0);
  return getEventLoop().sleep(secondsToMs(checkDuration("sleep", seconds, "seconds")));
}

/** MicroPython's sleep_ms. */
export function sleepMs(ms: number): Promise<void> {
  if (ms === 0) return getEventLoop().sleep(0);
  return getEventLoop().sleep(checkDuration("sleepMs", ms, "milliseconds"));
}

export function createTask<T>(coro: Coro<T>): Task<T> {
  return getEventLoop().createTask(coro);
}

/** Runs main until it finishes; resolves with its value or rejects with its error. */
export function run<T>(main: Coro<T> | Task<T>): Promise<T> {
  return getEventLoop().runUntilComplete(main);
}

/** The task whose code is running; throws outside any task. */
export function currentTask(): Task<any> {
  const loop = getEventLoop();
  const t = loop.current;
  if (t === null || !loop.isRunning()) throw new RuntimeError("currentTask(): no task is running");
  return t;
}

function promote<T>(loop: Loop, aw: Coro<T> | Task<T>, fn: string): Task<T> {
  if (aw instanceof Task) return aw;
  if (typeof aw !== "function" && (aw === null || typeof aw !== "object" || typeof (aw as PromiseLike<T>).then !== "function")) {
    throw new TypeError(`${fn}: expected a task, a coroutine or an async function, got ${describe(aw)}`);
  }
  return loop.createTask(aw);
}

// ---- waitFor ----------------------------------------------------------------

/**
 * Waits for aw with a timeout in seconds (null: no limit). On timeout aw is
 * cancelled and, once it has ended, TimeoutError is raised. Built like
 * MicroPython's wait_for: a runner task awaits aw while the caller sleeps.
 */
export function waitFor<T>(aw: Coro<T> | Task<T>, seconds: number | null): Promise<T> {
  if (seconds === null || seconds === undefined) return waitForLimit(aw, null, "waitFor");
  return waitForLimit(aw, secondsToMs(checkDuration("waitFor", seconds, "seconds")), "waitFor");
}

/** MicroPython's wait_for_ms. */
export function waitForMs<T>(aw: Coro<T> | Task<T>, ms: number | null): Promise<T> {
  if (ms === null || ms === undefined) return waitForLimit(aw, null, "waitForMs");
  return waitForLimit(aw, checkDuration("waitForMs", ms, "milliseconds"), "waitForMs");
}

interface Finish {
  failed: boolean;
  value: unknown;
}

function waitForLimit<T>(aw: Coro<T> | Task<T>, ms: number | null, fn: string): Promise<T> {
  const loop = getEventLoop();
  const inner = promote(loop, aw, fn);
  if (ms === null) return inner.awaiter() as Promise<T>;
  // Created now, in the caller's step, so the caller owns it.
  const sleeper = loop.sleep(ms);
  const finished: { outcome: Finish | null } = { outcome: null };
  const runner = loop.createTask(async () => {
    let outcome: Finish;
    try {
      outcome = { failed: false, value: await inner };
    } catch (er) {
      outcome = { failed: true, value: er };
    }
    if (sleeper.state === PARKED) {
      // aw ended first: wake the caller early.
      finished.outcome = outcome;
      loop.wakeEarly(sleeper);
    }
  });
  return waitForEnd(sleeper, runner, finished);
}

async function waitForEnd<T>(sleeper: Promise<void>, runner: Task<void>, finished: { outcome: Finish | null }): Promise<T> {
  try {
    await sleeper;
  } catch (er) {
    // Cancelled from outside: cancel aw (through the runner) and re-raise.
    runner.cancel();
    throw er;
  }
  const outcome = finished.outcome;
  if (outcome) {
    if (outcome.failed) throw outcome.value;
    return outcome.value as T;
  }
  runner.cancel();
  await runner;
  throw new TimeoutError();
}

// ---- gather -----------------------------------------------------------------

type Gathered<T> = T extends Task<infer R> ? R : T extends () => infer R ? Awaited<R> : Awaited<T>;

class GatherWaiter extends Waiter<unknown[]> implements WaitHome {
  tasks!: Task<any>[];
  returnExceptions = false;
  pending = 0;
  cancelAll = false;
  readonly childDone = (t: Task<any>): void => {
    if (this.state !== PARKED) return;
    if (!this.returnExceptions && t.peekOutcome().failed) {
      this.loop.wake(this, undefined);
      return;
    }
    if (--this.pending === 0) this.loop.wake(this, undefined);
  };
  unpark(): boolean {
    this.cancelAll = true;
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
    const results: unknown[] = [];
    let error: { value: unknown } | null = this.failed ? { value: this.value } : null;
    for (const t of this.tasks) {
      if (!t.isFinished()) {
        t.offDone(this.childDone);
        if (this.cancelAll) t.cancel();
        continue;
      }
      const { failed, value } = t.takeOutcome();
      if (!failed) results.push(value);
      else if (this.returnExceptions) results.push(value);
      else if (error === null) error = { value };
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
  if (!Array.isArray(aws)) throw new TypeError(`gather: expected an array of awaitables, got ${describe(aws)}`);
  const returnExceptions = !!options.returnExceptions;
  const loop = getEventLoop();
  const started = aws.filter((aw) => !(aw instanceof Task) && typeof aw !== "function").length;
  let index = 0;
  const tasks = aws.map((aw) => {
    if (!(aw instanceof Task) && typeof aw !== "function") {
      if (aw === null || typeof aw !== "object" || typeof (aw as PromiseLike<unknown>).then !== "function") {
        throw new TypeError(`gather: expected a task, a coroutine or an async function, got ${describe(aw)}`);
      }
      return loop.spawn(aw as PromiseLike<unknown>, { count: started, index: index++ });
    }
    return promote(loop, aw as Coro<unknown>, "gather");
  });
  const w = new GatherWaiter(loop, loop.current);
  w.tasks = tasks;
  w.returnExceptions = returnExceptions;
  if (w.owner) w.owner.attach(w);
  if (w.state !== PARKED) {
    w.cancelAll = true;
    return w as unknown as Promise<any>;
  }
  let failedEarly = false;
  for (const t of tasks) {
    if (!t.isFinished()) {
      t.onDone(w.childDone);
      w.pending++;
    } else if (t.peekOutcome().failed && !returnExceptions) failedEarly = true;
  }
  if (w.pending === 0 || failedEarly) {
    w.collect();
    w.state = 2;
    if (w.owner) w.owner.detach(w);
    if (w.failed) {
      w.awaited = true;
      return Promise.reject(w.value);
    }
    return Promise.resolve(w.value) as Promise<any>;
  }
  w.home = w;
  return w as unknown as Promise<any>;
}

export { CancelledError };
