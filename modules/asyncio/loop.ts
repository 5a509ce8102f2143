import { CancelledError, RuntimeError, cancelledError, currentCancelMessage, isInstance } from "./errors";
import { TimerHeap } from "./heap";
import { GlobalTimersHost, type Host } from "./host";
import { describe, formatError, safeString } from "./format";
import { checkDuration, checkFunction, readOptions, secondsToMs } from "./validate";
import { Handle, TimerHandle } from "./handles";
import { Future } from "./future";
import { Task, TASK_CANCEL_REQUESTED } from "./task";
import { DONE, PARKED, READY, Waiter, type Runnable, type Scheduler, type WaitHome } from "./waiter";

/** Something createTask accepts: a started coroutine (promise) or a function that starts one. */
export type Coro<T> = PromiseLike<T> | (() => PromiseLike<T> | T);

export interface ExceptionContext {
  message: string;
  exception: unknown;
  future: Task<any> | null;
  /** The callback's handle, for an exception in a loop.callSoon()/callLater()/callAt() callback (CPython's context["handle"]). */
  handle?: Handle;
}
/** An async handler's failure goes to the default handler. */
export type ExceptionHandler = (loop: Loop, context: ExceptionContext) => unknown;

/** createTask's options (CPython's create_task(coro, name=...)). */
export interface TaskOptions {
  /** Shown in reports and by Task.getName(); default: the async function's name. */
  name?: string;
}

/** @throws TypeError: options not an object, name not a string. Called only when options were given. */
function taskName(fn: string, options: TaskOptions): string | undefined {
  const { name } = readOptions(fn, options, ["name"], 'options as an object such as { name: "blink" }');
  if (name !== undefined && typeof name !== "string") throw new TypeError(`${fn}: expected the name as a string, got ${describe(name)}`);
  return name;
}

/** Items in the timer heap: sleeping waiters and internal deadlines (LoopTimer). */
export interface Sleeper extends Runnable {
  deadline: number;
  seq: number;
  heapIndex: number;
  expired(): void;
}

// Run-time state lives in an object made at run time, reached through the
// global object: Moddable freezes preloaded modules, bindings included.
interface Runtime {
  loop: Loop | null;
  host: Host | null;
}
const RUNTIME_KEY = Symbol.for("moddable-asyncio.runtime");
// The object itself is cached here too (a module variable is writable at run
// time even when preloaded); every sleep() goes through it.
let cachedRuntime: Runtime | undefined;
export function runtime(): Runtime {
  if (cachedRuntime !== undefined) return cachedRuntime;
  const g = globalThis as unknown as Record<symbol, Runtime | undefined>;
  return (cachedRuntime = g[RUNTIME_KEY] ?? (g[RUNTIME_KEY] = { loop: null, host: null }));
}

/** Installs the host new loops use (hosts/<platform> call this); returns the previous one. */
export function setHost(host: Host): Host | null {
  const rt = runtime();
  const previous = rt.host;
  rt.host = host;
  return previous;
}
export function getHost(): Host {
  const rt = runtime();
  return rt.host ?? (rt.host = new GlobalTimersHost());
}

/**
 * The result of a fast path (a free lock, a set event, a queued item) as a
 * settled promise. Awaiting it parks nothing, so on a host whose turns come
 * between promise jobs the loop cannot see that the step's task is still
 * going; this tells it, so a task that runs many fast paths in a row keeps
 * its step (and its identity) instead of being taken for one that awaits
 * something outside asyncio. @internal
 */
export function settledNow<T>(value: T): Promise<T> {
  noteProgress();
  return Promise.resolve(value);
}
/** @internal See settledNow(); for fast paths inside async functions. */
export function noteProgress(): void {
  const loop = runtime().loop;
  if (loop !== null) loop.progressed();
}

/**
 * Suspends the running task for `seconds` (MicroPython's asyncio.sleep;
 * negative means 0; 0 yields to every other ready task).
 * @throws TypeError for NaN or a non-number; RangeError for ±Infinity.
 */
export function sleep(seconds: number): Promise<void> {
  // The hottest call in a program: the loop straight from the cache.
  const loop = cachedRuntime?.loop ?? getEventLoop();
  if (seconds === 0) return loop.sleep(0);
  return loop.sleep(secondsToMs(checkDuration("sleep", seconds, "seconds")));
}

/** MicroPython's sleep_ms: sleep() in milliseconds. @throws as sleep(). */
export function sleepMs(ms: number): Promise<void> {
  const loop = cachedRuntime?.loop ?? getEventLoop();
  if (ms === 0) return loop.sleep(0);
  return loop.sleep(checkDuration("sleepMs", ms, "milliseconds"));
}

/** The current loop (created on first use), as in MicroPython. */
export function getEventLoop(): Loop {
  const rt = cachedRuntime ?? runtime();
  return rt.loop ?? (rt.loop = new Loop());
}

