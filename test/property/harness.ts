/**
 * The seeded property run (issue 9 §1): many tasks doing random operations on
 * every primitive, through plain awaits, waitFor/waitForMs and
 * timeout/timeoutMs, with random cancel()s; then strict end invariants.
 *
 * Accounting rules (what a task believes it has, from what its await said):
 * - an acquire() that returned means the task holds the lock/permit and must
 *   release it (it does, in finally); one that raised means it holds nothing;
 * - a get() that returned means the task got that item; a put() that returned
 *   means the item is in the queue; one that raised (TimeoutError,
 *   CancelledError) means it got / put NOTHING;
 * - Condition.wait() returns or raises holding the lock (CPython), however it
 *   is wrapped;
 * - a RingbufQueue.putNowait() that throws QueueFull stored the item and
 *   dropped the oldest one (peeked just before): dropped by design.
 * If a primitive disagrees with what the task was told, the end invariants
 * catch it: every lock free, every semaphore at its initial value, no waiter
 * left anywhere, every item put accounted for exactly once, the timer heap
 * empty, nothing reported, nothing unhandled.
 */
import asyncio, {
  Barrier, BoundedSemaphore, CancelledError, Condition, Event, Lock, Queue, QueueEmpty, QueueFull, RingbufQueue,
  Semaphore, ThreadSafeFlag, TimeoutError, type Loop, type Task,
} from "asyncio";
import { VirtualHost } from "../../hosts/virtual";
import { withHost } from "../helpers";
import { describeCall, describeOp, type GroupSpec, type HostKind, type Op, type Plan, type QName, type RName, type WorkerPlan, type Wrap } from "./plan";

export function makeHost(kind: HostKind): VirtualHost {
  switch (kind) {
    case "exact":
      return new VirtualHost();
    case "costly":
      return new VirtualHost({ turnCost: 1 });
    case "moddable":
      return new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) });
  }
}

// ---- failures ---------------------------------------------------------------

export interface Failure {
  kind: string;
  count: number;
  examples: string[];
}

export interface RunResult {
  plan: Plan;
  failures: Map<string, Failure>;
  stats: Record<string, number>;
  virtualMs: number;
  wallMs: number;
}

/** Failure kinds (stable names: the shrinker keys on them). */
export const K = {
  uncancelledCancel: "CancelledError in a task nobody cancelled",
  timeoutNoLimit: "TimeoutError from an await with no limit",
  unexpected: "unexpected error",
  exclusion: "more holders than permits (mutual exclusion broken)",
  release: "release() raised",
  condNoLock: "Condition.wait() came back without the lock",
  lockNotFree: "lock not free at the end",
  semNotInitial: "semaphore not back at its initial value",
  queueCount: "queue count: put - got - dropped != qsize()",
  itemLost: "item lost (put, never got, not in the queue)",
  itemDup: "item delivered twice",
  itemFromFailedPut: "item from a put() that raised",
  itemUnknown: "item nobody put",
  queueUnfinished: "Queue.taskDone() bookkeeping off",
  waiterLeft: "waiter left in a primitive at the end",
  staleWaiter: "a waiter that is not parked (cancelled/woken) still sits in a wait line",
  lostWakeup: "lost wake-up: a task waits although it could go on (loop idle)",
  wrongTask: "currentTask() is not the task whose code is running",
  barrierIndex: "Barrier.wait() index wrong (duplicate or out of range in a cycle)",
  barrierLeft: "Barrier not empty or broken at the end",
  hang: "tasks stuck (no progress) until cancelled",
  unkillable: "task still not done after being cancelled",
  badEnd: "task ended with an error",
  loopLeft: "loop not empty at the end (timer heap / ready / polled)",
  reported: "reported through the exception handler",
  hostReport: "reported through the host",
  unhandled: "unhandled rejection",
  internals: "loop/primitive internals not found (renamed?): update test/property/harness.ts",
  harness: "harness problem (the run itself did not complete)",
} as const;

const MAX_EXAMPLES = 6;

class Failures {
  readonly map = new Map<string, Failure>();
  add(kind: string, detail: string): void {
    let f = this.map.get(kind);
    if (!f) this.map.set(kind, (f = { kind, count: 0, examples: [] }));
    f.count++;
    if (f.examples.length < MAX_EXAMPLES) f.examples.push(detail);
  }
}

class InternalsError extends Error {}

/** Reads a private field of the library (tolerating nothing: a rename fails with a clear message). */
function internal<T>(obj: object, field: string, what: string): T {
  if (obj === null || typeof obj !== "object" || !(field in obj)) {
    throw new InternalsError(`${what}: no field "${field}" (renamed?)`);
  }
  return (obj as Record<string, unknown>)[field] as T;
}

// ---- the world --------------------------------------------------------------

const PARKED = 0; // waiter.ts: PARKED
const READY = 1; // waiter.ts: READY

interface Ledger {
  /** put() returned / putNowait() stored it. */
  acked: Set<number>;
  /** put() raised, putNowait() threw QueueFull on a Queue: the item was NOT put. */
  failed: Set<number>;
  /** put() under way. */
  pending: Set<number>;
  got: number[];
  dropped: number[];
  drained: number[];
  /** Who put / got each item (for messages). */
  who: Map<number, string>;
}

function ledger(): Ledger {
  return { acked: new Set(), failed: new Set(), pending: new Set(), got: [], dropped: [], drained: [], who: new Map() };
}

