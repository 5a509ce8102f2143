import { cancelSafely } from "./cancel";
import { cancelledError, isCancelledError } from "./errors";
import { describe } from "./format";
import { toTasks } from "./funcs";
import { getEventLoop, type Loop } from "./loop";
import type { Task } from "./task";
import { LoopTimer } from "./timer";
import { copyArray, checkDuration, isArray, readOptions, secondsToMs } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/** wait() returns when any awaitable finishes (CPython's asyncio.FIRST_COMPLETED). */
export const FIRST_COMPLETED = "FIRST_COMPLETED" as const;
/** wait() returns when any awaitable raises (not counting cancellation), or when all have finished. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION" as const;
/** wait() returns when every awaitable has finished (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED" as const;
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** Seconds (null or absent: no limit). On the limit wait() returns the sets as they are; it raises nothing. */
  timeout?: number | null;
  returnWhen?: ReturnWhen;
}

type Result<A> = A extends Task<infer R> ? R : A extends () => infer R ? Awaited<R> : Awaited<A>;

/**
 * Parks the calling task until enough of `tasks` have finished, the limit
 * passes, or the caller is cancelled. Claims every unfinished task's outcome
 * while it watches (see Task.onDone) and lets go when it stops.
 */
class Watch implements WaitHome {
  /** Tasks in the order they finished (those finished at the start first, in their given order). */
  readonly finished: Task<any>[] = [];
  private waiter: Waiter<void> | null = null;
  private readonly watched: Task<any>[] = [];
  private readonly loop: Loop;
  private readonly tasks: Task<any>[];
  private mode: ReturnWhen;
  private failedOne = false;
  /** Distinct tasks (the same task may be passed twice). */
  private readonly total: number;

  constructor(loop: Loop, tasks: Task<any>[], mode: ReturnWhen) {
    this.loop = loop;
    this.tasks = tasks;
    this.mode = mode;
    this.total = new Set(tasks).size;
    for (const t of tasks) {
      if (this.watched.includes(t)) continue;
      if (t.isFinished()) this.note(t);
      else {
        t.onDone(this.childDone);
        this.watched.push(t);
      }
    }
  }

  private note(t: Task<any>): void {
    if (this.finished.includes(t)) return;
    this.finished.push(t);
    const { failed, value } = t.peekOutcome();
    if (failed && !isCancelledError(value)) this.failedOne = true;
  }
  /** The owner of the last waiter the caller resumed from (see within()). */
  owner: Task<any> | null = null;
  /** race()'s wind-down: the losers were cancelled; stop at those a cancel cannot reach. */
  settling = false;

  satisfied(): boolean {
    if (this.finished.length === this.total) return true;
    if (this.settling) return this.tasks.every((t) => t.isFinished() || !t.reachable());
    if (this.mode === FIRST_COMPLETED) return this.finished.length > 0;
    if (this.mode === FIRST_EXCEPTION) return this.failedOne;
    return false;
  }
  private readonly childDone = (t: Task<any>): void => {
    this.note(t);
    if (this.satisfied()) this.wakeUp();
  };
  private wakeUp(): void {
    const w = this.waiter;
    if (w && w.state === PARKED) {
      this.waiter = null;
      w.home = null;
      w.loop.wake(w, undefined);
    }
  }

  /**
   * Waits for `mode` (or the limit). Returns false when the caller was
   * cancelled meanwhile (with `uncancellable`, it keeps waiting and reports
   * the cancel at the end), true otherwise.
   */
  async until(mode: ReturnWhen, ms: number | null, uncancellable: boolean): Promise<boolean> {
    this.mode = mode;
    if (this.satisfied()) return true;
    let cancelled = false;
    const timer = ms === null ? null : new LoopTimer(() => this.wakeUp());
    timer?.start(ms!);
    try {
      while (!this.satisfied()) {
        const w = this.loop.waiter<void>();
        if (w.state === PARKED) {
          w.home = this;
          this.waiter = w;
        }
        try {
          await w;
          this.owner = w.owner;
        } catch (e) {
          this.owner = w.owner;
          this.waiter = null;
          if (!isCancelledError(e)) throw e;
          cancelled = true;
          if (!uncancellable) throw e;
        }
        if (timer && !timer.running()) break;
      }
    } finally {
      timer?.stop();
    }
    return !cancelled;
  }
  /** Stops watching: outcomes nobody took are reported as unretrieved errors. */
  release(): void {
    for (const t of this.watched) t.offDone(this.childDone);
    this.watched.length = 0;
  }
  /** WaitHome: the caller was cancelled. */
  unpark(w: Waiter<any>): boolean {
    if (this.waiter === w) this.waiter = null;
    return true;
  }
}

function checkAws(fn: string, aws: unknown): readonly unknown[] {
  if (!isArray(aws)) throw new TypeError(`${fn}: expected an array of awaitables (${fn}([a(), b()]), not ${fn}(a(), b())), got ${describe(aws)}`);
  const list = copyArray(fn, "an array of awaitables", aws);
  if (list.length === 0) throw new RangeError(`${fn}: the array of awaitables is empty`);
  return list;
}

