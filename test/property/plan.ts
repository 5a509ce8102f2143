/**
 * The plan of a property run: pure data drawn from a seed (what every task
 * will do, which primitives exist, which host callbacks fire when), so that a
 * failing run can be replayed, shrunk and printed.
 */
import { int, mulberry32, pick, subSeed, weighted, type Rng } from "./prng";

export type HostKind = "exact" | "costly" | "moddable";
export const HOST_KINDS: readonly HostKind[] = ["exact", "costly", "moddable"];
export const HOST_LABELS: Record<HostKind, string> = {
  exact: "new VirtualHost() (exact turns, time moves only when idle)",
  costly: "new VirtualHost({ turnCost: 1 }) (time moves 1 ms every host turn)",
  moddable: "new VirtualHost({ turnCost: 1, exactTurns: false, turn: queueMicrotask }) (Moddable-like: turns fire between promise jobs)",
};

/** Queues: an unbounded Queue, a bounded Queue, a RingbufQueue. */
export type QName = "q" | "bq" | "rq";
/** Things a task holds, in the one global acquisition order (no deadlock between holders). */
export type RName = "lock" | "lock2" | "sem" | "bsem" | "cond";
export const RESOURCE_ORDER: readonly RName[] = ["lock", "lock2", "sem", "bsem", "cond"];

/** How an operation is awaited. `fn`: waitFor gets a function (started in the runner) instead of a started coroutine. */
export type Wrap =
  | { k: "plain" }
  | { k: "waitFor"; s: number | null; fn: boolean }
  | { k: "waitForMs"; ms: number | null; fn: boolean }
  | { k: "timeout"; s: number | null }
  | { k: "timeoutMs"; ms: number | null };

export type Op =
  | { o: "sleep"; s: number; w: Wrap }
  | { o: "get"; q: QName; w: Wrap }
  | { o: "put"; q: QName; w: Wrap }
  | { o: "getNowait"; q: QName }
  | { o: "putNowait"; q: QName }
  | { o: "evWait"; w: Wrap }
  | { o: "evSet" }
  | { o: "evClear" }
  | { o: "tsfWait"; w: Wrap }
  | { o: "tsfSet" }
  | { o: "barrier"; w: Wrap }
  /** acquire r (wrapped), run body, release in finally. */
  | { o: "hold"; r: RName; w: Wrap; body: Op[] }
  /** Only inside hold cond. */
  | { o: "condWait"; w: Wrap }
  | { o: "notify"; n: number }
  | { o: "notifyAll" }
  /** cancel() worker `target`; first sleep(delay) when delay is not null (0: right after a sleep(0)). */
  | { o: "cancel"; target: number; delay: number | null };

export interface GroupSpec {
  bqSize: number;
  rqCapacity: number;
  sem: number;
  bsem: number;
  parties: number;
}

export interface WorkerPlan {
  id: number;
  group: number;
  /** After a CancelledError reaches the top: stop (true) or go on with the next op (false). */
  stopOnCancel: boolean;
  ops: Op[];
}

/** A host callback (outside any task) at virtual time `at`: ThreadSafeFlag.set() or RingbufQueue.putNowait(), both documented as interrupt-safe. */
export interface Stimulus {
  at: number;
  group: number;
  what: "tsfSet" | "rqPut";
}

export interface Plan {
  seed: number;
  host: HostKind;
  groups: GroupSpec[];
  workers: WorkerPlan[];
  stimuli: Stimulus[];
}

export interface PlanOptions {
  seed: number;
  host: HostKind;
  /** Worker tasks (default 1000). */
  tasks?: number;
  /** At most this many top-level ops per task (default 6). */
  opsPerTask?: number;
  /** Tasks sharing one set of primitives (default 100). */
  groupSize?: number;
  /** Only limits > 0 or null (leaves out waitFor(op, 0) and negative limits; for hunting bugs behind those). */
  positiveLimits?: boolean;
  /** Only these ways of awaiting (default all: plain, waitFor, waitForMs, timeout, timeoutMs). */
  wraps?: readonly Wrap["k"][];
  /** false: no task cancels another (only timeouts cancel). */
  cancels?: boolean;
}

interface Gen {
  rng: Rng;
  self: number;
  tasks: number;
  limitsS: readonly (number | null)[];
  limitsMs: readonly (number | null)[];
  wraps: Partial<Record<Wrap["k"], number>>;
  cancels: boolean;
}

// 100 s outlives any run: a deadline that is not taken out of the timer heap when the op ends is still there at the end.
const LIMITS_S: readonly (number | null)[] = [-0.001, 0, 0, 0.001, 0.002, 0.005, 0.01, 0.03, 100, null];
const LIMITS_MS: readonly (number | null)[] = [-1, 0, 0, 1, 2, 5, 10, 30, 100000, null];
const SLEEPS_S: readonly number[] = [0, 0, 0.001, 0.002, 0.005, 0.02];

