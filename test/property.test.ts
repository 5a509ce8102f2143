// Seeded property test (issue 9 §1): ≥ 1 000 tasks doing random operations on
// every primitive (Queue bounded and unbounded, RingbufQueue, Lock, Semaphore,
// BoundedSemaphore, Condition, Barrier, Event, ThreadSafeFlag, sleep) through
// plain awaits, waitFor/waitForMs and timeout/timeoutMs (limits 0 and negative
// included), with random cancel()s, on three hosts: exact virtual turns, time
// moving every host turn, and Moddable-like turns that fire between promise
// jobs. Checked during the run: mutual exclusion, no CancelledError in a task
// nobody cancelled, no TimeoutError without a limit, no stale waiter in a wait
// line, no lost wake-up whenever the loop is idle. At the end: every lock free,
// every semaphore at its initial value, no waiter left anywhere, every item put
// accounted for exactly once (put − got − dropped-by-design = qsize), the timer
// heap empty, nothing reported, nothing unhandled. See test/property/harness.ts.
//
// Sizes: PROPERTY_TASKS (default 1000) and PROPERTY_SEEDS (default "1,2,3").
// Bigger runs and shrinking: bench/soak.ts.
import { expect } from "chai";
import { describeFailures, runPlan, type RunResult } from "./property/harness";
import { MUTANTS, type Expected } from "./property/mutants";
import { HOST_KINDS, HOST_LABELS, makePlan, type PlanOptions } from "./property/plan";
import { REGRESSIONS } from "./property/regressions";

const TASKS = Number(process.env.PROPERTY_TASKS ?? 1000);
const SEEDS = (process.env.PROPERTY_SEEDS ?? "1,2,3").split(",").map(Number);

/** Each profile is the same property; the narrower ones keep one bug class from hiding behind another. */
const PROFILES: { name: string; flags: string; options: Partial<PlanOptions> }[] = [
  { name: "every way of awaiting, limits <= 0 included", flags: "", options: {} },
  { name: "plain awaits only", flags: " --wraps plain", options: { wraps: ["plain"] } },
  { name: "limits > 0 or null only", flags: " --positive-limits", options: { positiveLimits: true } },
  { name: "no cancel() between tasks (timeouts only)", flags: " --no-cancel", options: { cancels: false } },
];

describe("property: random operations on every primitive, random cancels and timeouts, strict invariants", function () {
  this.timeout(60000);
  for (const host of HOST_KINDS) {
    describe(HOST_LABELS[host], () => {
      for (const profile of PROFILES) {
        for (const seed of SEEDS) {
          it(`${profile.name}: seed ${seed}, ${TASKS} tasks`, async () => {
            const r = await runPlan(makePlan({ seed, host, tasks: TASKS, ...profile.options }));
            const replay = `node -r ts-node/register/transpile-only -r ./hosts/node/aliases.ts bench/soak.ts --tasks ${TASKS} --seed ${seed} --seeds 1 --hosts ${host}${profile.flags} --shrink`;
            expect(r.failures.size, `${describeFailures(r)}\n  shrink it with: ${replay}`).to.equal(0);
          });
        }
      }
    });
  }
});

describe("property: minimal plans shrunk from failures (regressions)", function () {
  this.timeout(60000);
  for (const reg of REGRESSIONS) {
    it(reg.name, async () => {
      const r = await runPlan(reg.plan);
      expect(r.failures.size, describeFailures(r)).to.equal(0);
    });
  }
});

describe("property: the harness catches planted bugs", function () {
  this.timeout(60000);
  const seeds = [1, 2, 3];
  const plans = seeds.map((seed) => makePlan({ seed, host: "exact", tasks: 300 }));
  /** The same plans without any mutant (the library as it is): a planted bug counts only where these do not show it. */
  let clean: RunResult[] | null = null;
  const matches = (r: RunResult, e: Expected): boolean => !!r.failures.get(e.kind)?.examples.some((x) => x.includes(e.text));
  for (const mutant of MUTANTS) {
    it(mutant.name, async function () {
      if (clean === null) {
        const runs: RunResult[] = [];
        for (const p of plans) runs.push(await runPlan(p)); // one at a time: runs share the current loop
        clean = runs;
      }
      const caught: string[] = [];
      const undo = mutant.plant();
      try {
        for (let i = 0; i < plans.length && caught.length === 0; i++) {
          const r = await runPlan(plans[i]);
          for (const e of mutant.expect) if (matches(r, e) && !matches(clean[i], e)) caught.push(`${e.kind} (${e.text.trim()}) in seed ${seeds[i]}`);
        }
      } finally {
        undo();
      }
      if (caught.length === 0 && mutant.expect.some((e) => clean!.some((r) => matches(r, e)))) {
        // The library already breaks this invariant without help (see the failing property tests above).
        this.skip();
      }
      expect(caught, `none of: ${mutant.expect.map((e) => `${e.kind} (${e.text.trim()})`).join("; ")}`).to.not.be.empty;
    });
  }
});
