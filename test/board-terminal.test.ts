import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { BoardEvent } from "../hosts/node/feed";
import { runApp } from "../hosts/node/runner";
import { startApp } from "../hosts/node/thread";
import { BoardView } from "../hosts/node/view";

// The terminal board: what a person sees (through a small terminal emulator,
// and through a real pseudo-terminal), the keys that press its inputs, and
// its clock, which is the app's.

const ROOT = path.resolve(__dirname, "..");

/**
 * Enough of a VT100 to replay what the board writes: text that wraps at the
 * last column (the cursor waits there until the next character, as xterm
 * does), CR, LF (as CR LF: a terminal's output processing), cursor up, down
 * and forward, erase below, erase line; colours and cursor visibility are
 * ignored.
 */
class Screen {
  rows: string[][] = [[]];
  private row = 0;
  private col = 0;
  private wrapNext = false;
  constructor(readonly columns: number) {}
  write(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === "\x1b") {
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(s.slice(i));
        if (!m) throw new Error(`unknown escape ${JSON.stringify(s.slice(i, i + 8))}`);
        i += m[0].length - 1;
        this.csi(m[1], m[2]);
      } else if (c === "\r") {
        this.col = 0;
        this.wrapNext = false;
      } else if (c === "\n") {
        this.col = 0;
        this.down();
      } else {
        if (this.wrapNext) {
          this.col = 0;
          this.down();
        }
        const line = this.rows[this.row];
        while (line.length < this.col) line.push(" ");
        line[this.col] = c;
        if (this.col === this.columns - 1) this.wrapNext = true;
        else this.col++;
      }
    }
  }
  text(): string[] {
    return this.rows.map((r) => r.join("").trimEnd());
  }
  private down(): void {
    this.wrapNext = false;
    this.row++;
    if (this.rows.length <= this.row) this.rows.push([]);
  }
  private csi(params: string, op: string): void {
    const n = Number(params) || 1;
    this.wrapNext = false;
    if (op === "A") this.row = Math.max(0, this.row - n);
    else if (op === "B") this.row = Math.min(this.rows.length - 1, this.row + n);
    else if (op === "C") this.col = Math.min(this.columns - 1, this.col + n);
    else if (op === "J") {
      this.rows[this.row].length = Math.min(this.rows[this.row].length, this.col);
      this.rows.length = this.row + 1;
    } else if (op === "K") {
      if (params === "2") this.rows[this.row] = [];
      else this.rows[this.row].length = Math.min(this.rows[this.row].length, this.col);
    } else if (op !== "m" && op !== "l" && op !== "h") throw new Error(`unexpected escape ${op}`);
  }
}

/** A terminal-like output stream: what is written, kept. */
class FakeTty {
  text = "";
  readonly isTTY = true;
  constructor(readonly columns: number) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  on(): this {
    return this;
  }
  removeListener(): this {
    return this;
  }
}

const BOARD_ROW = /t=\s+\d+\.\d{3} s|GPIO\d+/;

