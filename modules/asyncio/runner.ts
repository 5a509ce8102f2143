import { RuntimeError, isInstance } from "./errors";
import { describe } from "./format";
import { run } from "./funcs";
import { getEventLoop, newEventLoop, runtime, type Coro, type Loop } from "./loop";
import { Task } from "./task";
import { readOptions } from "./validate";

/** new Runner()'s options (CPython 3.11's Runner(*, debug=None)). */
export interface RunnerOptions {
  /** Debug mode for each run (Loop.setDebug), restored after it; default: the loop's own. */
  debug?: boolean;
}

/**
 * CPython 3.11's asyncio.Runner: several top-level runs on one loop, then
 * close(). `const runner = new asyncio.Runner(); await runner.run(setup);
 * await runner.run(main); runner.close();` (no `with`: call close()).
 *
 * Each run() is asyncio.run(main, { debug }) on the runner's loop: the
 * current loop when the runner first needs one (asyncio.run here runs on
 * the current loop too, where CPython makes a new one), so tasks made before
 * it (createTask at the top of an app) run in its first run. Tasks a run
 * leaves behind wait on the loop and go on in the next run.
 *
 * close() closes that loop and, if it is still the current one, makes a
 * fresh current loop (CPython unsets it), so a later asyncio.run() works.
 * Unlike CPython's, close() does not cancel the tasks left on the loop: the
 * loop keeps no list of its tasks (see the README); they are dropped without
 * running again. Cancel them yourself, or run them in a TaskGroup.
 */
export class Runner {
  private loop: Loop | null = null;
  private closed = false;
  private readonly debug: boolean | undefined;

  /** @throws TypeError when options is not an object or debug not a boolean. */
  constructor(options?: RunnerOptions) {
    const { debug } = readOptions("Runner", options, ["debug"], "options as an object such as { debug: true }");
    if (debug !== undefined && typeof debug !== "boolean") throw new TypeError(`Runner: expected debug as true or false, got ${describe(debug)}`);
    this.debug = debug as boolean | undefined;
  }

  /**
   * Runs main (a coroutine, an async function or a Task) to the end on the
   * runner's loop; resolves with its value, rejects with its error, as
   * asyncio.run() (CPython's Runner.run(coro)).
   * @throws TypeError when main is none of those; RuntimeError when the
   *   runner is closed, a loop is running (a run not finished, or called
   *   from a task), or newEventLoop() replaced the runner's loop.
   */
  run<T>(main: Coro<T> | Task<T>): Promise<T> {
    if (!isAwaitable(main)) throw new TypeError(`Runner.run: expected a coroutine, a Task or an async function, got ${describe(main)}`);
    const loop = this.getLoop();
    if (runtime().loop !== loop) throw new RuntimeError("Runner.run(): newEventLoop() replaced the runner's loop");
    if (loop.isRunning()) throw new RuntimeError("Runner.run(): cannot be called from a running event loop");
    return this.debug === undefined ? run(main) : run(main, { debug: this.debug });
  }

  /** Closes the runner's loop (see the class); again is a no-op. @throws RuntimeError while a run is going on. */
  close(): void {
    if (this.closed) return;
    const loop = this.loop;
    if (loop !== null) {
      if (loop.isRunning()) throw new RuntimeError("Runner.close(): the loop is running (await the run first)");
      loop.close();
      if (runtime().loop === loop) newEventLoop();
    }
    this.closed = true;
  }

  /** The runner's loop (CPython's Runner.get_loop()). @throws RuntimeError when the runner is closed. */
  getLoop(): Loop {
    if (this.closed) throw new RuntimeError("Runner: the runner is closed");
    if (this.loop === null) {
      const current = getEventLoop();
      this.loop = current.isClosed() ? newEventLoop() : current;
    }
    return this.loop;
  }
}

function isAwaitable(v: unknown): boolean {
  if (typeof v === "function" || isInstance(v, Task)) return true;
  if (v === null || typeof v !== "object") return false;
  try {
    return typeof (v as PromiseLike<unknown>).then === "function";
  } catch {
    return false;
  }
}