/**
 * Replaces the current loop with a fresh one; the old loop stops scheduling
 * (MicroPython). @throws RuntimeError while the current loop is running:
 * replacing it would strand every task on it, the caller included.
 */
export function newEventLoop(host?: Host): Loop {
  const rt = runtime();
  if (rt.loop?.isRunning()) throw new RuntimeError("newEventLoop(): the current event loop is running; call it before run() or after the loop has stopped");
  rt.loop?.abandon();
  return (rt.loop = new Loop(host));
}

const IMMEDIATE = -Infinity;
const IDLE = Infinity;
/** Longest single host timer; a longer sleep re-arms (keeps host timers in range). */
const MAX_ARM_MS = 3_600_000;
/**
 * On hosts without exact turns, how many turns a step may stay open (its task
 * neither parked nor finished) before the loop assumes the task awaits
 * something outside asyncio and moves on.
 */
const MAX_OPEN_STEP_TURNS = 256;
/** See Loop.unsure. */
const QUIET_TURNS = 8;

class StopMarker implements Runnable {
  run(loop: Scheduler): void {
    loop.current = null;
    (loop as Loop).halt();
  }
}

class UnretrievedReport implements Runnable {
  constructor(private readonly task: Task<any>) {}
  run(loop: Scheduler): void {
    loop.current = null;
    const t = this.task;
    const { failed, value, retrieved } = t.peekOutcome();
    if (failed && !retrieved) (loop as Loop).callExceptionHandler({ message: "Task exception wasn't retrieved", exception: value, future: t });
  }
}

/**
 * The event loop: a FIFO of ready entries, a heap of sleepers, one host
 * timer. Each host turn runs ONE ready entry (a "step"), so every promise job
 * of the task resumed by that step runs before the next task resumes.
 */
export class Loop implements Scheduler {
  readonly host: Host;
  /** The task whose step is running (or ran last, until the next turn). */
  current: Task<any> | null = null;
  /** Counts the steps run (see Waiter.awaited). */
  step = 1;
  captured: (value: unknown) => void = ignoreValue;
  readonly capture = (resolve: (value: any) => void): void => {
    this.captured = resolve;
  };
  /** A Host.next tick is on its way (a new run must not start a second chain of turns). */
  private nextPending = false;
  // The ready queue: a list threaded through the entries' `next` (an entry
  // is queued at most once at a time), so a step allocates nothing.
  private readyHead: Runnable | null = null;
  private readyTail: Runnable | null = null;
  /** The host's turns may come between promise jobs (Host.exactTurns). */
  private readonly inexact: boolean;
  readonly compactHeap: boolean;
  /** The host has Host.next: the turn after each step. */
  private readonly hasNext: boolean;
  /** Waiters woken from outside the running step (ThreadSafeFlag); they join `ready` at the next turn, like MicroPython's I/O poll. */
  private readonly polled: Waiter<any>[] = [];
  private readonly sleepers = new TimerHeap<Sleeper>();
  private seq = 0;
  private running = false;
  private closed = false;
  private inTick = false;
  private armedAt = IDLE;
  /** The running step's task has not parked on an awaitable or finished yet. */
  private stepOpen = false;
  private openStepTurns = 0;
  /**
   * On hosts without exact turns: the step's task went through a fast path,
   * or waits on several waiters (Promise.race of a settled and a pending
   * awaitable goes on at once): its parking is not certain, so
   * the loop starts the next step only after a turn in which it made no
   * progress (no waiter, no fast path).
   */
  private unsure = false;
  private progress = 0;
  private progressSeen = -1;
  private quietTurns = 0;

  /** An unsure step is over after QUIET_TURNS turns in a row without progress (a Promise.race settles in a few job generations). */
  private stillBusy(): boolean {
    if (this.progress !== this.progressSeen) {
      this.progressSeen = this.progress;
      this.quietTurns = 0;
      return true;
    }
    return ++this.quietTurns < QUIET_TURNS;
  }
  private mainTask: Task<any> | null = null;
  private settleRun: ((v: unknown) => void) | null = null;
  private failRun: ((e: unknown) => void) | null = null;
  /** The promise run()/runUntilComplete()/runForever() returned, while it runs. */
  private runPromise: RunPromise<unknown> | null = null;
  private stopMarker: StopMarker | null = null;
  private exceptionHandler: ExceptionHandler | null = null;
  /** Waiters made outside any task since the last turn: a coroutine started outside a task parked on them (see adopt). */
  private readonly unowned: Waiter<any>[] = [];

  constructor(host?: Host) {
    this.host = host ?? getHost();
    this.inexact = this.host.exactTurns === false;
    this.compactHeap = this.host.compactHeap !== false;
    this.hasNext = !this.inexact && typeof this.host.next === "function";
  }