class Group {
  readonly q = new Queue<number>();
  readonly bq: Queue<number>;
  readonly rq: RingbufQueue<number>;
  readonly lock = new Lock();
  readonly lock2 = new Lock();
  readonly sem: Semaphore;
  readonly bsem: BoundedSemaphore;
  readonly cond = new Condition();
  readonly barrier: Barrier;
  readonly ev = new Event();
  readonly tsf = new ThreadSafeFlag();
  cycle = 0;
  readonly cycleIndexes = new Set<string>();
  tsfBusy = false;
  /** A janitor task is on its way to notifyAll(). */
  notifierPending = false;
  readonly ledgers: Record<QName, Ledger> = { q: ledger(), bq: ledger(), rq: ledger() };
  readonly holders: Record<RName, Set<string>> = { lock: new Set(), lock2: new Set(), sem: new Set(), bsem: new Set(), cond: new Set() };
  readonly caps: Record<RName, number>;

  constructor(readonly index: number, readonly spec: GroupSpec) {
    this.bq = new Queue<number>(spec.bqSize);
    this.rq = new RingbufQueue<number>(spec.rqCapacity);
    this.sem = new Semaphore(spec.sem);
    this.bsem = new BoundedSemaphore(spec.bsem);
    this.barrier = new Barrier(spec.parties, () => {
      this.cycle++;
    });
    this.caps = { lock: 1, lock2: 1, sem: spec.sem, bsem: spec.bsem, cond: 1 };
  }
  queue(name: QName): Queue<number> | RingbufQueue<number> {
    return this[name];
  }
  resource(name: RName): Lock | Semaphore | Condition {
    return this[name];
  }
  /** Every wait line of every primitive in the group, by name (private fields). */
  lines(): [string, unknown[]][] {
    const out: [string, unknown[]][] = [];
    for (const name of ["q", "bq"] as const) {
      out.push([`${name}.getters`, internal(this[name], "getters", "Queue")]);
      out.push([`${name}.putters`, internal(this[name], "putters", "Queue")]);
    }
    out.push(["rq.getters", internal(this.rq, "getters", "RingbufQueue")]);
    out.push(["rq.putters", internal(this.rq, "putters", "RingbufQueue")]);
    out.push(["lock.waiting", internal(this.lock, "waiting", "Lock")]);
    out.push(["lock2.waiting", internal(this.lock2, "waiting", "Lock")]);
    out.push(["sem.waiting", internal(this.sem, "waiting", "Semaphore")]);
    out.push(["bsem.waiting", internal(this.bsem, "waiting", "BoundedSemaphore")]);
    out.push(["cond.waiting", internal(this.cond, "waiting", "Condition")]);
    out.push(["cond.lock.waiting", internal(this.cond.lock, "waiting", "Lock")]);
    out.push(["barrier.waiting", internal(this.barrier, "waiting", "Barrier")]);
    out.push(["ev.waiting", internal(this.ev, "waiting", "Event")]);
    const tsfWaiter = internal<unknown>(this.tsf, "waiter", "ThreadSafeFlag");
    out.push(["tsf.waiter", tsfWaiter ? [tsfWaiter] : []]);
    return out;
  }
}

interface Ctx {
  label: string;
  g: Group;
  plan: WorkerPlan | null;
  task: Task<any> | null;
  /** cancel() calls on this task that returned true. */
  cancelsReceived: number;
  /** CancelledErrors that reached this task's own awaits. */
  cancelErrors: number;
  /** What the task is awaiting now (for hang reports). */
  parkedOn: string | null;
}

class World {
  readonly failures = new Failures();
  readonly stats: Record<string, number> = {};
  readonly groups: Group[];
  readonly workers = new Map<number, Ctx>();
  readonly helpers: Ctx[] = [];
  progress = 0;
  nextItem = 1;
  mainTask: Task<any> | null = null;
  /** A task's label, for messages. */
  labelOf(t: Task<any>): string {
    for (const c of this.workers.values()) if (c.task === t) return c.label;
    for (const c of this.helpers) if (c.task === t) return c.label;
    return `another task (${String(t)})`;
  }
  /** Set once the run hangs: tasks stop at their next CancelledError or op. */
  stopping = false;
  stimuliFired = 0;
  private readonly seenCancel = new WeakSet<object>();
  private readonly lostWakeups = new Set<string>();

  constructor(readonly plan: Plan, readonly loop: Loop, readonly host: VirtualHost) {
    this.groups = plan.groups.map((spec, i) => new Group(i, spec));
  }

  fail(kind: string, detail: string): void {
    this.failures.add(kind, `[t=${this.host.now()} ms] ${detail}`);
  }
  stat(key: string): void {
    this.stats[key] = (this.stats[key] ?? 0) + 1;
  }

  tick(): void {
    if ((++this.progress & 63) === 0) this.hygiene("during the run");
  }

