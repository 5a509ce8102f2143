import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FEED_KEEP, FeedHub, type BoardEvent } from "../hosts/node/feed";
import { INPUT_KEYS, InputKeys, TAP_GAP_MS, TAP_MS } from "../hosts/node/keys";
import { runApp } from "../hosts/node/runner";
import { FADE_AND_BLINK_APP } from "./helpers";
import { sweepSpills, toVcd, VcdRecorder, type LevelAt, type RealAt } from "../hosts/node/vcd";
import { fold, visibleLength } from "../hosts/node/view";

const pin = (p: number, level: 0 | 1, time: number, mode: "input" | "output" = "output", pull: "none" | "up" | "down" = "none"): Extract<BoardEvent, { type: "pin" }> => ({ type: "pin", pin: p, level, time, mode, pull });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("board feed (FeedHub)", () => {
  it("replays the whole run to a late subscriber, then goes on live; unsubscribe stops it", () => {
    const hub = new FeedHub(() => {});
    hub.push(pin(2, 0, 0));
    hub.push({ type: "print", line: "hello", time: 5 });
    const seen: string[] = [];
    const off = hub.subscribe((e) => seen.push(e.type));
    expect(seen).to.deep.equal(["pin", "print"]);
    hub.push(pin(2, 1, 10));
    off();
    hub.push(pin(2, 0, 20));
    expect(seen).to.deep.equal(["pin", "print", "pin"]);
  });

  it("takes nothing after its end, and a subscriber after the end still gets everything, end included", () => {
    const hub = new FeedHub(() => {});
    hub.push(pin(2, 1, 0));
    hub.push({ type: "end", time: 100, reason: "duration" });
    hub.push(pin(2, 0, 200));
    const seen: BoardEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    expect(seen.map((e) => e.type)).to.deep.equal(["pin", "end"]);
    expect(hub.isEnded()).to.equal(true);
  });

  it("a view that throws is reported and neither the run nor the other views notice", () => {
    const errors: unknown[] = [];
    const hub = new FeedHub(() => {}, (e) => errors.push(e));
    const seen: number[] = [];
    hub.subscribe(() => {
      throw new Error("broken view");
    });
    hub.subscribe((e) => seen.push(e.time));
    expect(() => hub.push(pin(2, 1, 7))).to.not.throw();
    expect(seen).to.deep.equal([7]);
    expect(errors.map(String)).to.deep.equal(["Error: broken view"]);
  });

  it("drive(): passes 0, 1 and null to the run; a bad pin or level is a TypeError; after the end nothing is driven", () => {
    const driven: [number, 0 | 1 | null][] = [];
    const hub = new FeedHub((p, l) => driven.push([p, l]));
    hub.drive(0, 0);
    hub.drive(0, null);
    hub.drive(4, 1);
    expect(() => hub.drive(0, 2 as 0)).to.throw(TypeError, /0, 1 or null/);
    expect(() => hub.drive(1.5, 0)).to.throw(TypeError, /pin number/);
    hub.push({ type: "end", time: 1, reason: "stopped" });
    hub.drive(0, 0);
    expect(driven).to.deep.equal([[0, 0], [0, null], [4, 1]]);
  });
});

describe("VCD (toVcd)", () => {
  it("every wire has its value at time 0, even a pin opened later that never changes; later changes follow", () => {
    const vcd = toVcd([pin(14, 0, 12.3), pin(4, 1, 12.9, "input", "up"), pin(14, 1, 500.25)], { date: "d", endTime: 1000 });
    const body = vcd.slice(vcd.indexOf("$enddefinitions $end\n") + "$enddefinitions $end\n".length).trim().split("\n");
    // gpio4 is "!" and gpio14 is '"' (sorted by pin); the initial values in the order the pins opened.
    expect(vcd).to.include("$var wire 1 ! gpio4 $end").and.include('$var wire 1 " gpio14 $end');
    expect(body).to.deep.equal(["#0", '0"', "1!", "#500250", '1"', "#1000000"]);
  });

  it("no pins: a valid empty dump", () => {
    const vcd = toVcd([], { date: "d", endTime: 10 });
    expect(vcd).to.include("$enddefinitions $end").and.include("#10000");
  });
});

