import { expect } from "chai";
import * as path from "path";
import { bundle } from "../hosts/xs/bundle";
import { findXsnapWorker, XsnapWorker } from "../hosts/xs/worker";
import { scenarios } from "./scenarios";
import { thrownValues } from "./xs/thrown-values";
import { networkChecks } from "./xs/network-checks";

// Installs console so XS reports unhandled rejections where we can see them.
const prelude = (): string => bundle(path.join(__dirname, "xs", "prelude.ts"));

function startWorker(): XsnapWorker {
  const bin = findXsnapWorker();
  if (!bin) throw new Error("xsnap-worker is missing: `npm ci` builds it from @agoric/xsnap (needs cc and make)");
  return new XsnapWorker(bin);
}

interface Outcome {
  name: string;
  lines: string[];
  error: string | null;
}

async function runInXs(realTime: boolean): Promise<{ results: Map<string, Outcome>; output: string }> {
  const worker = startWorker();
  try {
    const setup = await worker.evaluate(`${prelude()} globalThis.XS_REAL_TIME = ${realTime};`);
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

describe("inside XS (xsnap): any thrown value is reported and the worker survives", function () {
  this.timeout(60000);
  const names = thrownValues().map(([name]) => name);
  let worker: XsnapWorker;
  let output = "";
  before(async () => {
    worker = startWorker();
    const setup = await worker.evaluate(prelude());
    if (!setup.ok) throw new Error(`xsnap setup failed: ${setup.error}`);
    const run = await worker.evaluate(bundle(path.join(__dirname, "xs", "robustness-entry.ts")));
    output = run.output;
    if (!run.ok) throw new Error(`xsnap evaluation failed: ${run.error}\n${run.output}`);
  });
  after(async () => {
    await worker.close();
  });
  const phase = (name: string): string => {
    const from = output.indexOf(`PHASE ${name}\n`);
    const to = output.indexOf("PHASE ", from + 1);
    return from < 0 ? "" : output.slice(from, to < 0 ? undefined : to);
  };
  const count = (text: string, what: string): number => text.split(what).length - 1;

  it("the entry ran to the end", () => {
    expect(output).to.contain("ROBUSTNESS DONE");
    expect(output).to.not.contain("ROBUSTNESS FAILED");
  });
  it("XsHost.report prints any value without throwing", () => {
    for (const name of names) expect(output).to.contain(`REPORT-OK ${name}\n`);
  });
  it("tasks failing with each value (rejecting and throwing synchronously): one default report each", () => {
    expect(count(phase("default-handler"), "Task exception wasn't retrieved")).to.equal(2 * names.length);
  });
  it("an exception handler that throws each value: the default handler reports it, then the original", () => {
    const p = phase("throwing-handler");
    expect(count(p, "Exception in the loop's exception handler")).to.equal(names.length);
    expect(count(p, "Task exception wasn't retrieved")).to.equal(names.length);
    for (let k = 0; k < names.length; k++) expect(p).to.contain(`Error: task ${k}`);
    expect(p).to.contain("Symbol(boom)");
  });
  it("a custom handler gets each value as it was thrown", () => {
    const p = phase("custom-handler");
    for (const name of names) expect(p).to.contain(`HANDLED ${name}: `);
    expect(p).to.contain("HANDLED a Symbol: Symbol(boom)");
    expect(p).to.contain("HANDLED a plain Error: Error: handler failed");
    expect(p).to.not.contain("NOT DONE");
  });
  it("left no unhandled rejection and no uncaught exception in XS", () => {
    expect(output).to.not.match(/CONSOLE\.ERROR|Unhandled|uncaught/i);
  });
  it("a request from XS that the driver can't parse or serve still gets a reply (XS waits for one)", async () => {
    const ask = (text: string) =>
      `print(new TextDecoder().decode(issueCommand(new TextEncoder().encode(${JSON.stringify(text)}).buffer)));`;
    const bad = await worker.evaluate(ask("not json"));
    expect(bad.ok).to.equal(true);
    expect(bad.output).to.match(/^\{"error":"SyntaxError/);
    const failing = await worker.evaluate(ask('{"t":"boom"}'), () => {
      throw Object.create(null);
    });
    expect(failing.ok).to.equal(true);
    expect(failing.output).to.equal('{"error":"an object with no prototype (not an Error): {}"}\n');
  });
  it("a script that throws any value at top level: the driver reports it and the worker carries on", async () => {
    const scripts: [string, RegExp][] = [
      ["throw Object.create(null)", /an object with no prototype \(not an Error\): \{\}/],
      ['throw Symbol("top")', /Symbol\(top\)/],
      ["const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy", /unprintable|Proxy|object/],
      ["throw { toString() { throw new Error('no'); } }", /a thrown Object \(not an Error\): \{\}/],
      ['throw new Error("plain")', /^Error: plain$/],
      ["throw 42", /^42$/],
    ];
    for (const [script, expected] of scripts) {
      const r = await worker.evaluate(script);
      expect(r.ok, script).to.equal(false);
      expect(r.error, script).to.match(expected);
      const alive = await worker.evaluate('print("alive")');
      expect(alive.ok, `worker after ${script}`).to.equal(true);
      expect(alive.output).to.equal("alive\n");
    }
  });
});

describe("inside XS (xsnap): network.WLAN on the Wi-Fi model (test/xs/network-checks.ts)", function () {
  this.timeout(60000);
  let output = "";
  const results = new Map<string, string | null>();
  before(async () => {
    const worker = startWorker();
    try {
      const setup = await worker.evaluate(prelude());
      if (!setup.ok) throw new Error(`xsnap setup failed: ${setup.error}`);
      const run = await worker.evaluate(bundle(path.join(__dirname, "xs", "network-entry.ts")));
      output = run.output;
      if (!run.ok) throw new Error(`xsnap evaluation failed: ${run.error}\n${run.output}`);
      for (const line of output.split("\n")) {
        if (!line.startsWith("NETWORK {")) continue;
        const r = JSON.parse(line.slice(8)) as { profile: string; name: string; error: string | null };
        results.set(`${r.profile}: ${r.name}`, r.error);
      }
    } finally {
      await worker.close();
    }
  });
  it("ran every check to the end", () => {
    expect(output, output).to.contain("NETWORK DONE");
  });
  for (const profile of ["exact", "moddable"]) {
    for (const check of networkChecks) {
      it(`${profile === "exact" ? "exact turns" : "turns between promise jobs"}: ${check.name}`, () => {
        const key = `${profile}: ${check.name}`;
        expect(results.has(key), `no result for ${key}`).to.equal(true);
        expect(results.get(key)).to.equal(null);
      });
    }
  }
  it("left no unhandled rejection and no uncaught exception in XS", () => {
    expect(output).to.not.match(/CONSOLE\.ERROR|Unhandled|uncaught/i);
  });
});