  /** Every waiter in a wait line must be parked, with an unfinished owner: a cancelled or woken waiter has left its line. */
  hygiene(when: string): void {
    try {
      for (const g of this.groups) {
        for (const [name, line] of g.lines()) {
          for (const w of line as { state: number; owner: Task<any> | null }[]) {
            const state = internal<number>(w, "state", "Waiter");
            const owner = internal<Task<any> | null>(w, "owner", "Waiter");
            // ThreadSafeFlag keeps its set() waiter (READY) until it resumes; every other line lets a woken waiter go.
            if (state !== PARKED && !(name === "tsf.waiter" && state === READY)) this.fail(K.staleWaiter, `${when}: group ${g.index} ${name} holds a waiter in state ${state} (not PARKED)`);
            else if (owner && owner.done()) this.fail(K.staleWaiter, `${when}: group ${g.index} ${name} holds a waiter whose task has finished`);
          }
        }
      }
    } catch (e) {
      this.internalsFailure(e);
    }
  }

  /**
   * When the loop is idle (nothing ready, nothing polled, no step open), every
   * woken waiter has resumed, so a task still waiting must have a reason to:
   * a getter waits only on an empty queue, a putter only on a full one, a lock
   * or semaphore waiter only while it is taken, an Event waiter only while it
   * is clear, the ThreadSafeFlag waiter only while the flag is clear.
   */
  idleCheck(when: string): void {
    try {
      const loop = this.loop;
      const ready = internal<() => number>(loop, "queuedCount", "Loop").call(loop);
      const polled = internal<{ length: number }>(loop, "polled", "Loop").length;
      const stepOpen = internal<boolean>(loop, "stepOpen", "Loop");
      if (ready || polled || stepOpen) return;
      this.stat("idle checks");
      const fail = (key: string, detail: string): void => {
        // Once per primitive: a task stuck for good would otherwise be reported at every idle moment.
        if (this.lostWakeups.has(key)) return;
        this.lostWakeups.add(key);
        this.fail(K.lostWakeup, detail);
      };
      const len = (obj: object, field: string, what: string): number => internal<unknown[]>(obj, field, what).length;
      for (const g of this.groups) {
        const G = `${when}: group ${g.index}`;
        for (const name of ["q", "bq", "rq"] as const) {
          const q = g.queue(name);
          const getters = len(q, "getters", name);
          const putters = len(q, "putters", name);
          if (getters && !q.empty()) fail(`${g.index} ${name} get`, `${G} ${name}: ${getters} get() waiting while qsize() is ${q.qsize()}`);
          if (putters && !q.full()) fail(`${g.index} ${name} put`, `${G} ${name}: ${putters} put() waiting while qsize() is ${q.qsize()} (not full)`);
        }
        for (const name of ["lock", "lock2"] as const) {
          const n = len(g[name], "waiting", "Lock");
          if (n && !g[name].locked()) fail(`${g.index} ${name}`, `${G} ${name}: ${n} acquire() waiting while it is not locked`);
        }
        const nc = len(g.cond.lock, "waiting", "Lock");
        if (nc && !g.cond.locked()) fail(`${g.index} cond`, `${G} cond: ${nc} acquire() waiting while its lock is not locked`);
        for (const name of ["sem", "bsem"] as const) {
          const n = len(g[name], "waiting", "Semaphore");
          if (n && !g[name].locked()) fail(`${g.index} ${name}`, `${G} ${name}: ${n} acquire() waiting while permits are free`);
        }
        const ne = len(g.ev, "waiting", "Event");
        if (ne && g.ev.isSet()) fail(`${g.index} ev`, `${G} ev: ${ne} wait() waiting while it is set`);
        const tw = internal<{ state: number } | null>(g.tsf, "waiter", "ThreadSafeFlag");
        if (tw && tw.state === PARKED && internal<boolean>(g.tsf, "state", "ThreadSafeFlag")) fail(`${g.index} tsf`, `${G} tsf: wait() waiting while the flag is set`);
        if (g.barrier.nWaiting >= g.spec.parties) fail(`${g.index} barrier`, `${G} barrier: ${g.barrier.nWaiting} waiting with ${g.spec.parties} parties`);
      }
    } catch (e) {
      this.internalsFailure(e);
    }
  }

  internalsFailure(e: unknown): void {
    if (e instanceof InternalsError) this.fail(K.internals, e.message);
    else throw e;
  }

  /** Classifies an error that reached one of ctx's own awaits. Returns "cancelled" when it must propagate. */
  caught(ctx: Ctx, w: Wrap, e: unknown, desc: string): "timeout" | "cancelled" | "other" {
    if (e instanceof TimeoutError) {
      if (!hasLimit(w)) this.fail(K.timeoutNoLimit, `${ctx.label}: ${desc}`);
      return "timeout";
    }
    if (e instanceof CancelledError) {
      if (!this.seenCancel.has(e)) {
        this.seenCancel.add(e);
        ctx.cancelErrors++;
      }
      if (ctx.cancelErrors > ctx.cancelsReceived) {
        this.fail(K.uncancelledCancel, `${ctx.label} (cancelled ${ctx.cancelsReceived} time(s), CancelledError #${ctx.cancelErrors}): ${desc}`);
      }
      return "cancelled";
    }
    this.fail(K.unexpected, `${ctx.label}: ${desc}: ${errorText(e)}`);
    return "other";
  }

  bookIn(ctx: Ctx, r: RName, how: string): void {
    const g = ctx.g;
    const set = g.holders[r];
    if (set.size >= g.caps[r]) {
      this.fail(K.exclusion, `group ${g.index} ${r} (${g.caps[r]} permit(s)): ${ctx.label} got it (${how}) while ${[...set].join(", ")} held it`);
    }
    set.add(ctx.label);
  }
  bookOut(ctx: Ctx, r: RName): void {
    ctx.g.holders[r].delete(ctx.label);
  }
}