describe("board feed: what it keeps (a long run's memory is bounded)", () => {
  const pwm = (p: number, duty: number, time: number): BoardEvent => ({ type: "pwm", pin: p, duty, freq: 1000, time });

  it("keeps the newest `keep` events; a late subscriber gets each pin's and the loop's last state before them, a dropped event, then them", () => {
    const hub = new FeedHub(() => {}, undefined, { keep: 3 });
    hub.push(pin(0, 1, 0, "input", "up")); // the button, opened once and never changed: its state must survive
    hub.push(pin(2, 0, 1));
    hub.push({ type: "stall", time: 2, task: "t", since: 1 });
    hub.push({ type: "print", line: "gone", time: 3 });
    hub.push(pwm(4, 100, 4));
    hub.push(pin(2, 1, 5));
    hub.push(pwm(4, 200, 6));
    hub.push(pin(2, 0, 7));
    expect(hub.history.map((e) => e.time)).to.deep.equal([5, 6, 7]);
    expect(hub.dropped).to.equal(5);
    const seen: BoardEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    expect(seen).to.deep.equal([
      pin(0, 1, 0, "input", "up"),
      pin(2, 0, 1),
      { type: "stall", time: 2, task: "t", since: 1 },
      pwm(4, 100, 4),
      { type: "dropped", time: 4, count: 5 },
      pin(2, 1, 5),
      pwm(4, 200, 6),
      pin(2, 0, 7),
    ]);
    // A pin's later dropped event replaces its earlier one, and moves to its place in time.
    hub.push(pin(9, 1, 8));
    hub.push(pin(9, 0, 9));
    hub.push(pin(9, 1, 10));
    const late: string[] = [];
    hub.subscribe((e) => late.push(`${e.type}@${e.time}`));
    expect(late).to.deep.equal(["pin@0", "stall@2", "pwm@6", "pin@7", "dropped@7", "pin@8", "pin@9", "pin@10"]);
  });

  it("counts every event of the run by type, kept or not", () => {
    const hub = new FeedHub(() => {}, undefined, { keep: 2 });
    for (let i = 0; i < 10; i++) hub.push(pin(2, (i % 2) as 0 | 1, i));
    for (let i = 0; i < 4; i++) hub.push(pwm(4, i, 10 + i));
    hub.push({ type: "end", time: 20, reason: "duration" });
    hub.push(pin(2, 1, 30)); // after the end: neither kept nor counted
    expect([hub.count("pin"), hub.count("pwm"), hub.count("analog"), hub.count("end")]).to.deep.equal([10, 4, 0, 1]);
    expect(hub.history.map((e) => e.type)).to.deep.equal(["pwm", "end"]);
  });

  it("a subscriber from the start gets every event, whatever is kept; one that pushes while it replays misses nothing", () => {
    const hub = new FeedHub(() => {}, undefined, { keep: 2 });
    const all: number[] = [];
    hub.subscribe((e) => all.push(e.time));
    for (let i = 0; i < 100; i++) hub.push(pin(2, (i % 2) as 0 | 1, i));
    expect(all).to.deep.equal([...Array(100).keys()]);
    const replayed: string[] = [];
    let pushed = false;
    hub.subscribe((e) => {
      replayed.push(`${e.type}@${e.time}`);
      if (!pushed) {
        pushed = true;
        hub.push(pin(2, 1, 100));
      }
    });
    expect(replayed).to.deep.equal(["pin@97", "dropped@97", "pin@98", "pin@99", "pin@100"]);
  });

  it("keep: a positive integer, or a RangeError naming the value", () => {
    for (const keep of [0, -1, 1.5, NaN]) expect(() => new FeedHub(() => {}, undefined, { keep }), String(keep)).to.throw(RangeError, new RegExp(`keep must be a positive integer, got ${String(keep)}`));
    expect(FEED_KEEP).to.equal(100_000);
  });
});