/**
 * CPython's asyncio.wait(): runs every awaitable as a task and waits until
 * `returnWhen` holds (ALL_COMPLETED by default) or `timeout` seconds pass;
 * resolves to `[done, pending]`, two Sets of Tasks. Nothing is cancelled:
 * pending tasks run on (cancel them, or await them later), and a done
 * task's result or error is read with `task.result()` / `task.exception()`
 * (an error nobody reads is reported as "Task exception wasn't retrieved").
 * Use wait() when you need every outcome; race() when only the first
 * matters and the others should stop.
 * @throws (at the call) TypeError for a non-array, a non-awaitable, a bad
 *   timeout or returnWhen; RangeError for an empty array or ±Infinity;
 *   RuntimeError for the calling task itself. (At the await) CancelledError
 *   when the calling task is cancelled (the tasks keep running, CPython).
 */
export function wait<T extends readonly unknown[]>(aws: T, options: WaitOptions = {}): Promise<[Set<Task<any>>, Set<Task<any>>]> {
  const list = checkAws("wait", aws);
  const read = readOptions("wait", options, ["returnWhen", "timeout"], "options as an object such as { returnWhen: FIRST_COMPLETED, timeout: 5 }");
  const returnWhen = read.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new TypeError(`wait: expected returnWhen to be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${describe(returnWhen)}`);
  }
  const limit = read.timeout;
  const ms = limit === null || limit === undefined ? null : secondsToMs(checkDuration("wait", limit, "seconds"));
  const loop = getEventLoop();
  return waitFor(loop, toTasks(loop, list, "wait"), returnWhen, ms);
}

async function waitFor(loop: Loop, tasks: Task<any>[], returnWhen: ReturnWhen, ms: number | null): Promise<[Set<Task<any>>, Set<Task<any>>]> {
  const watch = new Watch(loop, tasks, returnWhen);
  try {
    await watch.until(returnWhen, ms, false);
  } finally {
    watch.release();
  }
  const done = new Set<Task<any>>();
  const pending = new Set<Task<any>>();
  for (const t of tasks) (t.isFinished() ? done : pending).add(t);
  return [done, pending];
}

/** What race() resolves to. */
export interface RaceResult<V> {
  /** Position in the array of the awaitable that finished first. */
  index: number;
  /** Its value. */
  value: V;
  /**
   * Others that had also finished with a value before they could be
   * cancelled (usually none): their values, so that nothing they took
   * (a queue item, a lock) is lost.
   */
  alsoDone: { index: number; value: V }[];
}

/**
 * The first of several awaitables to finish wins; the others are cancelled
 * and race() waits until they have ended (Embassy's select, Trio's
 * first-completed nursery). Resolves to `{ index, value, alsoDone }`; if
 * the first to finish raised, race() raises that error. Unlike
 * Promise.race, the losers do not stay registered or run on: a losing
 * `q.get()` or `lock.acquire()` takes nothing, and one that had already
 * taken something is listed in `alsoDone`. When the calling task is
 * cancelled, every awaitable is cancelled; if one had finished anyway, the
 * caller gets the result and the cancel at its next await, else
 * CancelledError.
 * @throws (at the call) TypeError for a non-array or a non-awaitable;
 *   RangeError for an empty array; RuntimeError for the calling task itself.
 */
export function race<T extends readonly unknown[]>(aws: T): Promise<RaceResult<Result<T[number]>>> {
  const list = checkAws("race", aws);
  const loop = getEventLoop();
  return raceOf(loop, loop.current, toTasks(loop, list, "race"));
}

async function raceOf<V>(loop: Loop, caller: Task<any> | null, tasks: Task<any>[]): Promise<RaceResult<V>> {
  const watch = new Watch(loop, tasks, FIRST_COMPLETED);
  let cancelled = false;
  // The caller's cancel's message (Task.cancel(msg)): passed on to the tasks and to the caller's error.
  let message: string | undefined;
  try {
    try {
      await watch.until(FIRST_COMPLETED, null, false);
    } catch (e) {
      // The caller was cancelled: stop waiting for a winner, cancel them all.
      if (!isCancelledError(e)) throw e;
      cancelled = true;
      // ("cancelled", CancelledError's own, when it had none: the same text.)
      message = (e as Error).message;
    }
    for (const t of tasks) if (!t.isFinished()) cancelSafely(loop, t, message);
    // Wait for the losers to end, except those the cancel cannot reach
    // (awaiting a plain promise): they run on, unwaited.
    watch.settling = true;
    if (!(await watch.until(ALL_COMPLETED, null, true))) cancelled = true;
  } finally {
    watch.release();
  }
  const order = watch.finished;
  // Not cancelled: the first to finish wins, whatever it raised (as
  // Promise.race); it finished before race() cancelled anything. Cancelled:
  // only a value is worth returning (nothing lost), else CancelledError.
  const winner = !cancelled ? order[0] : order.find((t) => !t.peekOutcome().failed);
  if (winner === undefined) throw cancelledError(message);
  const first = winner.takeOutcome();
  const alsoDone: { index: number; value: V }[] = [];
  for (const t of order) {
    if (t === winner || t.peekOutcome().failed) continue;
    alsoDone.push({ index: tasks.indexOf(t), value: t.takeOutcome().value as V });
  }
  const owner = watch.owner ?? caller;
  if (cancelled && owner !== null) owner.deferCancel(message);
  if (first.failed) throw first.value;
  return { index: tasks.indexOf(winner), value: first.value as V, alsoDone };
}