function hasLimit(w: Wrap): boolean {
  switch (w.k) {
    case "plain":
      return false;
    case "waitFor":
    case "timeout":
      return w.s !== null;
    case "waitForMs":
    case "timeoutMs":
      return w.ms !== null;
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return String(e);
  } catch {
    return "(unprintable)";
  }
}

function wrapped<T>(w: Wrap, op: () => Promise<T>): Promise<T> {
  switch (w.k) {
    case "plain":
      return op();
    case "waitFor":
      return asyncio.waitFor(w.fn ? op : op(), w.s);
    case "waitForMs":
      return asyncio.waitForMs(w.fn ? op : op(), w.ms);
    case "timeout":
      return asyncio.timeout(w.s, op) as Promise<T>;
    case "timeoutMs":
      return asyncio.timeoutMs(w.ms, op) as Promise<T>;
  }
}

function wrapKey(w: Wrap): string {
  return w.k === "plain" ? "plain" : `${w.k}${w.k !== "timeout" && w.k !== "timeoutMs" && w.fn ? "(fn)" : ""}`;
}

// ---- the tasks --------------------------------------------------------------

async function leaf<T>(world: World, ctx: Ctx, w: Wrap, desc: string, op: () => Promise<T>): Promise<T> {
  // The task's own code is running: currentTask() must be this task (its waiters, and so cancel(), depend on it).
  let current: Task<any> | null = null;
  try {
    current = asyncio.currentTask();
  } catch {
    // reported below
  }
  if (current !== ctx.task) world.fail(K.wrongTask, `${ctx.label} about to ${desc}: currentTask() is ${current === null ? "unavailable" : current === world.mainTask ? "the main task" : String(world.labelOf(current))}`);
  ctx.parkedOn = desc;
  try {
    return await wrapped(w, op);
  } finally {
    ctx.parkedOn = null;
    world.tick();
  }
}

async function runOps(world: World, ctx: Ctx, ops: Op[]): Promise<void> {
  for (const op of ops) await runOp(world, ctx, op);
}

