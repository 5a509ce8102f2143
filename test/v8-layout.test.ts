import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

// On V8 (Node's hosts: Host.compactHeap false) a task must keep V8's fast
// object layout: deleting a field turned every running task into a
// dictionary (450 B more per task, create 1.8× slower), and a promise given
// an own `constructor` leaves V8's promise fast paths. %HasFastProperties
// is V8's own answer; it needs --allow-natives-syntax, so a child process.
const ROOT = path.resolve(__dirname, "..");
const SCRIPT = `
require("./hosts/node/aliases.ts");
const { installNodeHost } = require("./hosts/node/index.ts");
const { VirtualHost } = require("./hosts/virtual/index.ts");
const asyncio = require("./modules/asyncio/index.ts").default;
const check = async (host) => {
  asyncio.setHost(host);
  asyncio.newEventLoop();
  const seen = [];
  await asyncio.run(async () => {
    const started = Promise.resolve();
    const tasks = [asyncio.createTask(() => asyncio.sleep(0.01)), asyncio.createTask(async () => { await asyncio.sleep(0.01); return 1; })];
    await asyncio.sleep(0);
    for (const t of tasks) seen.push(%HasFastProperties(t));
    await asyncio.gather(tasks);
    for (const t of tasks) seen.push(%HasFastProperties(t));
  });
  return seen;
};
(async () => {
  const node = await check(installNodeHost());
  const xsWay = await check(new VirtualHost());
  console.log(JSON.stringify({ node, xsWay }));
})();
`;

describe("V8's object layout on Node's hosts (Host.compactHeap false)", () => {
  it("sleeping and finished tasks keep fast properties on the Node host; XS's way (compactHeap) does not, which is why it is XS's only", function () {
    this.timeout(30000);
    const r = spawnSync(process.execPath, ["--allow-natives-syntax", "-r", "ts-node/register/transpile-only", "-e", SCRIPT], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const { node, xsWay } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { node: boolean[]; xsWay: boolean[] };
    expect(node).to.deep.equal([true, true, true, true]);
    // The control: the same tasks made XS's way are dictionaries on V8 (the test can tell).
    expect(xsWay.slice(0, 2)).to.deep.equal([false, false]);
  });
});
