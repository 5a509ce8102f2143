import { expect } from "chai";
import * as path from "path";
import { GlobalTimersHost, print } from "asyncio";
import { bundle } from "../hosts/xs/bundle";
import { findXsnapWorker, XsnapWorker } from "../hosts/xs/worker";
import { runApp } from "../hosts/node/runner";
import { onVirtualTime } from "./helpers";
import { thrownValues } from "./xs/thrown-values";

// Issue 10 §5: one print(...values), MicroPython's, that works everywhere.

class Capture {
  text = "";
  isTTY: boolean;
  constructor(tty = false) {
    this.isTTY = tty;
  }
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe("print()", () => {
  it("joins values with spaces as one line: strings as they are, errors by name and message, arrays and objects as JSON", async () => {
    await onVirtualTime(async (host) => {
      print("a", 1, 2.5, true, null, undefined, [1, "x"], { k: [2] });
      print(new RangeError("bad range"));
      print();
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      print(cyclic, new Map());
      print(Object.create(null), Object.assign(Object.create(null), { a: 1 }));
      expect(host.printed).to.deep.equal([
        'a 1 2.5 true null undefined [1,"x"] {"k":[2]}',
        "RangeError: bad range",
        "",
        "[object Object] [object Map]",
        '{} {"a":1}',
      ]);
      expect(host.reports).to.deep.equal([]);
    });
  });

  it("never throws, whatever it is given", async () => {
    await onVirtualTime(async (host) => {
      for (const [, make] of thrownValues()) print(make());
      expect(host.printed.length).to.equal(thrownValues().length);
    });
  });

  it("on Node goes to console.log (standard output), while reports go to console.error", () => {
    const logged: string[] = [];
    const errors: string[] = [];
    const host = new GlobalTimersHost({
      setTimeout, clearTimeout,
      console: { log: (s: string) => logged.push(s), error: (s: string) => errors.push(s) },
    } as unknown as ConstructorParameters<typeof GlobalTimersHost>[0]);
    host.print("out");
    host.report("err");
    expect([logged, errors]).to.deep.equal([["out"], ["err"]]);
  });

  it("under npm start, lines go to the board's output (a pipe: one line each), in order with the pin changes", async () => {
    const out = new Capture(false);
    const run = runApp({ entry: path.join(__dirname, "..", "examples", "producer-consumer.ts"), virtual: true, duration: 2.5, out: out as unknown as NodeJS.WriteStream });
    await run.finished;
    const lines = out.text.split("\n");
    const reports = lines.filter((l) => l.startsWith("report: "));
    expect(reports.length).to.equal(2);
    expect(reports[0]).to.match(/^report: 10 readings from \d+ to \d+ ms, 10 high, 0 low$/);
    expect(lines.some((l) => /GPIO14 LED on/.test(l))).to.equal(true);
  });

  it("on a terminal, a printed line goes above the LEDs, which are drawn again below it", async () => {
    const out = new Capture(true);
    const run = runApp({ entry: path.join(__dirname, "..", "examples", "producer-consumer.ts"), virtual: true, duration: 1.2, out: out as unknown as NodeJS.WriteStream });
    await run.finished;
    const i = out.text.indexOf("report: ");
    expect(i).to.be.greaterThan(0);
    // The board (one row here) is taken away: back to its start, erase to the end of the screen.
    expect(out.text.slice(i - 4, i)).to.equal("\r\x1b[J");
    expect(out.text.slice(i)).to.match(/^report: [^\n]*\nt=\s+[\d.]+ s  .*GPIO14/);
  });

  it("inside XS (xsnap) goes to the worker's output", async function () {
    this.timeout(30000);
    const bin = findXsnapWorker();
    if (!bin) throw new Error("xsnap-worker is missing: `npm ci` builds it from @agoric/xsnap");
    const worker = new XsnapWorker(bin);
    try {
      const r = await worker.evaluate(bundle(path.join(__dirname, "xs", "print-entry.ts")));
      expect(r.ok, r.error ?? "").to.equal(true);
      const lines = r.output.split("\n").filter((l) => l.startsWith("PRINT"));
      expect(lines.length).to.equal(5);
      expect(lines.slice(0, 3)).to.deep.equal([
        'PRINT hello 42 [1,"two"] {"a":1} null undefined true',
        "PRINT RangeError: too far",
        "PRINT {} Symbol(s)",
      ]);
      // XS refuses even Object.prototype.toString on a revoked Proxy.
      expect(lines[3]).to.equal("PRINT <unprintable value>");
      expect(lines[4]).to.equal("PRINT DONE");
    } finally {
      await worker.close();
    }
  });
});
