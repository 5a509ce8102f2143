/**
 * Shrinks a failing plan while it keeps failing with the same kind: drops
 * workers (delta debugging), host callbacks, ops, unwraps holds and wraps.
 * Plans are data and runs deterministic, so the result replays exactly.
 */
import { runPlan } from "./harness";
import type { Op, Plan, WorkerPlan } from "./plan";

type Log = (msg: string) => void;

/** Keeps failing with `kind` (and, given `match`, with an example of that kind containing `match`). */
export async function shrink(plan: Plan, kind: string, log: Log = () => {}, budget = 4000, match?: string): Promise<Plan> {
  let runs = 0;
  const fails = async (p: Plan): Promise<boolean> => {
    runs++;
    const r = await runPlan(p, { watchdogMs: 120000 });
    const f = r.failures.get(kind);
    return !!f && (match === undefined || f.examples.some((e) => e.includes(match)));
  };
  let cur = plan;
  if (!(await fails(cur))) {
    log("the plan does not fail again: not deterministic?");
    return cur;
  }
  const withWorkers = (ws: WorkerPlan[]): Plan => ({ ...cur, workers: ws });

  // 1. Workers: delta debugging (drop chunks, halving the chunk size).
  for (let chunk = Math.ceil(cur.workers.length / 2); chunk >= 1 && runs < budget; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    for (let start = 0; start < cur.workers.length && runs < budget; ) {
      const trial = withWorkers([...cur.workers.slice(0, start), ...cur.workers.slice(start + chunk)]);
      if (trial.workers.length > 0 && (await fails(trial))) cur = trial;
      else start += chunk;
    }
    log(`chunk ${chunk}: ${cur.workers.length} worker(s) left (${runs} runs)`);
  }
  // 2. Host callbacks.
  if (cur.stimuli.length && (await fails({ ...cur, stimuli: [] }))) cur = { ...cur, stimuli: [] };
  for (let i = 0; i < cur.stimuli.length && runs < budget; ) {
    const trial = { ...cur, stimuli: [...cur.stimuli.slice(0, i), ...cur.stimuli.slice(i + 1)] };
    if (await fails(trial)) cur = trial;
    else i++;
  }
  // 3. Ops, until nothing changes.
  let changed = true;
  while (changed && runs < budget) {
    changed = false;
    for (let wi = 0; wi < cur.workers.length && runs < budget; wi++) {
      for (const variant of opVariants(cur.workers[wi].ops)) {
        const ws = cur.workers.slice();
        ws[wi] = { ...ws[wi], ops: variant };
        const trial = withWorkers(ws);
        if (await fails(trial)) {
          cur = trial;
          changed = true;
          break;
        }
      }
      if (!changed && cur.workers[wi].stopOnCancel) {
        const ws = cur.workers.slice();
        ws[wi] = { ...ws[wi], stopOnCancel: false };
        if (await fails(withWorkers(ws))) {
          cur = withWorkers(ws);
          changed = true;
        }
      }
    }
    // Workers whose ops all went: drop them.
    const trial = withWorkers(cur.workers.filter((w) => w.ops.length > 0));
    if (trial.workers.length !== cur.workers.length && (await fails(trial))) cur = trial;
  }
  log(`shrunk to ${cur.workers.length} worker(s) in ${runs} runs`);
  return cur;
}

/** Smaller versions of an op list: one op removed, a hold replaced by its body, a wrap made plain, a nested list shrunk. */
function* opVariants(ops: Op[]): Generator<Op[]> {
  for (let i = ops.length - 1; i >= 0; i--) yield [...ops.slice(0, i), ...ops.slice(i + 1)];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const put = (o: Op | Op[]): Op[] => [...ops.slice(0, i), ...(Array.isArray(o) ? o : [o]), ...ops.slice(i + 1)];
    if (op.o === "hold") {
      if (op.r !== "cond" || !op.body.some((b) => b.o === "condWait" || b.o === "notify" || b.o === "notifyAll")) yield put(op.body);
      for (const body of opVariants(op.body)) yield put({ ...op, body });
      if (op.w.k !== "plain") yield put({ ...op, w: { k: "plain" } });
    } else if ("w" in op && op.w.k !== "plain") {
      yield put({ ...op, w: { k: "plain" } } as Op);
    }
    if (op.o === "cancel" && op.delay !== null && op.delay !== 0) yield put({ ...op, delay: 0 });
  }
}
