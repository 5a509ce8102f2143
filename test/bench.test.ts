import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Not a timing assertion: the bench runs in --quick mode and reports every figure.
describe("npm run bench -- --quick", function () {
  this.timeout(120_000);
  it("runs and writes every figure, with its reference, for Node and XS", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "results.json");
    const root = path.resolve(__dirname, "..");
    const r = spawnSync("npm", ["run", "--silent", "bench", "--", "--quick", "--out", out], { cwd: root, encoding: "utf8" });
    expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
    const results = JSON.parse(fs.readFileSync(out, "utf8"));
    const have = new Set(results.rows.map((x: { figure: string; engine: string }) => `${x.figure}/${x.engine}`));
    for (const want of ["1 switch/node", "1 switch/xs", "2 ping-pong/node", "2 ping-pong/xs", "3 memory/node", "3 memory/xs", "3 host timers/node", "5 create/node", "5 create/xs", "7 drift/node", "7 drift/xs"]) {
      expect(have.has(want), want).to.equal(true);
    }
    for (const row of results.rows) {
      expect(Number.isFinite(row.ours), JSON.stringify(row)).to.equal(true);
      expect(Number.isFinite(row.value), JSON.stringify(row)).to.equal(true);
    }
    for (const engine of ["node", "xs"]) {
      const l = results.lateness[engine];
      expect(l.samples).to.be.greaterThan(0);
      expect([l.p50, l.p99, l.max].every(Number.isFinite)).to.equal(true);
    }
    for (const engine of ["node", "xs"]) {
      const d = results.drift[engine];
      expect(d.periods, engine).to.equal(100);
      expect(d.tickerSkipped, engine).to.be.within(0, 99);
      expect([d.tickerMax, d.tickerLast, d.sleeperLast].every(Number.isFinite), engine).to.equal(true);
    }
    expect(results.webLoad.samples).to.be.greaterThan(0);
    expect(r.stdout).to.contain("| figure |");
  });
});