describe("VCD (VcdRecorder)", () => {
  /** A pseudo-random run: wires, PWM duties and ADC readings on a few pins, times that repeat and go back (clamped). */
  function changes(n: number): (LevelAt | RealAt)[] {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const out: (LevelAt | RealAt)[] = [];
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += rnd() < 0.3 ? 0 : rnd() * 3 - 0.2;
      const k = rnd();
      const p = Math.floor(rnd() * 6) * 3;
      out.push(k < 0.6 ? { pin: p, level: rnd() < 0.5 ? 0 : 1, time: t } : { kind: k < 0.8 ? "pwm" : "adc", pin: p, value: rnd() * 3.3, time: t });
    }
    return out;
  }
  const spills = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`asyncio-vcd-${process.pid}-`));

  it("writes what toVcd makes, byte for byte, for a run larger than it keeps in memory; its temporary file is gone after", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vcd-"));
    try {
      const all = changes(100_000);
      const recorder = new VcdRecorder();
      for (const c of all) recorder.add(c);
      expect(spills().length).to.equal(1);
      const file = path.join(dir, "run.vcd");
      recorder.write(file, { date: "d", endTime: 1e6 });
      const text = fs.readFileSync(file, "utf8");
      expect(text).to.equal(toVcd(all, { date: "d", endTime: 1e6 }));
      expect(text.split("\n").filter((l) => /^(r\S+ |[01])\S+$/.test(l)).length).to.equal(all.length);
      expect(spills()).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file it cannot write: the file system's error, and its temporary file is gone all the same", () => {
    const recorder = new VcdRecorder();
    for (const c of changes(40_000)) recorder.add(c);
    expect(() => recorder.write(path.join(os.tmpdir(), "no-such-folder-vcd", "x", "run.vcd"))).to.throw(/ENOENT/);
    expect(spills()).to.deep.equal([]);
  });

  it("a run killed outright leaves its temporary file: the next run that spills removes it, and only those of processes gone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-"));
    try {
      const gone = spawnSync(process.execPath, ["-e", ""]).pid;
      const names = [`asyncio-vcd-${gone}-1-a.bin`, `asyncio-vcd-${process.pid}-1-b.bin`, `asyncio-vcd-${process.ppid}-1-c.bin`, `asyncio-vcd-${gone}-1-d.txt`, "other.bin"];
      for (const n of names) fs.writeFileSync(path.join(dir, n), "x");
      sweepSpills(dir);
      expect(fs.readdirSync(dir).sort()).to.deep.equal(names.slice(1).sort());
      // A folder that is not there: nothing to do, nothing thrown.
      sweepSpills(path.join(dir, "none"));
      // A recorder's first spill sweeps the temporary folder.
      const left = path.join(os.tmpdir(), `asyncio-vcd-${gone}-1-left.bin`);
      fs.writeFileSync(left, "x");
      const recorder = new VcdRecorder();
      for (const c of changes(40_000)) recorder.add(c);
      expect(fs.existsSync(left)).to.equal(false);
      recorder.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A VCD read back: each variable's name and its values (as written) with their times in µs. */
function readVcd(text: string): Map<string, [number, string][]> {
  const names = new Map<string, string>();
  for (const m of text.matchAll(/^\$var \S+ \d+ (\S+) (\S+) \$end$/gm)) names.set(m[1], m[2]);
  const out = new Map<string, [number, string][]>([...names.values()].map((n) => [n, []]));
  let t = 0;
  for (const line of text.slice(text.indexOf("$enddefinitions $end\n")).split("\n").slice(1)) {
    if (line.startsWith("#")) t = Number(line.slice(1));
    else if (line) {
      const m = /^(?:r(\S+) |([01]))(\S+)$/.exec(line)!;
      out.get(names.get(m[3])!)!.push([t, m[1] ?? m[2]]);
    }
  }
  return out;
}

describe("a long run (virtual hours): bounded feed, complete VCD, right counts", function () {
  this.timeout(120000);

  it("a PWM fade and a blink for an hour: the feed keeps FEED_KEEP events, counts them all, and the VCD has every change", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "long-run-"));
    try {
      const entry = path.join(dir, "fade.ts");
      fs.writeFileSync(entry, FADE_AND_BLINK_APP);
      const vcd = path.join(dir, "fade.vcd");
      const run = runApp({ entry, duration: 3600, virtual: true, view: false, vcd });
      let most = 0;
      let seen = 0;
      run.feed.subscribe(() => {
        // Sampled: history copies what it keeps.
        if (++seen % 50_000 === 0) most = Math.max(most, run.feed.history.length);
      });
      await run.finished;
      // The board's own record (runApp keeps it) is the whole run.
      const pins = run.board.history;
      const duties = run.board.analog.history.filter((e) => e.type === "pwm");
      expect(pins.length).to.equal(360_001); // opened, then a toggle every 10 ms
      expect(duties.length).to.equal(180_001);
      expect(run.feed.count("pin")).to.equal(pins.length);
      expect(run.feed.count("pwm")).to.equal(duties.length);
      expect(most).to.equal(FEED_KEEP);
      expect(run.feed.history.length).to.equal(FEED_KEEP);
      expect(run.feed.dropped).to.equal(pins.length + duties.length + 1 - FEED_KEEP);
      const dump = readVcd(fs.readFileSync(vcd, "utf8"));
      const gpio14 = dump.get("gpio14")!;
      const pwm2 = dump.get("pwm2")!;
      expect(gpio14.length).to.equal(pins.length);
      expect(pwm2.length).to.equal(duties.length);
      expect(gpio14.slice(1).map(([t, v]) => `${t} ${v}`)).to.deep.equal(pins.slice(1).map((c) => `${Math.round(c.time * 1000)} ${c.level}`));
      expect(pwm2.slice(1).map(([t, v]) => `${t} ${v}`)).to.deep.equal(duties.slice(1).map((e) => `${Math.round(e.time * 1000)} ${+((e as { duty: number }).duty / 65535).toPrecision(9)}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the terminal board's rows (fold)", () => {
  it("folds cells into rows no wider than the width, two spaces apart, and cuts a cell wider than a row", () => {
    const cells = ["t=   1.000 s", "\x1b[92m●\x1b[0m GPIO2 green  ", "[a] GPIO0 high pull-up", "x".repeat(50)];
    const rows = fold(cells, 39);
    for (const r of rows) expect(visibleLength(r)).to.be.at.most(39);
    expect(rows.length).to.equal(3);
    expect(rows[0]).to.equal("t=   1.000 s  \x1b[92m●\x1b[0m GPIO2 green  ");
    expect(rows[1]).to.equal("[a] GPIO0 high pull-up");
    expect(rows[2]).to.equal("x".repeat(39) + "\x1b[0m");
  });
});

/** A feed whose drives are recorded with their time. */
function keyFeed(events: BoardEvent[]) {
  const driven: { pin: number; level: 0 | 1 | null; at: number }[] = [];
  const hub = new FeedHub((p, l) => driven.push({ pin: p, level: l, at: performance.now() }));
  for (const e of events) hub.push(e);
  return { hub, driven };
}

describe("keys (InputKeys)", () => {
  it("inputs get the letters in the order they are opened, q excepted; outputs get none", () => {
    const events: BoardEvent[] = [pin(2, 0, 0)];
    for (let i = 0; i < 26; i++) events.push(pin(100 + i, 1, 0, "input", "up"));
    const { hub } = keyFeed(events);
    const keys = new InputKeys(hub);
    expect(keys.keyFor(2)).to.equal(undefined);
    expect(keys.keyFor(100)).to.equal("a");
    expect(keys.keyFor(115)).to.equal("p");
    expect(keys.keyFor(116)).to.equal("r"); // the 17th: q is skipped
    expect(keys.keyFor(124)).to.equal("z");
    expect(keys.keyFor(125)).to.equal(undefined); // past the 25th
    expect(INPUT_KEYS).to.not.include("q");
    keys.dispose();
  });

  it("a taps: down (the pull's active level) for TAP_MS, then up; pull-down and unpulled inputs go to 1", async () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up"), pin(5, 0, 0, "input", "down")]);
    const changes: number[] = [];
    const keys = new InputKeys(hub, () => changes.push(1));
    expect(keys.handle({ name: "a", sequence: "a" })).to.equal("input");
    expect(keys.isDown(0)).to.equal(true);
    keys.handle({ name: "b", sequence: "b" });
    await sleep(TAP_MS + 50);
    expect(driven.map((d) => [d.pin, d.level])).to.deep.equal([[0, 0], [5, 1], [0, null], [5, null]]);
    const held = driven[2].at - driven[0].at;
    expect(held).to.be.within(TAP_MS - 5, TAP_MS + 40);
    expect(keys.isDown(0)).to.equal(false);
    expect(changes.length).to.be.greaterThan(0);
    keys.dispose();
  });

  it("a quick second a waits for the first tap to end and a gap past the debounce, then taps again (a double click)", async () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    keys.handle({ name: "a" });
    await sleep(30);
    keys.handle({ name: "a" });
    await sleep(2 * TAP_MS + TAP_GAP_MS + 80);
    expect(driven.map((d) => d.level)).to.deep.equal([0, null, 0, null]);
    const gap = driven[2].at - driven[1].at;
    expect(gap).to.be.within(TAP_GAP_MS - 5, TAP_GAP_MS + 40);
    // Second press within a Pushbutton's double-click window (400 ms) of the first.
    expect(driven[2].at - driven[0].at).to.be.below(400);
    keys.dispose();
  });

  it("a key held down (auto-repeat) queues at most two more taps", async () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    for (let i = 0; i < 10; i++) keys.handle({ name: "a" });
    await sleep(3 * (TAP_MS + TAP_GAP_MS) + 150);
    expect(driven.filter((d) => d.level === 0).length).to.equal(3);
    keys.dispose();
  });

  it("Shift+a holds the input down until the next a or A (a long press); a tap in progress just stays down", async () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    keys.handle({ name: "a", shift: true, sequence: "A" });
    expect(keys.isHeld(0)).to.equal(true);
    await sleep(TAP_MS + 50);
    expect(driven.map((d) => d.level)).to.deep.equal([0]);
    keys.handle({ name: "a", sequence: "a" }); // ends the hold, no tap
    expect(driven.map((d) => d.level)).to.deep.equal([0, null]);
    expect(keys.isHeld(0)).to.equal(false);
    keys.handle({ name: "a" });
    await sleep(20);
    keys.handle({ name: "a", shift: true }); // during the tap: held from here
    await sleep(TAP_MS + 50);
    expect(driven.map((d) => d.level)).to.deep.equal([0, null, 0]);
    keys.handle({ name: "a", shift: true });
    expect(driven.map((d) => d.level)).to.deep.equal([0, null, 0, null]);
    keys.dispose();
  });

  it("q, Ctrl-C and Ctrl-D quit; other keys, Ctrl/Meta chords and keys of no input are ignored", () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    expect(keys.handle({ name: "q" })).to.equal("quit");
    expect(keys.handle({ name: "q", shift: true })).to.equal("quit");
    expect(keys.handle({ name: "c", ctrl: true })).to.equal("quit");
    expect(keys.handle({ name: "d", ctrl: true })).to.equal("quit");
    expect(keys.handle({ name: "a", ctrl: true })).to.equal("ignored");
    expect(keys.handle({ name: "a", meta: true })).to.equal("ignored");
    expect(keys.handle({ name: "z" })).to.equal("ignored");
    expect(keys.handle(undefined, "?")).to.equal("ignored");
    expect(keys.handle(undefined)).to.equal("ignored");
    expect(driven).to.deep.equal([]);
    keys.dispose();
  });

  it("dispose() lets go of what the keyboard holds and cancels pending taps", async () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up"), pin(4, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    keys.handle({ name: "a", shift: true });
    keys.handle({ name: "b" });
    keys.handle({ name: "b" });
    keys.dispose();
    await sleep(2 * TAP_MS + TAP_GAP_MS + 50);
    expect(driven.map((d) => [d.pin, d.level])).to.deep.equal([[0, 0], [4, 0], [0, null], [4, null]]);
    expect(keys.handle({ name: "a" })).to.equal("ignored");
  });

  it("a pin opened again as an output is let go of", () => {
    const { hub, driven } = keyFeed([pin(0, 1, 0, "input", "up")]);
    const keys = new InputKeys(hub);
    keys.handle({ name: "a", shift: true });
    hub.push(pin(0, 0, 5, "output"));
    expect(driven.map((d) => d.level)).to.deep.equal([0, null]);
    expect(keys.isDown(0)).to.equal(false);
    keys.dispose();
  });

  it("a drive that fails (the run went away) does not throw into the terminal's key handler", () => {
    const hub = new FeedHub(() => {
      throw new Error("worker gone");
    });
    hub.push(pin(0, 1, 0, "input", "up"));
    const keys = new InputKeys(hub);
    expect(keys.handle({ name: "a", shift: true })).to.equal("input");
    keys.dispose();
  });
});