  /** Queues an entry, once: one already queued (a LoopTimer restarted while its expiry waits) keeps its place. */
  private enqueue(entry: Runnable): void {
    if ((entry.next !== undefined && entry.next !== null) || this.readyTail === entry) return;
    entry.next = null;
    if (this.readyTail === null) this.readyHead = entry;
    else this.readyTail.next = entry;
    this.readyTail = entry;
  }

  // ---- public API ------------------------------------------------------

  /**
   * Schedules a coroutine as a task (MicroPython's create_task): a function
   * (started in a step of its own) or a started coroutine, whose awaitables
   * the task adopts. @throws TypeError for anything else or a Task;
   * RuntimeError on a closed loop.
   */
  createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
    if (this.closed) this.checkOpen("createTask");
    if (typeof coro === "function") {
      const t = new Task<T>(this, coro as () => unknown, options === undefined ? coro.name : taskName("createTask", options) ?? coro.name);
      if (this.debug) t.createdAt = callerLocation();
      t.next = null;
      if (this.readyTail === null) this.readyHead = t;
      else this.readyTail.next = t;
      this.readyTail = t;
      if (this.armedAt !== IMMEDIATE) this.poke();
      return t;
    }
    if (isInstance(coro, Task)) throw new TypeError("createTask: already a Task; await it or pass a coroutine");
    if (coro !== null && typeof coro === "object" && isThenable(coro)) {
      let name = "";
      let bad: { error: unknown } | null = null;
      if (options !== undefined) {
        try {
          name = taskName("createTask", options) ?? "";
        } catch (error) {
          bad = { error };
        }
      }
      const t = new Task<T>(this, null, name);
      if (this.debug && name === "") t.createdAt = callerLocation();
      this.adopt(t, coro);
      t.follow(coro);
      if (bad !== null) {
        // The coroutine has started: like CPython closing it, cancel it, so
        // that what it parked on is not left for the next createTask to adopt.
        t.cancel();
        throw bad.error;
      }
      return t;
    }
    if (options !== undefined) taskName("createTask", options);
    throw new TypeError(`createTask: expected a coroutine (a promise such as blink()) or an async function, got ${describe(coro)}`);
  }

  /** @internal createTask. */
  spawn<T>(coro: Coro<T>): Task<T> {
    return this.createTask(coro);
  }

  /** Runs until stop() is called; the promise settles then. */
  runForever(): Promise<void> {
    this.checkOpen("runForever");
    this.checkIdle("runForever");
    this.stopMarker = null;
    return this.start(null) as Promise<void>;
  }

  /** Runs until `aw` finishes; resolves with its value or rejects with its error. */
  runUntilComplete<T>(aw: Coro<T> | Task<T>): Promise<T> {
    this.checkOpen("runUntilComplete");
    this.checkIdle("runUntilComplete");
    const task = aw instanceof Task ? aw : this.createTask(aw);
    if (task.isFinished()) return task.settled();
    return this.start(task) as Promise<T>;
  }

  /** Stops runForever() once the entries already ready have run (MicroPython). */
  stop(): void {
    if (!this.running || this.mainTask !== null || this.stopMarker !== null) return;
    this.stopMarker = new StopMarker();
    this.enqueue(this.stopMarker);
    this.poke();
  }

  close(): void {
    if (this.running) throw new RuntimeError("can't close a running loop");
    // Nothing to disarm: a loop that is not running has no turn armed, and
    // the host may be arming another loop's turns now.
    this.closed = true;
  }
  isRunning(): boolean {
    return this.running;
  }
  isClosed(): boolean {
    return this.closed;
  }

  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") throw new TypeError(`setExceptionHandler: expected a function or null, got ${describe(handler)}`);
    this.exceptionHandler = handler;
  }
  getExceptionHandler(): ExceptionHandler | null {
    return this.exceptionHandler;
  }
  /** Reports context through the host. Never throws, whatever the exception is. */
  defaultExceptionHandler(context: ExceptionContext): void {
    try {
      const lines = [safeString(context.message)];
      if (context.future) lines.push(`future: ${safeString(context.future)}`);
      if (context.handle) lines.push(`handle: ${safeString(context.handle)}`);
      if (context.exception !== undefined) lines.push(formatError(context.exception));
      this.host.report(lines.join("\n"));
    } catch {
      // A host whose report fails has nowhere left to report to.
    }
  }
  /**
   * Hands context to the exception handler (or the default one). Never
   * throws: a handler that throws (any value) is itself reported by the
   * default handler, followed by the original context. Every place that
   * calls user code from a host callback or from the loop reports through
   * here, once, and keeps going.
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.exceptionHandler;
    if (handler) {
      try {
        const r: unknown = handler(this, context);
        // An async handler: its failure goes to the default handler (not
        // back to this one, which could fail again), never left unhandled.
        if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as PromiseLike<unknown>).then === "function") {
          // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
          Promise.prototype.then.call(Promise.resolve(r), undefined, (e: unknown) => {
            this.defaultExceptionHandler({ message: "Exception in the loop's exception handler", exception: e, future: null });
          });
        }
        return;
      } catch (e) {
        this.defaultExceptionHandler({ message: "Exception in the loop's exception handler", exception: e, future: null });
      }
    }
    this.defaultExceptionHandler(context);
  }

  /** Milliseconds on this loop's clock. */
  now(): number {
    return this.host.now();
  }

  /** The loop's clock in seconds (CPython's loop.time()): now() / 1000, the clock callAt() and timeoutAt() take. */
  time(): number {
    return this.host.now() / 1000;
  }

  // ---- callbacks (CPython's call_soon, call_later, call_at) ------------

  /**
   * Runs callback(...args) as a step of its own, outside any task, after
   * the entries already ready (CPython 3.13's loop.call_soon: FIFO). What it
   * throws goes to the exception handler with { message, exception, handle }
   * (never into a host callback); an async callback runs on as a task.
   * Returns a Handle whose cancel() keeps it from running.
   * @throws TypeError when callback is not a function; RuntimeError on a closed loop.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.soon("callSoon", callback as (...args: any[]) => unknown, args);
  }

  /**
   * callSoon() for host callbacks: pin interrupts, socket events, a
   * Moddable Timer (CPython's call_soon_threadsafe). JavaScript on XS has
   * one thread and interrupts arrive as host callbacks, so this is
   * callSoon() itself: the callback joins the ready queue and the loop's
   * timer is armed if it sleeps. @throws as callSoon().
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.soon("callSoonThreadsafe", callback as (...args: any[]) => unknown, args);
  }

  private soon(fn: string, callback: (...args: any[]) => unknown, args: unknown[]): Handle {
    checkFunction(fn, "the callback", callback);
    this.checkOpen(fn);
    const h = new Handle(this, callback, args);
    this.enqueue(h);
    this.poke();
    return h;
  }

  /**
   * Runs callback(...args) `delay` seconds from now, from the loop's timer
   * heap (no host timer of its own), as a step outside any task (CPython
   * 3.13's loop.call_later). Callbacks due at the same time run in the order
   * they were scheduled; a delay of 0 or less means at the next turn. Errors
   * are reported as callSoon()'s. Returns a TimerHandle (cancel(), when()).
   * @throws TypeError when callback is not a function or delay not a number
   *   (NaN included); RangeError for ±Infinity; RuntimeError on a closed loop.
   */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDuration("callLater", delay, "seconds");
    checkFunction("callLater", "the callback", callback);
    return this.schedule("callLater", this.host.now() + secondsToMs(delay), callback as (...args: any[]) => unknown, args);
  }

  /**
   * callLater() at an absolute time: `when` in seconds on loop.time()
   * (CPython 3.13's loop.call_at); a time already past means at the next turn.
   * @throws TypeError when callback is not a function or when not a number
   *   (NaN included); RangeError for ±Infinity; RuntimeError on a closed loop.
   */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDuration("callAt", when, "seconds on loop.time()");
    checkFunction("callAt", "the callback", callback);
    return this.schedule("callAt", secondsToMs(when), callback as (...args: any[]) => unknown, args);
  }

  private schedule(fn: string, deadline: number, callback: (...args: any[]) => unknown, args: unknown[]): TimerHandle {
    this.checkOpen(fn);
    const h = new TimerHandle(this, deadline, callback, args);
    this.addSleeper(h);
    return h;
  }

  /** A pending Future of this loop (CPython 3.13's loop.create_future()); see Future. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  // ---- awaitables --------------------------------------------------------

  /** A new waiter owned by the running task; already failing if a cancel is pending. */
  waiter<T>(): Waiter<T> {
    if (this.closed) this.checkOpen("await");
    const owner = this.current;
    const w = new Waiter<T>(this, owner);
    if (owner === null) this.unowned.push(w);
    // Task.attach(), inline for the usual case.
    else if (owner.waiting === null && (owner.state & TASK_CANCEL_REQUESTED) === 0) owner.waiting = w;
    else owner.attach(w);
    this.stepOpen = false;
    this.progress++;
    return w;
  }

  /** sleep(): park the running task for ms milliseconds (0 = yield). */
  sleep(ms: number): Waiter<void> {
    if (ms > 0) {
      const w = this.waiter<void>();
      if (w.state !== PARKED) return w;
      w.deadline = this.host.now() + ms;
      w.seq = this.seq++;
      // No home: a sleeper is found by its heap index (one slot less per sleeping task).
      this.sleepers.push(w as unknown as Sleeper);
      this.poke();
      return w;
    }
    // sleep(0), the hottest path: this.waiter() and Task.attach() inline;
    // the waiter is ready at once (MicroPython's sleep(0)). A pending cancel
    // (attach's failNow) only gives it its CancelledError.
    if (this.closed) this.checkOpen("await");
    const owner = this.current;
    const w = new Waiter<void>(this, owner, READY);
    if (owner === null) this.unowned.push(w);
    else if (owner.waiting === null && (owner.state & TASK_CANCEL_REQUESTED) === 0) owner.waiting = w;
    else owner.attach(w);
    this.stepOpen = false;
    this.progress++;
    w.next = null;
    if (this.readyTail === null) this.readyHead = w;
    else this.readyTail.next = w;
    this.readyTail = w;
    if (this.armedAt !== IMMEDIATE) this.poke();
    return w;
  }

  /** Schedules a parked waiter to resume with a value (or an error). */
  wake(w: Waiter<any>, value: unknown, failed?: boolean): void {
    if (w.state !== PARKED) return;
    w.value = value;
    if (failed) w.failed = true;
    w.state = READY;
    w.next = null;
    if (this.readyTail === null) this.readyHead = w;
    else this.readyTail.next = w;
    this.readyTail = w;
    if (this.armedAt !== IMMEDIATE) this.poke();
  }

  /**
   * Schedules a parked waiter from an interrupt-like context: it becomes
   * ready at the start of the next turn, after whatever the running step queues.
   */
  wakeSoon(w: Waiter<any>, value: unknown, failed = false): void {
    if (w.state !== PARKED) return;
    w.value = value;
    w.failed = failed;
    w.state = READY;
    this.polled.push(w);
    if (this.running && !this.inTick && this.armedAt !== IMMEDIATE) {
      this.armedAt = IMMEDIATE;
      this.host.arm(0, this.tick);
    }
  }

  /** Schedules a waiter to fail, whatever state it is in (used by pending cancels). */
  failNow(w: Waiter<any>, error: unknown): void {
    w.value = error;
    w.failed = true;
    if (w.state === PARKED) {
      w.state = READY;
      this.enqueue(w);
      this.poke();
    }
  }

  /**
   * Delivers a cancellation to one waiter of a cancelled task, parked or
   * already scheduled to resume (it then resumes with CancelledError
   * instead, as in MicroPython). Its home is told first and gives back what
   * the waiter had been handed (an item, a lock, a permit); a home that
   * handles cancellation itself (awaiting a task, waitFor, timeout) keeps
   * the waiter as it is.
   */
  cancelWaiter(w: Waiter<any>): void {
    if (w.state === DONE) return;
    const home = w.home;
    if (home) {
      if (!home.unpark(w)) return;
      w.home = null;
    } else if (w.heapIndex >= 0) this.sleepers.remove(w as unknown as Sleeper);
    w.value = cancelledError(currentCancelMessage());
    w.failed = true;
    if (w.state === PARKED) {
      w.state = READY;
      this.enqueue(w);
      this.poke();
    }
  }

  /** @internal How many entries are ready (walks the queue: for tests and diagnostics). */
  queuedCount(): number {
    let n = 0;
    for (let e: Runnable | null | undefined = this.readyHead; e; e = e.next) n++;
    return n;
  }

  /** @internal The synchronous part of a step is running (not its later promise jobs, not a host callback). */
  stepping(): boolean {
    return this.inTick;
  }

  /** @internal The running step's task went through a fast path: it is still running (see settledNow). */
  progressed(): void {
    this.openStepTurns = 0;
    this.progress++;
    this.unsure = true;
  }

  /** Puts an internal deadline (waitFor) in the timer heap. */
  addSleeper(s: Sleeper): void {
    s.seq = this.seq++;
    this.sleepers.push(s);
    this.poke();
  }
  removeSleeper(s: Sleeper): void {
    this.sleepers.remove(s);
  }

  /** @internal Queues a step that calls fn with `current` set to owner (the core's callSoon; no Handle, no checks). */
  post(owner: Task<any> | null, fn: () => void): void {
    this.enqueue({ run: (loop) => { loop.current = owner; fn(); }, next: null });
    this.poke();
  }

  // ---- bookkeeping used by Waiter and Task ----------------------------

  /**
   * The waiters awaited in this step by the running task (or outside any
   * task), oldest first: those a coroutine started in this step parked on.
   * A Task's awaiter counts from the moment its `then` is read.
   */
  private recent(): Waiter<any>[] {
    const step = this.step;
    const taken = (w: Waiter<any>) => w.state !== DONE && (w.awaited === step || w.seen === step);
    if (this.current) return this.current.waiters().filter(taken);
    const unowned = this.unowned;
    const out = unowned.filter(taken);
    this.unowned.splice(0, unowned.length, ...unowned.filter((w) => !taken(w)));
    return out;
  }

  /**
   * createTask(blink()) runs blink's synchronous start in the caller's step;
   * the waiters it parked on belong to the new task, so that cancel() reaches
   * them. Those are the waiters awaited since the step began or since the
   * last adoption. A waiter passed directly (createTask(sleep(1))) is adopted
   * as is.
   */
  adopt(task: Task<any>, coro: unknown): void {
    if (coro instanceof Waiter) {
      this.transfer(coro, task);
      return;
    }
    for (const w of this.recent()) this.transfer(w, task);
  }

  /**
   * @internal gather/wait/race of started coroutines: a task for each, paired
   * with the waiters they parked on, in order (they started in order). When
   * the counts differ (a coroutine finished without parking, or parked on
   * several), the pairing waits for the next step, when those that finished
   * have: the rest are paired in order, or all go to the one left.
   */
  spawnGroup(coros: PromiseLike<unknown>[]): Task<unknown>[] {
    if (coros.length === 0) return [];
    const recent = this.recent();
    // Handed to this group: no later adoption in this step may take them.
    for (const w of recent) w.awaited = -this.step;
    const tasks = coros.map((c) => {
      const t = new Task<unknown>(this, null, "");
      t.follow(c);
      return t;
    });
    if (recent.length === tasks.length) recent.forEach((w, i) => this.transfer(w, tasks[i]));
    else if (recent.length > 0) {
      const owner = this.current;
      this.post(null, () => {
        const open = tasks.filter((t) => !t.isFinished());
        const parked = recent.filter((w) => w.state === PARKED && w.owner === owner);
        if (open.length === 1) for (const w of parked) this.transfer(w, open[0]);
        else if (open.length === parked.length) parked.forEach((w, i) => this.transfer(w, open[i]));
      });
    }
    return tasks;
  }
  private transfer(w: Waiter<any>, task: Task<any>): void {
    // (A waiter noted twice is transferred once: the owner check.)
    if (w.state === DONE || w.owner === task) return;
    if (w.owner) w.owner.detach(w);
    w.owner = task;
    task.attach(w);
  }

  /**
   * @internal A run's main failed and nothing awaited the run (its error went
   * to the exception handler): the program failed, as an uncaught exception
   * out of MicroPython's asyncio.run() (npm start exits with 1).
   */
  mainFailedUnawaited = false;

  /** A task finished: report an unretrieved error one pass later; end run(main). */
  finished(task: Task<any>, unretrievedError: boolean): void {
    if (task === this.current) this.stepOpen = false;
    if (task === this.mainTask) {
      this.mainTask = null;
      const { failed, value } = task.takeOutcome();
      const run = this.runPromise;
      if (failed && run !== null && !run.handled) {
        // Nobody awaits the run (asyncio.run(main()) at top level): report
        // main's error rather than leave an unhandled rejection (on XS, a
        // VM abort: the device reboots).
        run.silence();
        this.mainFailedUnawaited = true;
        this.callExceptionHandler({ message: "Exception in main, and nothing awaits asyncio.run()", exception: value, future: task });
      }
      const settle = failed ? this.failRun : this.settleRun;
      this.settleRun = this.failRun = null;
      this.halt();
      settle?.(value);
      return;
    }
    if (unretrievedError) this.reportUnretrieved(task);
  }

  /** Reports the task's error one pass later, unless someone takes it first. */
  reportUnretrieved(task: Task<any>): void {
    this.enqueue(new UnretrievedReport(task));
    this.poke();
  }

  /** Stops scheduling now; settles runForever(). */
  halt(): void {
    const settle = this.settleRun;
    const fail = this.failRun;
    const main = this.mainTask;
    const run = this.runPromise;
    const wasRunning = this.running;
    // The step that ends the run has no next turn to time it (inside a
    // turn, debugTick times the step before it).
    if (wasRunning && this.debug && this.stepStarted >= 0 && !this.inTick) {
      this.timeStep(this.current, this.host.now() - this.stepStarted);
      this.stepStarted = -1;
    }
    this.running = false;
    this.mainTask = null;
    this.stopMarker = null;
    this.settleRun = this.failRun = null;
    this.current = null;
    this.armedAt = IDLE;
    // Only a running loop has a turn armed: another loop may own the host's timer now.
    if (wasRunning) this.host.disarm();
    this.runPromise = null;
    if (main === null) settle?.(undefined);
    else if (fail !== null) {
      // runUntilComplete() stopped before its task finished (CPython:
      // "Event loop stopped before Future completed."). Whoever halted the
      // loop meant it: no report when nothing awaits the run.
      if (run !== null && !run.handled) run.silence();
      fail(new RuntimeError("the event loop stopped before main finished (loop.stop(), or the run was halted)"));
    }
  }

  /** newEventLoop() replaced this loop (which is not running: newEventLoop refuses then). */
  abandon(): void {
    this.running = false;
    this.closed = true;
  }

  // ---- the scheduler ---------------------------------------------------

  private start(main: Task<any> | null): Promise<unknown> {
    this.running = true;
    this.stepStarted = -1;
    this.mainTask = main;
    const done = new RunPromise<unknown>((resolve, reject) => {
      this.settleRun = resolve;
      this.failRun = reject;
    });
    this.runPromise = done;
    this.armedAt = IDLE;
    // A tick from the last run is still coming: it starts this run's turns.
    if (this.nextPending) this.armedAt = IMMEDIATE;
    else this.poke();
    return done;
  }

  // ---- debug mode (CPython's loop.set_debug, slow_callback_duration) ------

  private debug = false;
  private slowMs = 100;
  /** When the last step began (ms on the loop's clock); -1: no step to time. */
  private stepStarted = -1;

  /** Whether debug mode is on (CPython's get_debug). */
  getDebug(): boolean {
    return this.debug;
  }
  /**
   * Debug mode (CPython's set_debug): every step that runs longer than
   * slowCallbackDuration or longer is reported through the exception handler, naming
   * its task ("Executing <Task blink> took 0.152 seconds"): the task that
   * blocks the loop. Costs a clock read per turn while on.
   * @throws TypeError when enabled is not a boolean.
   */
  setDebug(enabled: boolean): void {
    if (typeof enabled !== "boolean") throw new TypeError(`setDebug: expected true or false, got ${describe(enabled)}`);
    this.debug = enabled;
    // Turned on inside a step: that step is timed from here (the turn
    // already armed is a plain one; the turns armed after it time themselves).
    this.stepStarted = enabled && this.running && this.current !== null ? this.host.now() : -1;
    this.tick = enabled ? this.debugTick : this.turn;
  }
  /**
   * Seconds a step may run before debug mode reports it (CPython's
   * slow_callback_duration; default 0.1).
   * @throws TypeError for a non-number or NaN, RangeError for a negative or infinite value.
   */
  get slowCallbackDuration(): number {
    return this.slowMs / 1000;
  }
  set slowCallbackDuration(seconds: number) {
    checkDuration("slowCallbackDuration", seconds, "seconds");
    if (seconds < 0) throw new RangeError(`slowCallbackDuration: ${seconds} seconds is negative`);
    this.slowMs = secondsToMs(seconds);
  }

  // A step's code runs in the promise jobs after its turn: it is timed
  // from the start of its turn to the start of the next one, which comes at
  // once (a step always arms the next turn), or to the end of the run.
  private readonly debugTick = (): void => {
    const now = this.host.now();
    const started = this.stepStarted;
    const task = this.current;
    const step = this.step;
    this.turn();
    // An inexact host's turn that found the step still going: keep timing it.
    if (this.step === step && started >= 0 && this.armedAt === IMMEDIATE) return;
    // A turn that ran an entry arms the next one at once; an empty turn does not.
    const ran = this.step !== step && this.armedAt === IMMEDIATE;
    let next = ran ? now : -1;
    // (halt() inside a step's jobs timed it already.) The report's own time
    // (a slow exception handler) is not the next step's, which started at
    // `now`: a task's first step runs inside turn(), before the report.
    if (started >= 0 && this.stepStarted === started) {
      const reportAt = this.host.now();
      if (this.timeStep(task, now - started) && ran) next += this.host.now() - reportAt;
    }
    // Turned off meanwhile (by the exception handler, say): nothing more to time.
    this.stepStarted = this.debug ? next : -1;
  };

  /**
   * Debug mode: user code the library called from a host callback (an irq
   * handler, a button callback) since `started` ms: reported by name if slow,
   * and not counted in the step it interrupted. @internal
   */
  timeCallback(what: string, started: number): void {
    const ms = this.host.now() - started;
    if (this.stepStarted >= 0) this.stepStarted += ms;
    if (ms >= this.slowMs) this.callExceptionHandler({ message: `Executing ${what} took ${(ms / 1000).toFixed(3)} seconds`, exception: undefined, future: null });
  }

  /** Reports a step of task's that ran `ms` if that is slowCallbackDuration or longer; true if it did. */
  private timeStep(task: Task<any> | null, ms: number): boolean {
    if (ms < this.slowMs) return false;
    // An unnamed task is told by where it was made.
    const where = task !== null && task.createdAt && !task.name ? ` (created at ${task.createdAt})` : "";
    this.callExceptionHandler({ message: `Executing ${task === null ? "a loop callback" : safeString(task)} took ${(ms / 1000).toFixed(3)} seconds${where}`, exception: undefined, future: task });
    return true;
  }

  /** One host turn: release due sleepers, run one ready entry. */
  // An arrow: no second call per turn to bind `this`.
  private readonly turn = (): void => {
    this.nextPending = false;
    this.armedAt = IDLE;
    if (!this.running) return;
    if (this.inexact && this.stepStillOpen()) {
      // The last step's jobs may still be running: come back next turn.
      this.armedAt = IMMEDIATE;
      this.host.arm(0, this.tick);
      return;
    }
    this.step++;
    this.current = null;
    if (this.unowned.length) this.unowned.length = 0;
    const sleepers = this.sleepers;
    if (sleepers.items.length) {
      const now = this.host.now();
      let top = sleepers.items[0];
      while (top !== undefined && top.deadline <= now) {
        sleepers.pop();
        top.expired();
        this.enqueue(top);
        top = sleepers.items[0];
      }
    }
    const polled = this.polled;
    if (polled.length) {
      for (let i = 0; i < polled.length; i++) if (polled[i].state === READY) this.enqueue(polled[i]);
      polled.length = 0;
    }
    const entry = this.readyHead;
    if (entry === null) {
      this.poke();
      return;
    }
    this.readyHead = entry.next!;
    if (this.readyHead === null) this.readyTail = null;
    entry.next = null;
    this.inTick = true;
    this.stepOpen = this.inexact;
    try {
      entry.run(this);
    } catch (e) {
      // Entries catch their own errors; this is the last line of defence.
      this.callExceptionHandler({ message: "Exception in the event loop", exception: e, future: null });
    }
    this.inTick = false;
    if (this.current === null) this.stepOpen = false;
    if (this.running) {
      // Come back next turn even if nothing is ready: that turn clears
      // `current` once this step's promise jobs have all run.
      this.armedAt = IMMEDIATE;
      if (this.hasNext) {
        this.nextPending = true;
        this.host.next!(this.tick);
      } else this.host.arm(0, this.tick);
    }
  };
  /** The host's callback: turn() or, in debug mode, debugTick() (after turn: fields start in order). */
  private tick: () => void = this.turn;

  /**
   * Inexact hosts: whether the last step is still going (its task has
   * neither parked nor finished, or it went through a fast path or waits on
   * several waiters and is not quiet yet), up to MAX_OPEN_STEP_TURNS turns.
   */
  private stepStillOpen(): boolean {
    if (this.stepOpen || ((this.unsure || (this.current !== null && this.current.waitingCount() > 1)) && this.stillBusy())) {
      if (++this.openStepTurns <= MAX_OPEN_STEP_TURNS) return true;
      this.stepOpen = false;
    }
    this.unsure = false;
    this.progressSeen = -1;
    this.quietTurns = 0;
    this.openStepTurns = 0;
    return false;
  }

  /** Makes sure the host timer is armed early enough for what is queued. */
  private poke(): void {
    if (this.armedAt === IMMEDIATE || !this.running || this.inTick) return;
    let due: number;
    if (this.readyHead !== null || this.polled.length) due = IMMEDIATE;
    else {
      const top = this.sleepers.peek();
      if (top === undefined) return;
      due = top.deadline;
    }
    if (due >= this.armedAt) return;
    this.armedAt = due;
    if (due === IMMEDIATE) this.host.arm(0, this.tick);
    else this.host.arm(Math.min(due - this.host.now(), MAX_ARM_MS), this.tick);
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new RuntimeError(`${what}: the event loop is closed`);
  }
  private checkIdle(what: string): void {
    if (this.running) throw new RuntimeError(`${what}: the event loop is already running`);
  }
}

