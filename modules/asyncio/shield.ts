import { RuntimeError, isInstance } from "./errors";
import { describe } from "./format";
import { getEventLoop, type Coro, type Loop } from "./loop";
import { Future } from "./future";
import { Task } from "./task";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

/**
 * CPython 3.13's asyncio.shield(aw): awaits `aw` (a Task, a started
 * coroutine or promise, or a function that starts one, as createTask takes)
 * as a task of its own that a cancel of the caller does not reach.
 *
 * - The caller cancelled (by cancel(), waitFor, timeout, a TaskGroup) gets
 *   CancelledError at once; the inner task runs on, and its result stays on
 *   it (`const t = createTask(work); await shield(t)` keeps `t` to read it
 *   later). A failure nobody retrieves is then reported as any task's
 *   ("Task exception wasn't retrieved").
 * - The inner task cancelled itself (or by someone holding it): the shield
 *   raises CancelledError.
 * - Otherwise its value or error, as awaiting it would give.
 * - A caller cancelled after the inner task finished, before it resumed,
 *   gets the outcome and the cancel at its next await (nothing lost: the
 *   library's rule, where CPython drops the result).
 *
 * @returns a promise of aw's value.
 * @throws (at the call) TypeError when aw is none of those; RuntimeError
 *   when aw is the calling task itself.
 */
export function shield<T>(aw: Coro<T> | Task<T>): Promise<T> {
  const loop = getEventLoop();
  const inner = toTask<T>(loop, aw);
  if (inner.isFinished()) return inner.settled();
  return shielded(loop, inner);
}

/** @internal A Task as is; a function or a thenable started as one (createTask). */
export function toTask<T>(loop: Loop, aw: unknown, fn = "shield"): Task<T> {
  if (isInstance(aw, Task)) {
    if ((aw as Task<T>).isRunningNow()) throw new RuntimeError(`${fn}: a task can't wait for itself`);
    return aw as Task<T>;
  }
  // Awaited from the inner task: reading a Future's `then` here would park the caller on it.
  if (isInstance(aw, Future)) return loop.createTask(() => aw as Future<T>);
  let ok = typeof aw === "function";
  if (!ok && aw !== null && typeof aw === "object") {
    try {
      ok = typeof (aw as PromiseLike<T>).then === "function";
    } catch {
      // a revoked Proxy, a throwing `then` getter: not an awaitable
    }
  }
  if (!ok) throw new TypeError(`${fn}: expected a task, a coroutine or an async function, got ${describe(aw)}`);
  return loop.createTask(aw as Coro<T>);
}

/** The caller's wait: a cancel of it ends the wait, not the inner task. */
class Guard implements WaitHome {
  waiter: Waiter<void> | null = null;
  // The wake-up keeps the waiter's home: a cancel before the caller resumes
  // reaches unpark() and finds the outcome there to keep.
  readonly done = (): void => {
    const w = this.waiter;
    if (w !== null && w.state === PARKED) w.loop.wake(w, undefined);
  };
  unpark(w: Waiter<any>): boolean {
    if (w.state === PARKED) return true;
    w.owner?.deferCancel();
    return false;
  }
}

async function shielded<T>(loop: Loop, inner: Task<T>): Promise<T> {
  const guard = new Guard();
  // A claim on inner's outcome while the caller waits: let go below, and a
  // failure nobody takes is then reported (Task.offDone).
  inner.onDone(guard.done);
  const w = loop.waiter<void>();
  if (w.state === PARKED) {
    w.home = guard;
    guard.waiter = w;
  }
  try {
    await w;
  } catch (e) {
    inner.offDone(guard.done);
    throw e;
  }
  const { failed, value } = inner.takeOutcome();
  inner.offDone(guard.done);
  if (failed) throw value;
  return value as T;
}
