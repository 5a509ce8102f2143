import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runApp } from "../hosts/node/runner";

const ROOT = path.resolve(__dirname, "..");

/** A small VCD reader: the wires by name, and every value change with its time in µs. */
function readVcd(text: string): { timescale: string; wires: Map<string, string>; changes: { time: number; wire: string; value: string }[] } {
  const wires = new Map<string, string>();
  const changes: { time: number; wire: string; value: string }[] = [];
  const header = text.slice(0, text.indexOf("$enddefinitions"));
  const timescale = /\$timescale\s+(\S+)\s+\$end/.exec(header)?.[1] ?? "";
  for (const m of header.matchAll(/\$var\s+wire\s+1\s+(\S+)\s+(\S+)\s+\$end/g)) wires.set(m[1], m[2]);
  let time = 0;
  const body = text.indexOf("$end", text.indexOf("$enddefinitions") + "$enddefinitions".length) + "$end".length;
  for (const line of text.slice(body).split("\n")) {
    const t = line.trim();
    if (!t) continue;
    if (t.startsWith("#")) time = Number(t.slice(1));
    else if (/^[01xz]/.test(t)) changes.push({ time, wire: wires.get(t.slice(1))!, value: t[0] });
    else throw new Error(`unexpected VCD line ${JSON.stringify(t)}`);
  }
  return { timescale, wires, changes };
}

/**
 * What main.ts must do: both LEDs start off; green toggles every 500 ms, blue
 * every 1000 ms. At 0 green goes first (its task was created first); at each
 * later whole second blue goes first: equal deadlines wake in the order the
 * tasks went to sleep, and blue slept a second ago, green half a second ago.
 */
function expectedTimeline(seconds: number): string[] {
  const lines = ["0 14 0", "0 12 0", "0 14 1", "0 12 1"];
  for (let t = 500; t < seconds * 1000; t += 500) {
    const green = `${t} 14 ${(t / 500) % 2 === 0 ? 1 : 0}`;
    if (t % 1000 === 0) lines.push(`${t} 12 ${(t / 1000) % 2 === 0 ? 1 : 0}`, green);
    else lines.push(green);
  }
  return lines;
}

describe("main.ts, the two-LED example, on the simulated board", () => {
  for (const entry of ["main.ts", "examples/run-main.ts"]) {
    it(`${entry}: exact toggle timeline for 10 virtual seconds, and a VCD that reads back the same`, async () => {
      const vcd = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vcd-")), "blink.vcd");
      const run = runApp({ entry: path.join(ROOT, entry), duration: 10, virtual: true, view: false, vcd });
      await run.finished;
      const timeline = run.board.history.map((c) => `${c.time} ${c.pin} ${c.level}`);
      expect(timeline).to.deep.equal(expectedTimeline(10));
      const parsed = readVcd(fs.readFileSync(vcd, "utf8"));
      expect(parsed.timescale).to.equal("1us");
      expect([...parsed.wires.values()].sort()).to.deep.equal(["gpio12", "gpio14"]);
      expect(parsed.changes.map((c) => `${c.time / 1000} ${c.wire.slice(4)} ${c.value}`)).to.deep.equal(expectedTimeline(10));
    });
  }

  it("an exception in one blink task does not stop the other LED: the handler logs it", async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "test", ".tmp-"));
    try {
      const app = path.join(dir, "faulty.ts");
      fs.writeFileSync(app, `
import asyncio from "asyncio";
import { Pin } from "machine";
const green = new Pin(14, Pin.OUT);
const blue = new Pin(12, Pin.OUT);
async function blinkGreen() { while (true) { green.toggle(); await asyncio.sleep(0.5); } }
async function blinkBlue() { blue.toggle(); await asyncio.sleep(1); throw new Error("blue LED driver crashed"); }
asyncio.getEventLoop().createTask(async () => { asyncio.createTask(blinkGreen()); asyncio.createTask(blinkBlue()); });
asyncio.getEventLoop().runForever();
`);
      const run = runApp({ entry: app, duration: 3, virtual: true, view: false });
      await run.finished;
      const green = run.board.history.filter((c) => c.pin === 14).map((c) => c.time);
      expect(green).to.deep.equal([0, 0, 500, 1000, 1500, 2000, 2500]);
      const reports = (run.host as unknown as { reports: string[] }).reports;
      expect(reports.length).to.equal(1);
      expect(reports[0]).to.contain("Task exception wasn't retrieved").and.contain("blue LED driver crashed");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