/** Has a callable `then`; false when looking throws (a revoked Proxy, a throwing getter). */
function isThenable(v: object): boolean {
  try {
    return typeof (v as PromiseLike<unknown>).then === "function";
  } catch {
    return false;
  }
}

function ignoreValue(): void {}

/**
 * Debug mode: where the code that called createTask is ("app.ts:14:3"), from
 * the engine's stack if it gives one (CPython's debug mode keeps a task's
 * source traceback); "" otherwise.
 */
function callerLocation(): string {
  try {
    const stack = new Error().stack;
    if (typeof stack !== "string") return "";
    for (const line of stack.split("\n").slice(1)) {
      const m = /([^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (m === null || /[\\/]modules[\\/](asyncio|machine|buttons)[\\/]|node:internal/.test(m[1])) continue;
      return `${m[1].replace(/^.*[\\/]/, "")}:${m[2]}:${m[3]}`;
    }
  } catch {
    // no stack here
  }
  return "";
}

/**
 * The promise a run returns: it notes whether anything awaits it (await and
 * .then/.catch call then()), so that a failing main nobody awaits is
 * reported instead of left unhandled. Derived promises are plain.
 */
class RunPromise<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  handled = false;
  override then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.handled = true;
    return super.then(onFulfilled, onRejected);
  }
  /** Marks the rejection handled without counting as an awaiter. */
  silence(): void {
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the rejection has its handler here
    Promise.prototype.then.call(this, undefined, ignoreValue);
  }
}

export { formatError };