function genWrap(gen: Gen): Wrap {
  const { rng } = gen;
  switch (weighted(rng, gen.wraps)) {
    case "plain":
      return { k: "plain" };
    case "waitFor":
      return { k: "waitFor", s: pick(rng, gen.limitsS), fn: rng() < 0.5 };
    case "waitForMs":
      return { k: "waitForMs", ms: pick(rng, gen.limitsMs), fn: rng() < 0.5 };
    case "timeout":
      return { k: "timeout", s: pick(rng, gen.limitsS) };
    default:
      return { k: "timeoutMs", ms: pick(rng, gen.limitsMs) };
  }
}

function genOps(gen: Gen, count: number, depth: number, minResource: number, inCond: boolean): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) ops.push(genOp(gen, depth, minResource, inCond));
  return ops;
}

function genOp(gen: Gen, depth: number, minResource: number, inCond: boolean): Op {
  const { rng, self, tasks } = gen;
  const q = (): QName => pick(rng, ["q", "bq", "bq", "rq", "rq"] as const);
  const plainOr = (pPlain: number): Wrap => (gen.wraps.plain && rng() < pPlain ? { k: "plain" } : genWrap(gen));
  if (inCond && rng() < 0.4) {
    const k = weighted(rng, { condWait: 5, notify: 3, notifyAll: 2 });
    if (k === "condWait") return { o: "condWait", w: genWrap(gen) };
    if (k === "notify") return { o: "notify", n: int(rng, 0, 2) };
    return { o: "notifyAll" };
  }
  const canHold = depth < 2 && minResource < RESOURCE_ORDER.length;
  const kind = weighted(rng, {
    sleep: 8, get: 12, put: 12, nowait: 6, event: 9, tsf: 5, barrier: 6, hold: canHold ? 22 : 0, cancel: tasks > 1 && gen.cancels ? 10 : 0,
  });
  switch (kind) {
    case "sleep":
      return { o: "sleep", s: pick(rng, SLEEPS_S), w: plainOr(0.6) };
    case "get":
      return { o: "get", q: q(), w: genWrap(gen) };
    case "put":
      return { o: "put", q: q(), w: genWrap(gen) };
    case "nowait":
      return rng() < 0.5 ? { o: "getNowait", q: q() } : { o: "putNowait", q: q() };
    case "event": {
      const k = weighted(rng, { wait: 5, set: 3, clear: 1 });
      if (k === "wait") return { o: "evWait", w: genWrap(gen) };
      return k === "set" ? { o: "evSet" } : { o: "evClear" };
    }
    case "tsf":
      return rng() < 0.6 ? { o: "tsfWait", w: genWrap(gen) } : { o: "tsfSet" };
    case "barrier":
      return { o: "barrier", w: genWrap(gen) };
    case "hold": {
      const r = int(rng, minResource, RESOURCE_ORDER.length - 1);
      const name = RESOURCE_ORDER[r];
      const body = genOps(gen, int(rng, 0, 2), depth + 1, r + 1, name === "cond");
      return { o: "hold", r: name, w: plainOr(0.4), body };
    }
    default: {
      let target = int(rng, 0, tasks - 2);
      if (target >= self) target++;
      const d = rng();
      return { o: "cancel", target, delay: d < 0.3 ? null : d < 0.7 ? 0 : int(rng, 1, 20) / 1000 };
    }
  }
}

export function makePlan(options: PlanOptions): Plan {
  const tasks = options.tasks ?? 1000;
  const opsPerTask = options.opsPerTask ?? 6;
  const groupSize = options.groupSize ?? 100;
  const seed = options.seed;
  const nGroups = Math.max(1, Math.ceil(tasks / groupSize));
  const top = mulberry32(subSeed(seed, -1));
  const groups: GroupSpec[] = [];
  for (let g = 0; g < nGroups; g++) {
    groups.push({ bqSize: int(top, 1, 3), rqCapacity: int(top, 1, 3), sem: int(top, 1, 3), bsem: int(top, 1, 3), parties: int(top, 2, 3) });
  }
  const positive = <T extends number | null>(l: readonly T[]): T[] => l.filter((v) => v === null || v > 0);
  const allWraps: Record<Wrap["k"], number> = { plain: 30, waitFor: 17, waitForMs: 17, timeout: 18, timeoutMs: 18 };
  const wraps: Partial<Record<Wrap["k"], number>> = {};
  for (const k of options.wraps ?? (Object.keys(allWraps) as Wrap["k"][])) {
    if (!(k in allWraps)) throw new Error(`makePlan: unknown wrap ${k} (${Object.keys(allWraps).join(", ")})`);
    wraps[k] = allWraps[k];
  }
  const workers: WorkerPlan[] = [];
  for (let id = 0; id < tasks; id++) {
    const gen: Gen = {
      rng: mulberry32(subSeed(seed, id)),
      self: id,
      tasks,
      limitsS: options.positiveLimits ? positive(LIMITS_S) : LIMITS_S,
      limitsMs: options.positiveLimits ? positive(LIMITS_MS) : LIMITS_MS,
      wraps,
      cancels: options.cancels ?? true,
    };
    const group = id % nGroups;
    const stopOnCancel = gen.rng() < 0.5;
    workers.push({ id, group, stopOnCancel, ops: genOps(gen, int(gen.rng, 1, opsPerTask), 0, 0, false) });
  }
  const stimuli: Stimulus[] = [];
  for (let g = 0; g < nGroups; g++) {
    const n = 2 + Math.floor(Math.min(tasks, groupSize) / 20);
    for (let i = 0; i < n; i++) stimuli.push({ at: int(top, 0, 150), group: g, what: top() < 0.5 ? "tsfSet" : "rqPut" });
  }
  return { seed, host: options.host, groups, workers, stimuli };
}

