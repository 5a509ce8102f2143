import { expect } from "chai";
import * as path from "path";
import { VirtualHost } from "../hosts/virtual";
import { bundle } from "../hosts/xs/bundle";
import { findXsnapWorker, XsnapWorker } from "../hosts/xs/worker";
import { formatError } from "../modules/asyncio/format";
import { analogChecks, runAnalogChecks } from "./xs/analog-checks";

// The same ADC, PWM, Encoder and AADC checks on Node and inside XS (xsnap):
// the modules are plain TypeScript, the simulated board too.

describe("ADC, PWM, Encoder, AADC checks on Node (test/xs/analog-checks.ts)", () => {
  for (const check of analogChecks) {
    it(check.name, async () => {
      let failure: unknown = "not run";
      await runAnalogChecks(() => new VirtualHost(), (_name, e) => (failure = e), [check]);
      expect(failure === null ? null : formatError(failure)).to.equal(null);
    });
  }
});

describe("ADC, PWM, Encoder, AADC checks inside XS (xsnap)", function () {
  this.timeout(60000);
  let output = "";
  const results = new Map<string, string | null>();
  before(async () => {
    const bin = findXsnapWorker();
    if (!bin) throw new Error("xsnap-worker is missing: `npm ci` builds it from @agoric/xsnap (needs cc and make)");
    const worker = new XsnapWorker(bin);
    try {
      const setup = await worker.evaluate(bundle(path.join(__dirname, "xs", "prelude.ts")));
      if (!setup.ok) throw new Error(`xsnap setup failed: ${setup.error}`);
      const run = await worker.evaluate(bundle(path.join(__dirname, "xs", "analog-entry.ts")));
      output = run.output;
      if (!run.ok) throw new Error(`xsnap evaluation failed: ${run.error}\n${run.output}`);
      for (const line of output.split("\n")) {
        if (!line.startsWith("ANALOG {")) continue;
        const r = JSON.parse(line.slice(7)) as { name: string; error: string | null };
        results.set(r.name, r.error);
      }
    } finally {
      await worker.close();
    }
  });
  it("ran every check to the end", () => {
    expect(output, output).to.contain("ANALOG DONE");
  });
  for (const check of analogChecks) {
    it(check.name, () => {
      expect(results.has(check.name), `no result for ${check.name}`).to.equal(true);
      expect(results.get(check.name)).to.equal(null);
    });
  }
  it("left no unhandled rejection and no uncaught exception in XS", () => {
    expect(output).to.not.match(/CONSOLE\.ERROR|Unhandled|uncaught/i);
  });
});
