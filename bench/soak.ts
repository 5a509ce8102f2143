// The seeded property test (test/property.test.ts) at soak size, from the command line:
//
//   node -r ts-node/register/transpile-only -r ./hosts/node/aliases.ts bench/soak.ts --tasks 20000 --seeds 20
//
// Options:
//   --tasks N         worker tasks per run (default 5000)
//   --seeds K         seeds per host (default 10), starting at --seed S (default 1)
//   --hosts a,b       exact, costly, moddable (default all three)
//   --ops N           at most N top-level ops per task (default 6)
//   --group N         tasks sharing one set of primitives (default 100)
//   --positive-limits only limits > 0 or null (hunt bugs hidden behind waitFor(op, 0))
//   --wraps a,b       only these ways of awaiting: plain, waitFor, waitForMs, timeout, timeoutMs
//   --no-cancel       no task cancels another (only timeouts cancel)
//   --shrink          for each failure kind, shrink the first failing run to a minimal plan and print it
//   --kind TEXT       only shrink failure kinds containing TEXT
//   --match TEXT      only runs with a failure example containing TEXT count, and shrinking keeps one
//   --save FILE       with --shrink: write the shrunk plans as JSON (an array) to FILE
//   --replay FILE     run the plan(s) saved in FILE (a plan or an array of plans) and print their failures
//   --verbose         print every failure example, not just the first ones
//   --stats           print op/outcome counts
//
// Exit status 1 when any run fails.
import * as fs from "fs";
import { describeFailures, K, runPlan, type RunResult } from "../test/property/harness";
import { HOST_KINDS, describePlan, makePlan, planSize, type HostKind, type Plan } from "../test/property/plan";
import { shrink } from "../test/property/shrink";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const tasks = Number(arg("tasks") ?? 5000);
const seeds = Number(arg("seeds") ?? 10);
const firstSeed = Number(arg("seed") ?? 1);
const opsPerTask = Number(arg("ops") ?? 6);
const groupSize = Number(arg("group") ?? 100);
const hosts = (arg("hosts")?.split(",") ?? [...HOST_KINDS]) as HostKind[];
const kindFilter = arg("kind");
const positiveLimits = flag("positive-limits");
const cancels = !flag("no-cancel");
const match = arg("match");
const wraps = arg("wraps")?.split(",") as ("plain" | "waitFor" | "waitForMs" | "timeout" | "timeoutMs")[] | undefined;
for (const h of hosts) if (!HOST_KINDS.includes(h)) throw new Error(`--hosts: unknown host ${h} (${HOST_KINDS.join(", ")})`);

async function replay(file: string): Promise<void> {
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as Plan | Plan[];
  let failed = 0;
  for (const plan of Array.isArray(data) ? data : [data]) {
    const r = await runPlan(plan);
    console.log(describePlan(plan));
    console.log(r.failures.size ? `FAILED:\n${describeFailures(r).replace(/^/gm, "    ")}` : "ok");
    console.log("");
    if (r.failures.size) failed++;
  }
  process.exitCode = failed ? 1 : 0;
}

async function soak(): Promise<void> {
  let failed = 0;
  const firstByKind = new Map<string, RunResult>();
  const t0 = Date.now();
  for (const host of hosts) {
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const plan = makePlan({ seed, host, tasks, opsPerTask, groupSize, positiveLimits, wraps, cancels });
      const r = await runPlan(plan, { watchdogMs: 600000 });
      const kinds = [...r.failures.values()];
      const line = `${host.padEnd(8)} seed ${String(seed).padStart(4)} tasks ${tasks}: ${r.wallMs} ms real, ${r.virtualMs.toFixed(0)} ms virtual`;
      if (kinds.length === 0) {
        console.log(`${line}: ok`);
      } else {
        failed++;
        console.log(`${line}: FAILED — ${kinds.map((f) => `${f.kind} ×${f.count}`).join("; ")}`);
        if (flag("verbose")) console.log(describeFailures(r).replace(/^/gm, "    "));
        for (const f of kinds) {
          if (firstByKind.has(f.kind)) continue;
          if (match !== undefined && !f.examples.some((e) => e.includes(match))) continue;
          firstByKind.set(f.kind, r);
        }
      }
      if (flag("stats")) console.log(Object.entries(r.stats).sort().map(([k, v]) => `    ${k}: ${v}`).join("\n"));
    }
  }
  console.log(`\n${hosts.length * seeds} run(s), ${failed} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (firstByKind.size) {
    console.log("\nFirst failure of each kind:");
    for (const [kind, r] of firstByKind) {
      const f = r.failures.get(kind)!;
      console.log(`\n${kind} — first in seed ${r.plan.seed} on ${r.plan.host} (${f.count}×):`);
      for (const e of f.examples.slice(0, flag("verbose") ? f.examples.length : 3)) console.log(`    ${e}`);
    }
  }
  if (flag("shrink")) {
    const saved: Plan[] = [];
    for (const [kind, r] of firstByKind) {
      if (kindFilter && !kind.includes(kindFilter)) continue;
      if (kind === K.harness || kind === K.internals) continue;
      console.log(`\n=== shrinking "${kind}" (seed ${r.plan.seed}, ${r.plan.host}, ${planSize(r.plan)} ops) ===`);
      const small = await shrink(r.plan, kind, (msg) => console.log(`  ${msg}`), 4000, match);
      const again = await runPlan(small);
      console.log(describePlan(small));
      console.log("failures of the shrunk plan:");
      console.log(describeFailures(again).replace(/^/gm, "    "));
      saved.push(small);
    }
    const save = arg("save");
    if (save) fs.writeFileSync(save, JSON.stringify(saved, null, 1));
  }
  process.exitCode = failed ? 1 : 0;
}

(arg("replay") ? replay(arg("replay")!) : soak()).catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
