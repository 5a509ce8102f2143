import { expect } from "chai";
import * as path from "path";
import { bundle } from "../hosts/xs/bundle";
import { findXsnapWorker, XsnapWorker } from "../hosts/xs/worker";
import { scenarios } from "./scenarios";

// Installs console so XS reports unhandled rejections where we can see them.
const PRELUDE = `globalThis.console = { log: (...a) => print(a.join(" ")), error: (...a) => print("CONSOLE.ERROR " + a.map(String).join(" ")) };`;

interface Outcome {
  name: string;
  lines: string[];
  error: string | null;
}

async function runInXs(realTime: boolean): Promise<{ results: Map<string, Outcome>; output: string }> {
  const bin = findXsnapWorker();
  if (!bin) throw new Error("xsnap-worker is missing: `npm ci` builds it from @agoric/xsnap (needs cc and make)");
  const worker = new XsnapWorker(bin);
  try {
    const setup = await worker.evaluate(`${PRELUDE} globalThis.XS_REAL_TIME = ${realTime};`);
    if (!setup.ok) throw new Error(`xsnap setup failed: ${setup.error}`);
    const run = await worker.evaluate(bundle(path.join(__dirname, "xs", "conformance-entry.ts")));
    if (!run.ok) throw new Error(`xsnap evaluation failed: ${run.error}\n${run.output}`);
    const results = new Map<string, Outcome>();
    for (const line of run.output.split("\n")) {
      if (line.startsWith("SCENARIO ")) {
        const o = JSON.parse(line.slice(9)) as Outcome;
        results.set(o.name, o);
      }
    }
    if (!run.output.includes("SCENARIOS DONE")) throw new Error(`the scenarios did not finish inside XS:\n${run.output}`);
    return { results, output: run.output };
  } finally {
    await worker.close();
  }
}

for (const realTime of [false, true]) {
  describe(`conformance scenarios inside XS (xsnap), ${realTime ? "real-time smoke subset" : "virtual time"}`, function () {
    this.timeout(60000);
    let run: { results: Map<string, Outcome>; output: string };
    before(async () => {
      run = await runInXs(realTime);
    });
    for (const s of scenarios.filter((x) => !realTime || x.smoke)) {
      it(s.name, () => {
        const o = run.results.get(s.name);
        expect(o, `no result for ${s.name}`).to.not.equal(undefined);
        expect(o!.error).to.equal(null);
        expect(o!.lines).to.deep.equal(s.expected);
      });
    }
    it("left no unhandled rejection and no uncaught exception in XS", () => {
      expect(run.output).to.not.match(/CONSOLE\.ERROR|Unhandled|uncaught/i);
    });
  });
}