let dir: string;
function app(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

describe("the terminal board", function () {
  this.timeout(60000);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "board-terminal-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("at 40 columns the board folds into rows that fit, and printed lines stay whole above it, never mixed with it", async () => {
    const entry = app("busy-board.ts", [
      'import asyncio, { print } from "asyncio";',
      'import { Pin } from "machine";',
      "const leds = [2, 4, 12, 13, 14, 15].map((n) => new Pin(n, Pin.OUT));",
      "const buttons = [0, 35].map((n) => new Pin(n, Pin.IN, Pin.PULL_UP));",
      "asyncio.run(async () => {",
      "  for (let i = 0; ; i++) {",
      "    leds[i % leds.length].toggle();",
      "    if (i % 3 === 0) print(`line ${i}: ${'x'.repeat(i % 50)}`);",
      "    await asyncio.sleepMs(10);",
      "  }",
      "});",
    ]);
    const out = new FakeTty(40);
    const run = runApp({ entry, virtual: true, duration: 2, out: out as unknown as NodeJS.WriteStream });
    await run.finished;
    const screen = new Screen(40);
    screen.write(out.text);
    const rows = screen.text();
    // Every printed line, in order, each exactly once and whole (wrapped by the terminal when long).
    const expected = (run.host as { printed: string[] }).printed;
    expect(expected.length).to.be.greaterThan(50);
    const boardStart = rows.findIndex((r, i) => BOARD_ROW.test(r) && rows.slice(i).every((x) => x === "" || BOARD_ROW.test(x) || /^\s+\S/.test(x)));
    const above = rows.slice(0, boardStart).join("\n");
    const rebuilt: string[] = [];
    for (const line of expected) {
      for (let i = 0; i < line.length; i += 40) rebuilt.push(line.slice(i, i + 40).trimEnd());
    }
    expect(above).to.equal(rebuilt.join("\n"));
    // The board at the bottom: every row within 39 columns, the six LEDs and both inputs on it.
    const board = rows.slice(boardStart).filter((r) => r !== "");
    expect(board.length).to.be.within(3, 8);
    for (const r of board) expect(r.length).to.be.at.most(39);
    const all = board.join(" ");
    for (const n of [2, 4, 12, 13, 14, 15, 0, 35]) expect(all).to.match(new RegExp(`GPIO${n} `));
    expect(all).to.include("high pull-up");
  });

  it("a report goes to standard error above the board, which is drawn again below it", async () => {
    const feedOut = new FakeTty(80);
    const feedErr = new FakeTty(80);
    const { FeedHub } = await import("../hosts/node/feed");
    const hub = new FeedHub(() => {});
    const view = new BoardView(hub, { out: feedOut, err: feedErr });
    hub.push({ type: "pin", pin: 2, level: 1, time: 1500, mode: "output", pull: "none" });
    hub.push({ type: "print", line: "Task exception wasn't retrieved", time: 1600, stderr: true });
    hub.push({ type: "end", time: 1700, reason: "stopped" });
    expect(feedErr.text).to.equal("Task exception wasn't retrieved\n");
    // Taken away before the report, drawn again after, left on a line of its own at the end.
    // The last board shows the run's end time (1.7 s), as "stopped at" will.
    expect(feedOut.text).to.equal("\x1b[?25lt=   1.500 s  \x1b[92m●\x1b[0m GPIO2\r\x1b[Jt=   1.500 s  \x1b[92m●\x1b[0m GPIO2\r\x1b[Jt=   1.700 s  \x1b[92m●\x1b[0m GPIO2\n\x1b[?25h");
    view.finish();
  });

  it("in a pipe, each change and each line is a line of its own; a stuck task is a note", async () => {
    const { FeedHub } = await import("../hosts/node/feed");
    const hub = new FeedHub(() => {});
    const out = { text: "", write(s: string) { this.text += s; return true; } };
    new BoardView(hub, { out, tty: false });
    hub.push({ type: "pin", pin: 14, level: 0, time: 0, mode: "output", pull: "none" });
    hub.push({ type: "pin", pin: 0, level: 1, time: 0.4, mode: "input", pull: "up" });
    hub.push({ type: "pin", pin: 14, level: 1, time: 500.7, mode: "output", pull: "none" });
    hub.push({ type: "print", line: "hello", time: 501 });
    hub.push({ type: "stall", time: 4000, task: "blink", since: 1999.5 });
    hub.push({ type: "resume", time: 4500, task: "blink", since: 1999.5 });
    hub.push({ type: "stall", time: 7000, task: "", since: 5000 });
    expect(out.text).to.equal([
      "t=   0.000 s  GPIO14 LED off",
      "t=   0.000 s  GPIO0 input high",
      "t=   0.500 s  GPIO14 LED on",
      "hello",
      "t=   4.000 s  task blink has not given the loop back since t=1.999 s: a loop without await? (q or Ctrl-C stops the run)",
      "t=   4.500 s  task blink gave the loop back (it held it from t=1.999 s); the run goes on",
      "t=   7.000 s  task (anonymous) has not given the loop back since t=5.000 s: a loop without await? (q or Ctrl-C stops the run)",
      "",
    ].join("\n"));
  });

  it("in a pipe, a pin that changes faster than anyone reads gets a line per second (how many changes), then lines again when it slows down", async () => {
    const { FeedHub } = await import("../hosts/node/feed");
    const hub = new FeedHub(() => {});
    const out = { text: "", write(s: string) { this.text += s; return true; } };
    const view = new BoardView(hub, { out, tty: false });
    const led = (pin: number, level: 0 | 1, time: number): BoardEvent => ({ type: "pin", pin, level, time, mode: "output", pull: "none" });
    hub.push(led(2, 0, 0));
    hub.push(led(14, 0, 0));
    // GPIO2 at 1 kHz from 0.5 s to 3.5 s (a runaway), slow again from 4 s.
    let level: 0 | 1 = 0;
    for (let t = 500; t < 3500; t += 1) hub.push(led(2, (level ^= 1) as 0 | 1, t));
    for (const t of [4000, 4400, 4800, 5200, 5600]) hub.push(led(2, (level ^= 1) as 0 | 1, t));
    const lines = out.text.split("\n");
    expect(lines.length).to.be.below(30);
    // The first ten changes of the fast second get their lines, then one line when the second is over.
    expect(lines.slice(0, 12)).to.deep.equal([
      "t=   0.000 s  GPIO2 LED off",
      "t=   0.000 s  GPIO14 LED off",
      ...Array.from({ length: 10 }, (_, i) => `t=   0.${String(500 + i).padStart(3, "0")} s  GPIO2 LED ${i % 2 ? "off" : "on"}`),
    ]);
    expect(lines).to.include("t=   1.000 s  GPIO2: 500 changes in the last second, now off");
    expect(lines).to.include("t=   2.000 s  GPIO2: 1 000 changes in the last second, now off");
    expect(lines).to.include("t=   3.000 s  GPIO2: 1 000 changes in the last second, now off");
    // The second after a fast one is counted too (it starts fast); slow again after it: a line per change.
    expect(lines.slice(-5)).to.deep.equal([
      "t=   4.000 s  GPIO2: 500 changes in the last second, now off",
      "t=   5.000 s  GPIO2: 3 changes in the last second, now on",
      "t=   5.200 s  GPIO2 LED off",
      "t=   5.600 s  GPIO2 LED on",
      "",
    ]);
    // A fast second cut short by the end of the run says since when.
    for (let t = 6000; t < 6300; t += 1) hub.push(led(2, (level ^= 1) as 0 | 1, t));
    hub.push({ type: "end", time: 6300, reason: "duration" });
    expect(out.text.split("\n").slice(-2)).to.deep.equal(["t=   6.300 s  GPIO2: 300 changes since t=6.000 s, now on", ""]);
    view.finish();
  });

  it("on a terminal the clock moves between changes (only its field is redrawn), and the last board shows the run's end, never a later time", async () => {
    const { FeedHub } = await import("../hosts/node/feed");
    const hub = new FeedHub(() => {});
    const out = new FakeTty(80);
    let now = 1000;
    const view = new BoardView(hub, { out, clock: () => now });
    hub.push({ type: "pin", pin: 2, level: 1, time: 1000, mode: "output", pull: "none" });
    hub.push({ type: "pin", pin: 0, level: 1, time: 1000, mode: "input", pull: "up" });
    await new Promise((r) => setTimeout(r, 60));
    const drawn = out.text.length;
    now = 1850;
    await new Promise((r) => setTimeout(r, 450));
    // Only the time: no LED, no input redrawn.
    const update = out.text.slice(drawn);
    expect(update).to.match(/t= {3}1\.850 s/);
    expect(update).to.not.match(/GPIO/);
    let screen = new Screen(80);
    screen.write(out.text);
    expect(screen.text().filter((r) => r !== "")).to.deep.equal(["t=   1.850 s  \u25cf GPIO2  GPIO0 high pull-up"]);
    // The clock ran ahead of the end (a runaway is ended at the moment it was found): the end's time is the last shown.
    now = 2400;
    hub.push({ type: "end", time: 2000, reason: "runaway" });
    const ended = out.text.length;
    screen = new Screen(80);
    screen.write(out.text);
    expect(screen.text().filter((r) => r !== "")).to.deep.equal(["t=   2.000 s  \u25cf GPIO2  GPIO0 high pull-up"]);
    now = 3000;
    await new Promise((r) => setTimeout(r, 450));
    expect(out.text.length, "nothing after the end").to.equal(ended);
    view.finish();
  });

  describe("its clock is the app's: a line printed right after a toggle shows ticksMs() equal to the board's t=", () => {
    const CLOCK_APP = [
      'import asyncio, { print } from "asyncio";',
      'import { Pin } from "machine";',
      "const led = new Pin(2, Pin.OUT);",
      "asyncio.run(async () => {",
      "  for (let i = 0; i < 6; i++) {",
      "    await asyncio.sleepMs(97);",
      "    // Toggle within one ms of ticksMs(): the toggle's time and the printed ticks are then the same ms.",
      "    let before: number, after: number;",
      "    do { before = asyncio.ticksMs(); led.toggle(); after = asyncio.ticksMs(); } while (before !== after);",
      "    print(`ticks ${after}`);",
      "  }",
      "});",
    ];

    /** Each printed ticks value, with the board's t= drawn right after it and the time of the toggle before it. */
    function agreement(text: string, events: BoardEvent[]): { ticks: number; board: number; toggle: number }[] {
      const found: { ticks: number; board: number; toggle: number }[] = [];
      let lastToggle = NaN;
      for (const e of events) {
        if (e.type === "pin" && e.pin === 2) lastToggle = Math.floor(e.time);
        if (e.type === "print" && e.line.startsWith("ticks ")) {
          const ticks = Number(e.line.slice(6));
          const m = new RegExp(`ticks ${ticks}\\n(?:\\r?\\x1b\\[J)?t=\\s+(\\d+\\.\\d{3}) s`).exec(text);
          found.push({ ticks, board: m ? Math.round(Number(m[1]) * 1000) : NaN, toggle: lastToggle });
        }
      }
      return found;
    }

    it("in the app's own thread (npm start), on real time", async () => {
      const entry = app("clock.ts", CLOCK_APP);
      const run = startApp({ entry });
      const out = new FakeTty(80);
      const events: BoardEvent[] = [];
      run.feed.subscribe((e) => events.push(e));
      new BoardView(run.feed, { out });
      await run.finished;
      const found = agreement(out.text, events);
      expect(found.length).to.equal(6);
      for (const f of found) expect([f.board, f.toggle]).to.deep.equal([f.ticks, f.ticks]);
      expect(found[0].ticks).to.be.within(97, 600);
    });

    it("in this thread (runApp), on real time and on virtual time", async () => {
      for (const virtual of [false, true]) {
        const entry = app(`clock-${virtual}.ts`, CLOCK_APP);
        const out = new FakeTty(80);
        const run = runApp({ entry, virtual, duration: virtual ? 1 : undefined, out: out as unknown as NodeJS.WriteStream });
        const events: BoardEvent[] = [];
        run.feed.subscribe((e) => events.push(e));
        if (!virtual) {
          while (events.filter((e) => e.type === "print").length < 6) await new Promise((r) => setTimeout(r, 20));
          run.stop();
        }
        await run.finished;
        const found = agreement(out.text, events);
        expect(found.length, `virtual: ${virtual}`).to.equal(6);
        for (const f of found) expect([f.board, f.toggle], `virtual: ${virtual}`).to.deep.equal([f.ticks, f.ticks]);
        // Both count from when the app started.
        if (virtual) expect(found.map((f) => f.ticks)).to.deep.equal([97, 194, 291, 388, 485, 582]);
        else expect(found[0].ticks).to.be.within(97, 600);
      }
    });
  });
});

