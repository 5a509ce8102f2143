/**
 * Minimal plans, shrunk from property failures of the library as of f44b01d
 * (bench/soak.ts --shrink), one per distinct bug. Each runs under every
 * invariant of the property test; `breaks` names what it broke.
 */
import type { GroupSpec, HostKind, Op, Plan, Wrap } from "./plan";

export interface Regression {
  name: string;
  /** The invariant(s) it broke when found. */
  breaks: string;
  plan: Plan;
}

const GROUP: GroupSpec = { bqSize: 1, rqCapacity: 1, sem: 1, bsem: 1, parties: 2 };

function plan(host: HostKind, workers: Op[][], group: Partial<GroupSpec> = {}): Plan {
  return {
    seed: 0,
    host,
    groups: [{ ...GROUP, ...group }],
    workers: workers.map((ops, id) => ({ id, group: 0, stopOnCancel: false, ops })),
    stimuli: [],
  };
}

const plain: Wrap = { k: "plain" };
const cancel = (target: number, delay: number | null = 0): Op => ({ o: "cancel", target, delay });

export const REGRESSIONS: Regression[] = [
  {
    name: "waitFor(() => sem.acquire(), 0) on a free semaphore",
    breaks: "CancelledError in a task nobody cancelled; semaphore not back at its initial value",
    plan: plan("exact", [[{ o: "hold", r: "sem", w: { k: "waitFor", s: 0, fn: true }, body: [] }]], { sem: 3 }),
  },
  {
    name: "waitForMs(bq.put(item), 0) on a queue with room",
    breaks: "CancelledError in a task nobody cancelled; item from a put() that raised",
    plan: plan("exact", [[{ o: "put", q: "bq", w: { k: "waitForMs", ms: 0, fn: false } }]], { bqSize: 2 }),
  },
  {
    name: "waitFor(() => cond.wait(), 0) under the lock",
    breaks: "Condition.wait() came back without the lock; release() raised; waiter left",
    plan: plan("exact", [[{ o: "hold", r: "cond", w: plain, body: [{ o: "condWait", w: { k: "waitFor", s: 0, fn: true } }] }]]),
  },
  {
    name: "waitForMs(() => lock.acquire(), 1) when time moves every turn (result after the deadline, before the caller resumed)",
    breaks: "lock not free at the end",
    plan: plan("costly", [[{ o: "hold", r: "lock", w: { k: "waitForMs", ms: 1, fn: true }, body: [] }]]),
  },
  {
    name: "waitFor(bq.get(), 0.01): caller cancelled after the inner get took the item",
    breaks: "item lost; Queue.taskDone() bookkeeping off",
    plan: plan("exact", [
      [{ o: "put", q: "bq", w: plain }],
      [{ o: "get", q: "bq", w: { k: "waitFor", s: 0.01, fn: false } }],
      [cancel(1)],
    ]),
  },
  {
    name: "waitFor(bsem.acquire(), 0.03): caller cancelled after acquire() took the permit at once",
    breaks: "semaphore not back at its initial value",
    plan: plan("exact", [[cancel(1)], [{ o: "hold", r: "bsem", w: { k: "waitFor", s: 0.03, fn: false }, body: [] }]], { bsem: 3 }),
  },
  {
    name: "waitForMs(() => rq.get(), null): caller cancelled after the inner get was handed the item",
    breaks: "item lost",
    plan: plan("exact", [[{ o: "get", q: "rq", w: { k: "waitForMs", ms: null, fn: true } }], [{ o: "putNowait", q: "rq" }], [cancel(0)]], { rqCapacity: 2 }),
  },
  {
    name: "timeoutMs(1, () => rq.put(item)): caller cancelled after the body put the item",
    breaks: "item from a put() that raised",
    plan: plan("exact", [
      [{ o: "hold", r: "sem", w: { k: "timeoutMs", ms: 2 }, body: [cancel(1, null)] }],
      [{ o: "put", q: "rq", w: { k: "timeoutMs", ms: 1 } }],
    ], { sem: 3, rqCapacity: 3 }),
  },
  {
    name: "waitForMs(() => cond.wait(), 30): caller cancelled, returns before the inner wait() re-took the lock",
    breaks: "more holders than permits (mutual exclusion broken)",
    plan: plan("exact", [
      [{ o: "hold", r: "cond", w: { k: "waitForMs", ms: 30, fn: true }, body: [{ o: "sleep", s: 0.02, w: plain }] }],
      [{ o: "hold", r: "cond", w: plain, body: [{ o: "condWait", w: { k: "waitForMs", ms: 30, fn: true } }] }],
      [cancel(1, 0.015)],
    ]),
  },
  {
    name: "RingbufQueue: getter handed an item, ring fills, getter cancelled",
    breaks: "item lost (neither got, nor dropped with QueueFull, nor queued)",
    plan: plan("exact", [[{ o: "get", q: "rq", w: plain }], [{ o: "putNowait", q: "rq" }, { o: "putNowait", q: "rq" }, cancel(0, null)]]),
  },
  {
    name: "RingbufQueue.put(): a woken putter's item goes straight to a getter, the next putter waits on a ring with room",
    breaks: "lost wake-up (put() waiting while the ring is not full); tasks stuck",
    plan: plan("exact", [
      [{ o: "putNowait", q: "rq" }],
      [{ o: "put", q: "rq", w: plain }],
      [{ o: "put", q: "rq", w: plain }],
      [{ o: "getNowait", q: "rq" }, { o: "get", q: "rq", w: plain }],
    ]),
  },
  {
    name: "Moddable-like turns: a task that runs on without parking (uncontended acquires) keeps currentTask() and its cancel()",
    breaks: "currentTask() is not the task whose code is running (it is the main task, or another task); its next waiter belongs to that task",
    plan: plan("moddable", [
      [
        { o: "sleep", s: 0, w: plain },
        ...Array.from({ length: 12 }, (): Op => ({ o: "hold", r: "lock", w: plain, body: [] })),
        { o: "get", q: "q", w: plain },
      ],
      [{ o: "sleep", s: 0.01, w: plain }, { o: "put", q: "q", w: plain }],
    ]),
  },
];