// ---- printing -------------------------------------------------------------

function lim(v: number | null, unit: string): string {
  return v === null ? "null" : `${v}${unit}`;
}

export function describeCall(w: Wrap, call: string, fnCall = `() => ${call}`): string {
  switch (w.k) {
    case "plain":
      return `await ${call}`;
    case "waitFor":
      return `await asyncio.waitFor(${w.fn ? fnCall : call}, ${lim(w.s, "")})`;
    case "waitForMs":
      return `await asyncio.waitForMs(${w.fn ? fnCall : call}, ${lim(w.ms, "")})`;
    case "timeout":
      return `await asyncio.timeout(${lim(w.s, "")}, ${fnCall})`;
    case "timeoutMs":
      return `await asyncio.timeoutMs(${lim(w.ms, "")}, ${fnCall})`;
  }
}

export function describeOp(op: Op): string {
  switch (op.o) {
    case "sleep":
      return describeCall(op.w, `asyncio.sleep(${op.s})`);
    case "get":
      return describeCall(op.w, `${op.q}.get()`);
    case "put":
      return describeCall(op.w, `${op.q}.put(item)`);
    case "getNowait":
      return `${op.q}.getNowait()`;
    case "putNowait":
      return `${op.q}.putNowait(item)`;
    case "evWait":
      return describeCall(op.w, "ev.wait()");
    case "evSet":
      return "ev.set()";
    case "evClear":
      return "ev.clear()";
    case "tsfWait":
      return describeCall(op.w, "tsf.wait()");
    case "tsfSet":
      return "tsf.set()";
    case "barrier":
      return describeCall(op.w, "barrier.wait()");
    case "hold":
      return `${describeCall(op.w, `${op.r}.acquire()`)}; try { ${op.body.map(describeOp).join("; ")} } finally { ${op.r}.release() }`;
    case "condWait":
      return describeCall(op.w, "cond.wait()");
    case "notify":
      return `cond.notify(${op.n})`;
    case "notifyAll":
      return "cond.notifyAll()";
    case "cancel":
      return `${op.delay === null ? "" : `await asyncio.sleep(${op.delay}); `}w${op.target}.cancel()`;
  }
}

export function describeGroup(g: GroupSpec, index: number): string {
  return `group ${index}: q = new Queue(), bq = new Queue(${g.bqSize}), rq = new RingbufQueue(${g.rqCapacity}), lock, lock2 = new Lock(), ` +
    `sem = new Semaphore(${g.sem}), bsem = new BoundedSemaphore(${g.bsem}), cond = new Condition(), barrier = new Barrier(${g.parties}), ev = new Event(), tsf = new ThreadSafeFlag()`;
}

/** The whole plan, readable: what a shrunk failure prints. */
export function describePlan(plan: Plan): string {
  const lines = [`seed ${plan.seed}, host ${plan.host}: ${HOST_LABELS[plan.host]}`];
  const used = new Set(plan.workers.map((w) => w.group));
  for (const g of used) lines.push(describeGroup(plan.groups[g], g));
  for (const w of plan.workers) {
    lines.push(`w${w.id} (group ${w.group}${w.stopOnCancel ? ", stops when cancelled" : ""}): ${w.ops.map(describeOp).join("; ")}`);
  }
  for (const s of plan.stimuli) lines.push(`at ${s.at} ms, from a host callback: group ${s.group} ${s.what === "tsfSet" ? "tsf.set()" : "rq.putNowait(item)"}`);
  return lines.join("\n");
}

/** Number of ops in a plan, nested ones included (for shrinking reports). */
export function planSize(plan: Plan): number {
  const count = (ops: Op[]): number => ops.reduce((n, op) => n + 1 + (op.o === "hold" ? count(op.body) : 0), 0);
  return plan.workers.reduce((n, w) => n + count(w.ops), 0) + plan.stimuli.length;
}