// ---- through a real pseudo-terminal ------------------------------------

/**
 * Runs a command on a pseudo-terminal of the given width (python3's pty
 * module: nothing to build) and plays a script on its keyboard: wait for a
 * pattern on the screen, sleep, send keys. Gives everything the command
 * wrote, its exit code, and the terminal's local modes once it had exited
 * (whether it left the terminal as it found it).
 */
const PTY_DRIVER = String.raw`
import os, pty, sys, json, time, select, struct, fcntl, termios, re
columns = int(sys.argv[1]); steps = json.loads(sys.argv[2]); cmd = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    os.execvp(cmd[0], cmd)
before = termios.tcgetattr(fd)[3]
out = b""
def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True
alive = True
for step in steps:
    if "wait" in step:
        deadline = time.time() + step.get("timeout", 30)
        while alive and not re.search(step["wait"].encode(), out) and time.time() < deadline:
            alive = pump(0.02)
    elif "sleep" in step:
        end = time.time() + step["sleep"] / 1000
        while alive and time.time() < end:
            alive = pump(max(0, end - time.time()))
    elif "send" in step:
        os.write(fd, step["send"].encode())
deadline = time.time() + 30
while alive and time.time() < deadline:
    alive = pump(0.1)
after = termios.tcgetattr(fd)[3]
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.stderr.write(json.dumps({"exit": os.waitstatus_to_exitcode(status), "echo": bool(after & termios.ECHO), "icanon": bool(after & termios.ICANON), "before": [bool(before & termios.ECHO), bool(before & termios.ICANON)]}))
`;

