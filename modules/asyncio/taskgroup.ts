import { cancelSafely } from "./cancel";
import { CancelledError, RuntimeError, isCancelledError } from "./errors";
import { getEventLoop, type Coro, type Loop, type TaskOptions } from "./loop";
import { TaskGroupError } from "./syncerrors";
import type { Task } from "./task";
import { checkFunction } from "./validate";
import { PARKED, type Waiter, type WaitHome } from "./waiter";

const NEW = 0;
const ACTIVE = 1;
const DONE = 2;

/**
 * CPython's asyncio.TaskGroup as a scoped call:
 *
 *     await new TaskGroup().run(async (tg) => {
 *       tg.createTask(a);
 *       tg.createTask(b());
 *     });
 *
 * run() waits for the body and every child. When a child (or the body)
 * fails, the body and the other children are cancelled and, once all have
 * ended, run() throws a TaskGroupError whose `errors` lists every failure in
 * the order they happened (the body's last, as in CPython). A child's
 * CancelledError is not an error. When the task awaiting run() is cancelled,
 * the body and the children are cancelled; run() waits for them to end and
 * then raises CancelledError (errors, if any, take priority, as in CPython).
 *
 * The body runs as a task of its own, started like createTask(fn) (in the
 * next step), so that cancelling it never leaves a cancel pending on the
 * caller. run() resolves to the body's return value.
 */
export class TaskGroup implements WaitHome {
  private phase = NEW;
  private loop: Loop | null = null;
  private readonly live = new Set<Task<any>>();
  private readonly errors: unknown[] = [];
  private body: Task<any> | null = null;
  private bodyError: { value: unknown } | null = null;
  /** The body ended with CancelledError nobody asked for: run() re-raises it (CPython). */
  private bodyCancelled: unknown = null;
  private aborting = false;
  private waiter: Waiter<void> | null = null;
  private readonly childDone = (t: Task<any>): void => this.ended(t);

  /** Starts a child task (options as Loop.createTask's: { name }); it is awaited by run() and cancelled with the group. */
  createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
    if (this.phase === NEW) throw new RuntimeError("TaskGroup.createTask(): the group is not running (call it inside run())");
    if (this.phase === DONE) throw new RuntimeError("TaskGroup.createTask(): the group has finished");
    const t = this.loop!.createTask(coro, options);
    if (this.aborting) {
      // CPython 3.13 closes the coroutine; a started one is cancelled instead.
      cancelSafely(this.loop!, t);
      throw new RuntimeError("TaskGroup.createTask(): the group is shutting down");
    }
    this.track(t);
    return t;
  }

  /** Runs body(this), then waits for every child; see the class comment for errors and cancellation. */
  async run<R>(body: (tg: TaskGroup) => R | PromiseLike<R>): Promise<Awaited<R>> {
    checkFunction("TaskGroup.run()", "body", body);
    if (this.phase !== NEW) throw new RuntimeError("TaskGroup.run(): a TaskGroup runs once; make a new one");
    const loop = getEventLoop();
    this.loop = loop;
    this.phase = ACTIVE;
    // Named after the body function, else after the task running the group.
    const bodyTask = loop.createTask(() => body(this), { name: body.name || (loop.current?.name ?? "") });
    this.body = bodyTask;
    this.track(bodyTask);
    let cancelled: unknown = null;
    while (this.live.size > 0) {
      const w = loop.waiter<void>();
      if (w.state === PARKED) {
        w.home = this;
        this.waiter = w;
      }
      try {
        await w;
      } catch (e) {
        this.waiter = null;
        if (!isCancelledError(e)) throw e;
        // The task running the group was cancelled: cancel everything, keep waiting.
        cancelled = e;
        this.abort();
      }
    }
    this.phase = DONE;
    const errors = this.errors;
    if (this.bodyError) errors.push(this.bodyError.value);
    if (errors.length) throw new TaskGroupError(errors.slice());
    if (cancelled !== null) throw cancelled;
    if (this.bodyCancelled !== null) throw this.bodyCancelled;
    return bodyTask.takeOutcome().value as Awaited<R>;
  }

  private track(t: Task<any>): void {
    this.live.add(t);
    t.onDone(this.childDone);
  }

  private ended(t: Task<any>): void {
    if (!this.live.delete(t)) return;
    const { failed, value } = t.takeOutcome();
    if (failed) {
      const cancel = isCancelledError(value);
      if (t === this.body) {
        if (!cancel) this.bodyError = { value };
        else if (!this.aborting) this.bodyCancelled = value;
      } else if (!cancel) this.errors.push(value);
      if ((t === this.body || !cancel) && !this.aborting) this.abort();
    }
    if (this.live.size === 0) {
      const w = this.waiter;
      if (w && w.state === PARKED) {
        this.waiter = null;
        w.home = null;
        w.loop.wake(w, undefined);
      }
    }
  }

  /** Cancels every child still running, then the body (CPython's order). */
  private abort(): void {
    this.aborting = true;
    const loop = this.loop!;
    const body = this.body;
    for (const t of this.live) if (t !== body) cancelSafely(loop, t);
    if (body && this.live.has(body)) cancelSafely(loop, body);
  }

  /** WaitHome: the task awaiting run() was cancelled (run() catches it and aborts). */
  unpark(w: Waiter<any>): boolean {
    if (this.waiter === w) this.waiter = null;
    return true;
  }
}

/** taskGroup(body) is new TaskGroup().run(body). */
export function taskGroup<R>(body: (tg: TaskGroup) => R | PromiseLike<R>): Promise<Awaited<R>> {
  return new TaskGroup().run(body);
}