/** One op. Timeouts and unexpected errors are recorded and swallowed; CancelledError propagates. */
async function runOp(world: World, ctx: Ctx, op: Op): Promise<void> {
  const g = ctx.g;
  switch (op.o) {
    case "sleep": {
      const desc = describeOp(op);
      try {
        await leaf(world, ctx, op.w, desc, () => asyncio.sleep(op.s));
        world.stat(`sleep ${wrapKey(op.w)}: ok`);
      } catch (e) {
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`sleep ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
      }
      return;
    }
    case "get": {
      const q = g.queue(op.q);
      const L = g.ledgers[op.q];
      const desc = `group ${g.index} ${describeOp(op)}`;
      let item: number;
      try {
        item = await leaf(world, ctx, op.w, desc, () => q.get());
      } catch (e) {
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`get ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
        return;
      }
      world.stat(`get ${wrapKey(op.w)}: ok`);
      L.got.push(item);
      L.who.set(item, `${L.who.get(item) ?? "?"}, got by ${ctx.label} (${describeOp(op)})`);
      if (q instanceof Queue) q.taskDone();
      return;
    }
    case "put": {
      const q = g.queue(op.q);
      const L = g.ledgers[op.q];
      const item = world.nextItem++;
      const desc = `group ${g.index} ${describeOp(op)} (item ${item})`;
      L.pending.add(item);
      L.who.set(item, `put by ${ctx.label} (${describeOp(op)})`);
      try {
        await leaf(world, ctx, op.w, desc, () => q.put(item));
      } catch (e) {
        L.pending.delete(item);
        L.failed.add(item);
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`put ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
        return;
      }
      L.pending.delete(item);
      L.acked.add(item);
      world.stat(`put ${wrapKey(op.w)}: ok`);
      return;
    }
    case "getNowait": {
      nowaitGet(world, g, op.q, ctx.label);
      world.tick();
      return;
    }
    case "putNowait": {
      nowaitPut(world, g, op.q, `${ctx.label} (${op.q}.putNowait)`);
      world.tick();
      return;
    }
    case "evWait": {
      const desc = `group ${g.index} ${describeOp(op)}`;
      try {
        await leaf(world, ctx, op.w, desc, () => g.ev.wait());
        world.stat(`ev.wait ${wrapKey(op.w)}: ok`);
      } catch (e) {
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`ev.wait ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
      }
      return;
    }
    case "evSet":
      g.ev.set();
      world.tick();
      return;
    case "evClear":
      g.ev.clear();
      world.tick();
      return;
    case "tsfWait": {
      if (g.tsfBusy) {
        // One waiter at a time (ThreadSafeFlag's rule): set it instead.
        g.tsf.set();
        world.tick();
        return;
      }
      const desc = `group ${g.index} ${describeOp(op)}`;
      g.tsfBusy = true;
      try {
        await leaf(world, ctx, op.w, desc, () => g.tsf.wait());
        world.stat(`tsf.wait ${wrapKey(op.w)}: ok`);
      } catch (e) {
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`tsf.wait ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
      } finally {
        g.tsfBusy = false;
      }
      return;
    }
    case "tsfSet":
      g.tsf.set();
      world.tick();
      return;
    case "barrier": {
      const desc = `group ${g.index} ${describeOp(op)}`;
      let got: [number, number];
      try {
        got = await leaf(world, ctx, op.w, desc, () => barrierWait(g));
      } catch (e) {
        const k = world.caught(ctx, op.w, e, desc);
        world.stat(`barrier ${wrapKey(op.w)}: ${k}`);
        if (k === "cancelled") throw e;
        return;
      }
      world.stat(`barrier ${wrapKey(op.w)}: ok`);
      checkBarrierIndex(world, g, got, `${ctx.label}: ${desc}`);
      return;
    }
    case "hold":
      return hold(world, ctx, op);
    case "condWait": {
      const desc = `group ${g.index} ${describeOp(op)}`;
      // wait() releases the lock; it comes back (returning or raising) holding it again.
      world.bookOut(ctx, "cond");
      let outcome: "ok" | "timeout" | "cancelled" | "other" = "ok";
      let error: unknown;
      try {
        await leaf(world, ctx, op.w, desc, () => g.cond.wait());
      } catch (e) {
        error = e;
        outcome = world.caught(ctx, op.w, e, desc);
      }
      world.stat(`cond.wait ${wrapKey(op.w)}: ${outcome}`);
      if (!g.cond.locked()) world.fail(K.condNoLock, `${ctx.label}: ${desc} ${outcome === "ok" ? "returned" : `raised ${errorText(error)}`} and the lock is not locked`);
      world.bookIn(ctx, "cond", `back from ${desc} (${outcome})`);
      if (outcome === "cancelled") throw error;
      return;
    }
    case "notify":
    case "notifyAll":
      try {
        if (op.o === "notify") g.cond.notify(op.n);
        else g.cond.notifyAll();
      } catch (e) {
        world.fail(K.unexpected, `${ctx.label}: group ${g.index} ${describeOp(op)} holding the lock: ${errorText(e)}`);
      }
      world.tick();
      return;
    case "cancel": {
      if (op.delay !== null) {
        const w: Wrap = { k: "plain" };
        const desc = `asyncio.sleep(${op.delay}) before cancelling w${op.target}`;
        try {
          await leaf(world, ctx, w, desc, () => asyncio.sleep(op.delay!));
        } catch (e) {
          if (world.caught(ctx, w, e, desc) === "cancelled") throw e;
          return;
        }
      }
      const target = world.workers.get(op.target);
      if (!target || !target.task || target.task.done()) return;
      try {
        if (target.task.cancel()) {
          target.cancelsReceived++;
          world.stat("cancel: delivered");
        }
      } catch (e) {
        world.fail(K.unexpected, `${ctx.label}: w${op.target}.cancel(): ${errorText(e)}`);
      }
      world.tick();
      return;
    }
  }
}

async function barrierWait(g: Group): Promise<[number, number]> {
  const cycle = g.cycle;
  const index = await g.barrier.wait();
  return [cycle, index];
}

function checkBarrierIndex(world: World, g: Group, [cycle, index]: [number, number], who: string): void {
  const key = `${cycle}:${index}`;
  if (!(Number.isInteger(index) && index >= 0 && index < g.spec.parties)) world.fail(K.barrierIndex, `${who}: index ${index} with ${g.spec.parties} parties`);
  else if (g.cycleIndexes.has(key)) world.fail(K.barrierIndex, `${who}: index ${index} handed out twice in cycle ${cycle}`);
  g.cycleIndexes.add(key);
}

async function hold(world: World, ctx: Ctx, op: Extract<Op, { o: "hold" }>): Promise<void> {
  const g = ctx.g;
  const res = g.resource(op.r);
  const desc = `group ${g.index} ${describeCall(op.w, `${op.r}.acquire()`)}`;
  try {
    await leaf(world, ctx, op.w, desc, () => res.acquire());
  } catch (e) {
    const k = world.caught(ctx, op.w, e, desc);
    world.stat(`${op.r}.acquire ${wrapKey(op.w)}: ${k}`);
    if (k === "cancelled") throw e;
    return;
  }
  world.stat(`${op.r}.acquire ${wrapKey(op.w)}: ok`);
  world.bookIn(ctx, op.r, desc);
  try {
    await runOps(world, ctx, op.body);
  } finally {
    world.bookOut(ctx, op.r);
    try {
      res.release();
    } catch (e) {
      world.fail(K.release, `${ctx.label}: group ${g.index} ${op.r}.release() after ${desc}: ${errorText(e)}`);
    }
  }
}

async function worker(world: World, ctx: Ctx): Promise<void> {
  for (const op of ctx.plan!.ops) {
    if (world.stopping) return;
    try {
      await runOp(world, ctx, op);
    } catch (e) {
      if (e instanceof CancelledError) {
        if (ctx.plan!.stopOnCancel || world.stopping) return;
        continue;
      }
      world.fail(K.unexpected, `${ctx.label}: escaped ${describeOp(op)}: ${errorText(e)}`);
    }
  }
}

function nowaitGet(world: World, g: Group, name: QName, who: string): boolean {
  const q = g.queue(name);
  const L = g.ledgers[name];
  try {
    const item = q.getNowait();
    L.got.push(item);
    L.who.set(item, `${L.who.get(item) ?? "?"}, got by ${who} (${name}.getNowait)`);
    if (q instanceof Queue) q.taskDone();
    return true;
  } catch (e) {
    if (!(e instanceof QueueEmpty)) world.fail(K.unexpected, `${who}: group ${g.index} ${name}.getNowait(): ${errorText(e)}`);
    else if (!q.empty()) world.fail(K.unexpected, `${who}: group ${g.index} ${name}.getNowait() threw QueueEmpty with qsize() ${q.qsize()}`);
    return false;
  }
}

function nowaitPut(world: World, g: Group, name: QName, who: string): void {
  const q = g.queue(name);
  const L = g.ledgers[name];
  const item = world.nextItem++;
  L.who.set(item, `put by ${who}`);
  if (q instanceof RingbufQueue) {
    const full = q.full();
    const oldest = full ? q.peek() : -1;
    try {
      q.putNowait(item);
      L.acked.add(item);
      if (full) world.fail(K.unexpected, `${who}: group ${g.index} rq.putNowait() on a full ring did not throw QueueFull`);
    } catch (e) {
      if (e instanceof QueueFull && full) {
        // Hinch: the item is stored, the oldest is dropped (by design).
        L.acked.add(item);
        L.dropped.push(oldest);
        L.who.set(oldest, `${L.who.get(oldest) ?? "?"}, dropped by design by ${who}`);
      } else {
        L.failed.add(item);
        world.fail(K.unexpected, `${who}: group ${g.index} rq.putNowait() (full: ${full}): ${errorText(e)}`);
      }
    }
    return;
  }
  const full = q.full();
  try {
    q.putNowait(item);
    L.acked.add(item);
  } catch (e) {
    L.failed.add(item);
    if (!(e instanceof QueueFull)) world.fail(K.unexpected, `${who}: group ${g.index} ${name}.putNowait(): ${errorText(e)}`);
    else if (!full) world.fail(K.unexpected, `${who}: group ${g.index} ${name}.putNowait() threw QueueFull with qsize() ${q.qsize()} < maxsize`);
  }
}

// ---- the janitor: unblocks waiters once nothing moves -----------------------

function spawnHelper(world: World, g: Group, label: string, body: (ctx: Ctx) => Promise<void>): void {
  const ctx: Ctx = { label: `janitor ${label} #${world.helpers.length}`, g, plan: null, task: null, cancelsReceived: 0, cancelErrors: 0, parkedOn: label };
  world.helpers.push(ctx);
  ctx.task = world.loop.createTask(() => body(ctx));
}

function kick(world: World): void {
  world.stat("janitor: kick");
  for (const g of world.groups) {
    g.ev.set();
    g.tsf.set();
    for (const name of ["q", "bq", "rq"] as const) {
      const q = g.queue(name);
      const getters = internal<unknown[]>(q, "getters", name).length;
      for (let i = 0; i < getters && !q.full(); i++) nowaitPut(world, g, name, `janitor (${name} getters waiting)`);
      const putters = internal<unknown[]>(q, "putters", name).length;
      for (let i = 0; i < putters && !q.empty(); i++) nowaitGet(world, g, name, `janitor (${name} putters waiting)`);
    }
    if (internal<unknown[]>(g.cond, "waiting", "Condition").length > 0 && !g.notifierPending) {
      g.notifierPending = true;
      spawnHelper(world, g, "cond.notifyAll", async (ctx) => {
        const w: Wrap = { k: "plain" };
        try {
          await leaf(world, ctx, w, "cond.acquire() to notify", () => g.cond.acquire());
        } catch (e) {
          g.notifierPending = false;
          world.caught(ctx, w, e, "janitor cond.acquire()");
          return;
        }
        world.bookIn(ctx, "cond", "janitor");
        try {
          g.cond.notifyAll();
        } finally {
          g.notifierPending = false;
          world.bookOut(ctx, "cond");
          g.cond.release();
        }
      });
    }
    const missing = g.barrier.nWaiting > 0 ? g.spec.parties - g.barrier.nWaiting : 0;
    for (let i = 0; i < missing; i++) {
      spawnHelper(world, g, "barrier.wait", async (ctx) => {
        const w: Wrap = { k: "plain" };
        try {
          const got = await leaf(world, ctx, w, "janitor barrier.wait()", () => barrierWait(g));
          checkBarrierIndex(world, g, got, ctx.label);
        } catch (e) {
          world.caught(ctx, w, e, "janitor barrier.wait()");
        }
      });
    }
  }
}

// ---- the run ----------------------------------------------------------------

const POLL_S = 0.01;
const KICK_AFTER = 3; // polls without progress
const HANG_AFTER = 40; // polls without progress, kicking all along

async function main(world: World): Promise<void> {
  const { loop, host, plan } = world;
  world.mainTask = asyncio.currentTask();
  for (const wp of plan.workers) {
    const ctx: Ctx = { label: `w${wp.id}`, g: world.groups[wp.group], plan: wp, task: null, cancelsReceived: 0, cancelErrors: 0, parkedOn: "(not started)" };
    world.workers.set(wp.id, ctx);
  }
  for (const ctx of world.workers.values()) ctx.task = loop.createTask(() => worker(world, ctx));
  for (const s of plan.stimuli) {
    host.after(s.at, () => {
      world.stimuliFired++;
      const g = world.groups[s.group];
      if (s.what === "tsfSet") g.tsf.set();
      else nowaitPut(world, g, "rq", `host callback at ${s.at} ms`);
    });
  }

  const all = (): Ctx[] => [...world.workers.values(), ...world.helpers];
  const live = (): Ctx[] => all().filter((c) => !c.task!.done());
  let last = -1;
  let still = 0;
  let hung = false;
  while (live().length > 0 || world.stimuliFired < plan.stimuli.length) {
    await asyncio.sleep(POLL_S);
    if (world.progress !== last) {
      last = world.progress;
      still = 0;
      continue;
    }
    still++;
    if (still >= KICK_AFTER) {
      try {
        kick(world);
      } catch (e) {
        world.internalsFailure(e);
      }
    }
    if (still >= HANG_AFTER) {
      hung = true;
      break;
    }
  }
  if (hung) {
    const stuck = live();
    const byWhat = new Map<string, string[]>();
    for (const c of stuck) {
      const what = c.parkedOn ?? "(between awaits)";
      byWhat.set(what, [...(byWhat.get(what) ?? []), c.label]);
    }
    for (const [what, who] of byWhat) world.fail(K.hang, `${who.length} task(s) parked on: ${what} (${who.slice(0, 8).join(", ")}${who.length > 8 ? ", …" : ""})`);
    // Stop everything: cancel whatever is still running (again each poll: a task may park anew before it sees stopping).
    world.stopping = true;
    for (let i = 0; i < HANG_AFTER && live().length > 0; i++) {
      for (const c of live()) {
        try {
          if (c.task!.cancel()) c.cancelsReceived++;
        } catch (e) {
          world.fail(K.unexpected, `cancelling stuck ${c.label}: ${errorText(e)}`);
        }
      }
      await asyncio.sleep(POLL_S);
    }
    for (const c of live()) world.fail(K.unkillable, `${c.label} parked on ${c.parkedOn}`);
  }
  // Let the last steps' follow-ups (reports of unretrieved errors, voided timers) run.
  for (let i = 0; i < 4; i++) await asyncio.sleep(0);
  endChecks(world, all());
}

function endChecks(world: World, tasks: Ctx[]): void {
  const fail = (kind: string, detail: string): void => world.fail(kind, `at the end: ${detail}`);
  for (const c of tasks) {
    const t = c.task!;
    if (!t.done()) continue; // reported above
    if (t.cancelled()) {
      if (c.cancelsReceived === 0) fail(K.badEnd, `${c.label} ended cancelled but nobody cancelled it`);
      continue;
    }
    try {
      t.result();
    } catch (e) {
      fail(K.badEnd, `${c.label}: ${errorText(e)}`);
    }
  }
  for (const g of world.groups) {
    const G = `group ${g.index}`;
    // Locks (and the Condition's lock): free, and an acquire() succeeds at once.
    for (const [name, lock] of [["lock", g.lock], ["lock2", g.lock2], ["cond.lock", g.cond.lock]] as const) {
      if (lock.locked()) {
        fail(K.lockNotFree, `${G} ${name}.locked() is true`);
        continue;
      }
      void lock.acquire();
      if (!lock.locked()) fail(K.lockNotFree, `${G} ${name}: acquire() did not take it at once (handed to a waiter that never resumed?)`);
      else lock.release();
    }
    for (const [name, r] of [["lock", "lock"], ["lock2", "lock2"], ["sem", "sem"], ["bsem", "bsem"], ["cond", "cond"]] as const) {
      if (g.holders[r].size) fail(K.lockNotFree, `${G} ${name} still booked to ${[...g.holders[r]].join(", ")} (harness bookkeeping)`);
    }
    // Semaphores: exactly `initial` immediate acquires.
    for (const [name, sem, initial] of [["sem", g.sem, g.spec.sem], ["bsem", g.bsem, g.spec.bsem]] as const) {
      let n = 0;
      while (n <= initial && !sem.locked()) {
        void sem.acquire();
        n++;
      }
      if (n !== initial) fail(K.semNotInitial, `${G} ${name} = new ${name === "sem" ? "Semaphore" : "BoundedSemaphore"}(${initial}): ${n}${n > initial ? "+" : ""} immediate acquire(s) succeed`);
      for (let i = 0; i < n; i++) {
        try {
          sem.release();
        } catch (e) {
          fail(K.semNotInitial, `${G} ${name}.release() after the final count: ${errorText(e)}`);
        }
      }
      if (sem instanceof BoundedSemaphore && n === initial) {
        let threw = false;
        try {
          sem.release();
        } catch {
          threw = true;
        }
        if (!threw) fail(K.semNotInitial, `${G} bsem.release() beyond its bound did not throw: its count was below the bound`);
      }
    }
    // Queues: item conservation.
    for (const name of ["q", "bq", "rq"] as const) {
      const q = g.queue(name);
      const L = g.ledgers[name];
      const expected = L.acked.size - L.got.length - L.dropped.length;
      if (q.qsize() !== expected) {
        fail(K.queueCount, `${G} ${name}: put ${L.acked.size} - got ${L.got.length} - dropped ${L.dropped.length} = ${expected}, qsize() ${q.qsize()}`);
      }
      if (L.pending.size) fail(K.harness, `${G} ${name}: put() still under way for items ${[...L.pending].join(", ")}`);
      for (let guard = 0; !q.empty() && guard < 100000; guard++) {
        const item = q.getNowait();
        L.drained.push(item);
        if (q instanceof Queue) q.taskDone();
      }
      const seen = new Map<number, string>();
      const note = (item: number, where: string): void => {
        const before = seen.get(item);
        if (before !== undefined) fail(K.itemDup, `${G} ${name} item ${item} ${before} and ${where} (${L.who.get(item) ?? "?"})`);
        else seen.set(item, where);
        if (!L.acked.has(item)) {
          if (L.failed.has(item)) fail(K.itemFromFailedPut, `${G} ${name} item ${item} ${where} but its put raised (${L.who.get(item) ?? "?"})`);
          else fail(K.itemUnknown, `${G} ${name} item ${String(item)} ${where}`);
        }
      };
      for (const i of L.got) note(i, "was got");
      for (const i of L.dropped) note(i, "was dropped by design");
      for (const i of L.drained) note(i, "was still queued");
      for (const i of L.acked) if (!seen.has(i)) fail(K.itemLost, `${G} ${name} item ${i}: ${L.who.get(i) ?? "?"}; never got, not dropped, not in the queue`);
      if (q instanceof Queue) {
        try {
          const unfinished = internal<number>(q, "unfinished", "Queue");
          if (unfinished !== 0) fail(K.queueUnfinished, `${G} ${name}: ${unfinished} item(s) unfinished after taskDone() for every item got or drained`);
        } catch (e) {
          world.internalsFailure(e);
        }
      }
    }
    // Barrier.
    if (g.barrier.nWaiting !== 0 || g.barrier.broken) fail(K.barrierLeft, `${G} barrier: nWaiting ${g.barrier.nWaiting}, broken ${g.barrier.broken}`);
    // Nothing left in any wait line.
    try {
      for (const [name, line] of g.lines()) if (line.length) fail(K.waiterLeft, `${G} ${name}: ${line.length} waiter(s)`);
    } catch (e) {
      world.internalsFailure(e);
    }
  }
  // The loop: timer heap empty, nothing ready or polled (this step is main's own).
  try {
    const loop = world.loop;
    const sleepers = internal<{ size: number }>(loop, "sleepers", "Loop");
    const ready = { length: internal<() => number>(loop, "queuedCount", "Loop").call(loop) };
    const polled = internal<{ length: number }>(loop, "polled", "Loop");
    if (typeof sleepers.size !== "number") throw new InternalsError("Loop.sleepers: no size");
    if (sleepers.size !== 0) fail(K.loopLeft, `timer heap holds ${sleepers.size} entr${sleepers.size === 1 ? "y" : "ies"}`);
    if (ready.length !== 0) fail(K.loopLeft, `ready queue holds ${ready.length} entr${ready.length === 1 ? "y" : "ies"}`);
    if (polled.length !== 0) fail(K.loopLeft, `polled list holds ${polled.length} waiter(s)`);
  } catch (e) {
    world.internalsFailure(e);
  }
}

export interface RunOptions {
  /** Real-time limit for one run (ms); default 60 000. */
  watchdogMs?: number;
}

/** Runs one plan on a fresh loop over a fresh virtual host; never throws. */
export async function runPlan(plan: Plan, options: RunOptions = {}): Promise<RunResult> {
  const host = makeHost(plan.host);
  const t0 = Date.now();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  let world: World | null = null;
  const failures = new Failures();
  try {
    await withHost(host, async (loop) => {
      const w = (world = new World(plan, loop, host));
      // The loop arms its host timer for a later deadline only when nothing is ready: an idle moment.
      const arm = host.arm.bind(host);
      host.arm = (delayMs, tick) => {
        arm(delayMs, tick);
        if (delayMs > 0) w.idleCheck("idle");
      };
      loop.setExceptionHandler((_loop, context) => {
        w.fail(K.reported, `${context.message}${context.future ? ` (${String(context.future)})` : ""}: ${errorText(context.exception)}`);
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const watchdog = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), options.watchdogMs ?? 60000);
      });
      try {
        const outcome = await Promise.race([loop.runUntilComplete(() => main(w)), watchdog]);
        if (outcome === "timeout") w.fail(K.harness, `the run did not finish within ${options.watchdogMs ?? 60000} ms of real time`);
      } catch (e) {
        w.fail(K.harness, `main raised ${errorText(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`);
      } finally {
        clearTimeout(timer);
      }
    });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
  } catch (e) {
    failures.add(K.harness, `withHost raised ${errorText(e)}`);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  const w = world as World | null;
  if (w) {
    for (const [kind, f] of w.failures.map) {
      const mine = failures.map.get(kind);
      if (mine) {
        mine.count += f.count;
        mine.examples.push(...f.examples.slice(0, MAX_EXAMPLES - mine.examples.length));
      } else failures.map.set(kind, f);
    }
  }
  for (const text of host.reports) failures.add(K.hostReport, text);
  for (const reason of unhandled) failures.add(K.unhandled, errorText(reason));
  return { plan, failures: failures.map, stats: w ? w.stats : {}, virtualMs: host.now(), wallMs: Date.now() - t0 };
}

/** Failures as text, one block per kind. */
export function describeFailures(result: RunResult): string {
  const out: string[] = [];
  for (const f of result.failures.values()) {
    out.push(`${f.kind} (${f.count}×)`);
    for (const e of f.examples) out.push(`    ${e}`);
  }
  return out.join("\n");
}