type Step = { wait: string; timeout?: number } | { sleep: number } | { send: string };

function onPty(columns: number, steps: Step[], args: string[]): Promise<{ out: string; exit: number; echo: boolean; icanon: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY_DRIVER, String(columns), JSON.stringify(steps), process.execPath, "-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "start.ts"), ...args], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (out += d));
    child.stderr.on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", () => {
      try {
        const r = JSON.parse(err.slice(err.lastIndexOf("{")));
        resolve({ out, ...r });
      } catch {
        reject(new Error(`the pty driver failed: ${err}`));
      }
    });
  });
}

/** Every level change of a wire in a VCD, as [µs, level]. */
function vcdWire(text: string, name: string): [number, number][] {
  const id = new RegExp(`\\$var wire 1 (\\S+) ${name} \\$end`).exec(text)![1];
  const changes: [number, number][] = [];
  let time = 0;
  for (const line of text.slice(text.indexOf("$enddefinitions")).split("\n").slice(1)) {
    if (line.startsWith("#")) time = Number(line.slice(1));
    else if (line.slice(1) === id) changes.push([time, Number(line[0])]);
  }
  return changes;
}

describe("npm start on a real terminal", function () {
  this.timeout(60000);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "board-pty-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("examples/button-blink.ts is playable from the keyboard: a (short press), Shift+a … a (long press), a a (double click); q quits and restores the terminal", async () => {
    const vcd = path.join(dir, "button-blink.vcd");
    const r = await onPty(80, [
      { wait: "GPIO0 high pull-up" },
      { sleep: 1700 },
      { send: "a" }, // short press: the next rate, 250 ms
      { sleep: 2200 },
      { send: "A" }, // held ...
      { sleep: 1300 },
      { send: "a" }, // ... 1.3 s: a long press, the LED stops
      { sleep: 1200 },
      { send: "a" }, // double click: the first rate again, blinking
      { sleep: 150 },
      { send: "a" },
      { sleep: 1700 },
      { send: "q" },
    ], ["button-blink", "--vcd", vcd]);
    expect(r.exit, r.out).to.equal(0);
    expect([r.echo, r.icanon], "the terminal is cooked again").to.deep.equal([true, true]);
    const screen = new Screen(80);
    screen.write(r.out.replace(/\r\n/g, "\n"));
    const rows = screen.text().filter((x) => x !== "");
    const summary = rows.findIndex((x) => x.startsWith("stopped at "));
    expect(rows.slice(summary).join("")).to.match(/^stopped at t=\d+\.\d{3} s after \d+ pin changes; wrote .*button-blink\.vcd$/);
    expect(rows[summary - 1]).to.match(/^t=\s+\d+\.\d{3} s {2}. GPIO2 {2}\[a\] GPIO0 high pull-up$/);

    const text = fs.readFileSync(vcd, "utf8");
    const button = vcdWire(text, "gpio0").map(([t, l]) => [t / 1000, l] as const);
    const led = vcdWire(text, "gpio2").map(([t, l]) => [t / 1000, l] as const);
    // The presses as the app saw them: [down, up] in ms; the first entry is the pin's initial (released) level.
    expect(button[0]).to.deep.equal([0, 1]);
    const presses: [number, number][] = [];
    for (let i = 1; i + 1 < button.length; i += 2) {
      expect([button[i][1], button[i + 1][1]]).to.deep.equal([0, 1]);
      presses.push([button[i][0], button[i + 1][0]]);
    }
    expect(presses.length, JSON.stringify(button)).to.equal(4);
    const held = presses.map(([d, u]) => u - d);
    // Taps: past the debounce (50 ms), far from a long press (1 s); the hold: past a long press. Real time: some slack.
    // (A tap is 100 ms in the parent; each edge reaches the app's thread as a message, with its own delay.)
    // (A loaded machine stretches an edge's trip by a few hundred ms: taps stay well short of the long press.)
    expect(held[0]).to.be.within(55, 800);
    expect(held[1]).to.be.within(1150, 2500);
    expect(held[2]).to.be.within(55, 800);
    expect(held[3]).to.be.within(55, 800);
    expect(presses[3][0] - presses[2][0]).to.be.below(400); // a double click's second press
    const intervals = (from: number, to: number) => {
      const times = led.filter(([t]) => t >= from && t <= to).map(([t]) => t);
      return times.slice(1).map((t, i) => t - times[i]);
    };
    const near = (xs: number[], target: number) => xs.every((x) => Math.abs(x - target) < 80);
    // From the LED's first toggle (led[0] is its initial value at 0).
    const first = intervals(led[1][0], presses[0][0]);
    expect(first.length, JSON.stringify({ presses, led })).to.be.at.least(2);
    expect(near(first, 500), `500 ms before the short press: ${first}`).to.equal(true);
    const faster = intervals(presses[0][0] + 1000, presses[1][0]);
    expect(faster.length, JSON.stringify({ presses, led })).to.be.at.least(2);
    expect(near(faster, 250), `250 ms after it: ${faster}`).to.equal(true);
    // A long press stops the LED (off at its next step) until the double click.
    const stopped = led.filter(([t]) => t > presses[1][0] + 1000 && t < presses[2][0]);
    expect(stopped.length).to.be.at.most(1);
    expect(led.filter(([t]) => t < presses[2][0]).pop()![1]).to.equal(0);
    const again = intervals(presses[3][0], Infinity);
    expect(again.length).to.be.at.least(2);
    expect(near(again, 500), `500 ms after the double click: ${again}`).to.equal(true);
  });

  it("at 40 columns the board fits the terminal and the app's lines are never mixed with it", async () => {
    const r = await onPty(40, [{ wait: "stopped at" }], ["producer-consumer", "--duration", "2.5"]);
    expect(r.exit, r.out).to.equal(0);
    const screen = new Screen(40);
    screen.write(r.out.replace(/\r\n/g, "\n"));
    const rows = screen.text().filter((x) => x !== "");
    const reports = rows.filter((x) => x.startsWith("report: "));
    expect(reports.length).to.equal(2);
    // Above the final board: the header, the keys' note and the reports only (each wrapped by the terminal at 40).
    const boardStart = rows.findIndex((x) => /^t=\s+\d/.test(x));
    const keysNote = rows.findIndex((x) => x.startsWith("keys: [a] taps GPIO4"));
    expect(keysNote, rows.join("\n")).to.be.within(1, boardStart - 1);
    expect(rows.slice(0, boardStart).filter((x, i) => i !== keysNote && i !== keysNote + 1).some((x) => /GPIO|t=\s/.test(x)), rows.join("\n")).to.equal(false);
    const board = rows.slice(boardStart, rows.findIndex((x) => x.startsWith("stopped at ")));
    expect(board.length).to.be.within(2, 4);
    for (const x of board) expect(x.length).to.be.at.most(39);
    expect(board.join(" ")).to.match(/GPIO14.*GPIO12.*\[a\] GPIO4 high pull-up/);
  });

  it("the keys are told once an input is opened, naming it; an app with no inputs, or a virtual run, gets no keys hint; q exits 0 (a run ended as asked)", async () => {
    const withInput = await onPty(80, [{ wait: "GPIO0 high" }, { sleep: 300 }, { send: "q" }], ["button-blink"]);
    expect(withInput.exit, withInput.out).to.equal(0);
    const lines = withInput.out.replace(/\r\n/g, "\n").split("\n");
    expect(lines[0]).to.equal("examples/button-blink.ts on the simulated board; until q or Ctrl-C");
    expect(withInput.out).to.include("keys: [a] taps GPIO0, Shift+a holds it down; q stops");
    for (const args of [["main", "--duration", "1"], ["button-blink", "--virtual", "--duration", "1"]]) {
      const r = await onPty(80, [{ wait: "stopped at" }], args);
      expect(r.exit, r.out).to.equal(0);
      expect(r.out, args.join(" ")).to.not.include("keys");
    }
  });

  it("Ctrl-C while a task never yields: the task is named with its line, the VCD is written, the terminal restored", async () => {
    const entry = path.join(dir, "stuck.ts");
    fs.writeFileSync(entry, [
      'import asyncio from "asyncio";',
      'import { Pin } from "machine";',
      "const led = new Pin(2, Pin.OUT);",
      "async function blink() {",
      "  led.on();",
      "  await asyncio.sleep(0.2);",
      "  while (true) led.value(1); // no await",
      "}",
      "asyncio.run(blink);",
      "",
    ].join("\n"));
    const vcd = path.join(dir, "stuck.vcd");
    const r = await onPty(80, [{ wait: "GPIO2" }, { sleep: 1200 }, { send: "\x03" }], [entry, "--no-check", "--vcd", vcd]);
    expect(r.exit, r.out).to.equal(1);
    expect([r.echo, r.icanon]).to.deep.equal([true, true]);
    const out = r.out.replace(/\r\n/g, "\n");
    expect(out).to.match(/task blink never gave the loop back since t=\d+\.\d{3} s \(a loop without await\?\): the app was terminated\n {2}stuck at blink \(.*stuck\.ts:7:\d+\)/);
    expect(out).to.match(/terminated at t=\d+\.\d{3} s after 2 pin changes; wrote /);
    expect(fs.readFileSync(vcd, "utf8")).to.include("$var wire 1 ! gpio2 $end");
  });
});
