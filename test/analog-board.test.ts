import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { FeedHub, type BoardEvent, type BoardFeed } from "../hosts/node/feed";
import { runApp } from "../hosts/node/runner";
import { toVcd, vcdChanges } from "../hosts/node/vcd";
import { BoardView } from "../hosts/node/view";
import { startWebBoard } from "../hosts/node/web/server";

// ADC and PWM on the boards around the app: examples/dimmer.ts's timeline,
// the VCD's real variables, the terminal board and the browser board.

declare const window: any;
declare const document: any;
declare const getComputedStyle: (el: unknown) => { backgroundColor: string };

const ROOT = path.resolve(__dirname, "..");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ESC = /\x1b\[[0-9;?]*[A-Za-z]/g;

describe("examples/dimmer.ts on the simulated board (its board script turns the knob)", () => {
  it("virtual time: the alarm LED, the prints, the heartbeat and the breathing LED's duties, exactly; a VCD with pwm2 and adc34 as reals", async () => {
    const vcd = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dimmer-")), "dimmer.vcd");
    const printed: string[] = [];
    const run = runApp({ entry: path.join(ROOT, "examples", "dimmer.ts"), duration: 16, virtual: true, view: false, vcd });
    run.feed.subscribe((e) => {
      if (e.type === "print") printed.push(`${e.time} ${e.line}`);
    });
    await run.finished;
    const pins = run.board.history.map((c) => `${c.time} ${c.pin} ${c.level}`);
    expect(pins.filter((l) => / 12 /.test(l))).to.deep.equal(["0 12 0", "3620 12 1", "5040 12 0", "11620 12 1", "13040 12 0"]);
    expect(pins.filter((l) => / 14 /.test(l)).length).to.equal(2 + 31); // opened off, on at 0, then a toggle every 0.5 s until 15.5 s
    expect(printed).to.deep.equal([
      "3620 alarm: the knob is at 3.01 V",
      "5040 clear: the knob is back at 2.49 V",
      "11620 alarm: the knob is at 3.01 V",
      "13040 clear: the knob is back at 2.49 V",
    ]);
    const pwm = run.board.analog.history.filter((e) => e.type === "pwm");
    expect(pwm[0]).to.deep.include({ pin: 2, duty: 0, freq: 1000, time: 0 });
    // At the top of the first ramp (i = 50, t = 1000 ms) the duty is the knob's reading then: 0.975 V.
    expect(pwm.find((e) => e.time === 1000)).to.deep.include({ duty: 19364 });
    // A duty changes only at a step of the fade, every 20 ms.
    expect(pwm.filter((e) => e.time % 20 !== 0)).to.deep.equal([]);
    expect(pwm.length).to.be.above(700);
    // The VCD: wires, then the PWM output and the ADC input as real variables.
    const text = fs.readFileSync(vcd, "utf8");
    expect(text.match(/\$var .* \$end/g)).to.deep.equal([
      "$var wire 1 ! gpio12 $end",
      '$var wire 1 " gpio14 $end',
      "$var real 64 # pwm2 $end",
      "$var real 64 $ adc34 $end",
    ]);
    const at1s = text.slice(text.indexOf("\n#1000000\n") + 1).split("\n#")[0];
    expect(at1s.split("\n")).to.include("r0.2954757 #");
    expect(text).to.match(/\n#0\n(.*\n)*r0\.199853 \$\n/); // the knob's first reading, 0.2 V (as the 12-bit converter has it), at #0
  });

  it("toVcd: real values as plain decimals; a digital-only dump is as before", () => {
    const events: BoardEvent[] = [
      { type: "pin", pin: 14, level: 0, time: 0, mode: "output", pull: "none" },
      { type: "pwm", pin: 2, duty: 0, freq: 1000, time: 0 },
      { type: "analog", pin: 34, value: 32776, uv: 1650403, time: 0.5 },
      { type: "pwm", pin: 2, duty: 32768, freq: 1000, time: 10 },
      { type: "print", line: "x", time: 11 },
      { type: "pin", pin: 14, level: 1, time: 12 , mode: "output", pull: "none" },
      { type: "analog", pin: 34, value: 1, uv: 50, time: 12 },
    ];
    expect(toVcd(vcdChanges(events), { date: "d", endTime: 20 }).split("\n")).to.deep.equal([
      "$date d $end",
      "$version moddable-asyncio simulated board $end",
      "$timescale 1us $end",
      "$scope module board $end",
      "$var wire 1 ! gpio14 $end",
      '$var real 64 " pwm2 $end',
      "$var real 64 # adc34 $end",
      "$upscope $end",
      "$enddefinitions $end",
      "#0",
      "0!",
      'r0 "',
      "r1.650403 #",
      "#10000",
      'r0.50000763 "',
      "#12000",
      "1!",
      "r0.00005 #",
      "#20000",
      "",
    ]);
  });
});

describe("the terminal board shows PWM as brightness and ADC pins in volts", () => {
  const events: BoardEvent[] = [
    { type: "pin", pin: 14, level: 1, time: 0, mode: "output", pull: "none" },
    { type: "pwm", pin: 2, duty: 32768, freq: 1000, time: 5 },
    { type: "pwm", pin: 4, duty: 0, freq: 1000, time: 5 },
    { type: "pwm", pin: 5, duty: 65535, freq: 1000, time: 5 },
    { type: "pwm", pin: 13, duty: 10, freq: 50, time: 5 },
    { type: "analog", pin: 34, value: 32776, uv: 1650403, time: 6 },
    { type: "pin", pin: 0, level: 1, time: 7, mode: "input", pull: "up" },
  ];

  it("on a terminal: ◑ half, ○ dark, ● full, ◔ dim, with the percentage; the ADC's volts with the inputs", async () => {
    const hub = new FeedHub(() => {});
    let text = "";
    const view = new BoardView(hub, { out: { write: (t: string) => (text += t), isTTY: true, columns: 100 }, tty: true });
    for (const e of events) hub.push(e);
    await new Promise((r) => setTimeout(r, 40));
    view.finish();
    const screen = text.replace(ESC, "").split("\r").pop()!;
    expect(screen).to.equal(
      "t=   0.007 s  ● GPIO14  ◑ GPIO2  50%  ○ GPIO4   0%  ● GPIO5 100%  ◔ GPIO13   1%  GPIO34 ADC 1.650 V\n" +
        "GPIO0 high pull-up\n",
    );
  });

  it("in a pipe: a line when a PWM output crosses a tenth of brightness (a fade is not a line per step), the ADC when opened", () => {
    const hub = new FeedHub(() => {});
    let text = "";
    new BoardView(hub, { out: { write: (t: string) => (text += t) }, tty: false });
    for (const e of events.slice(1, 2)) hub.push(e);
    for (let i = 0; i <= 10; i++) hub.push({ type: "pwm", pin: 2, duty: Math.round((65535 * (50 - i)) / 50), freq: 1000, time: 10 + i });
    hub.push(events[5]);
    hub.push({ type: "analog", pin: 34, value: 1, uv: 50, time: 30 });
    expect(text.split("\n")).to.deep.equal([
      "t=   0.005 s  GPIO2 LED 50% at 1000 Hz",
      "t=   0.010 s  GPIO2 LED 100% at 1000 Hz",
      "t=   0.011 s  GPIO2 LED 98% at 1000 Hz",
      "t=   0.013 s  GPIO2 LED 94% at 1000 Hz",
      "t=   0.018 s  GPIO2 LED 84% at 1000 Hz",
      "t=   0.006 s  GPIO34 ADC 1.650 V",
      "",
    ]);
  });
});

/** A feed the test drives by hand. */
class FakeFeed implements BoardFeed {
  readonly events: BoardEvent[] = [];
  readonly listeners = new Set<(e: BoardEvent) => void>();
  push(...events: BoardEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      for (const l of [...this.listeners]) l(e);
    }
  }
  subscribe(listener: (e: BoardEvent) => void): () => void {
    for (const e of this.events) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  drive(): void {}
}

describe("the browser board shows PWM as brightness and ADC pins in volts (Chromium)", function () {
  this.timeout(30000);
  let browser: Browser;
  const errors: string[] = [];
  const stops: (() => unknown)[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      process.stdout.write(`    (skipped: no browser at ${CHROMIUM}; install Debian's chromium, or set CHROMIUM_PATH)\n`);
      return this.skip();
    }
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await browser?.close();
  });

  async function openPage(feed: BoardFeed): Promise<Page> {
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    stops.push(() => context.close());
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().includes("net::ERR_CONNECTION_REFUSED")) errors.push(`console: ${m.text()}`);
    });
    await page.goto(web.url);
    return page;
  }

  it("a PWM LED's lamp is as bright as its duty, labelled with it; an ADC pin shows its volts; the diagram draws the duty between low and high", async () => {
    const feed = new FakeFeed();
    feed.push(
      { type: "pin", pin: 14, level: 1, time: 0, mode: "output", pull: "none" },
      { type: "pwm", pin: 2, duty: 0, freq: 1000, time: 0 },
      { type: "analog", pin: 34, value: 32776, uv: 1650403, time: 0 },
    );
    const page = await openPage(feed);
    await page.waitForSelector('.led.pwm[data-pin="2"]');
    // The lamp eases into its colour: the computed colours below are the ones it settles on.
    await page.evaluate(() => (document.querySelector('.led[data-pin="2"] .lamp').style.transition = "none"));
    const lamp = async () =>
      page.$eval('.led.pwm[data-pin="2"]', (el: any) => ({ b: el.style.getPropertyValue("--b"), label: el.textContent, bg: getComputedStyle(el.querySelector(".lamp")).backgroundColor }));
    const dark = await lamp();
    expect(dark).to.deep.include({ b: "0", label: "GPIO2 0% · 1000 Hz" });
    feed.push({ type: "pwm", pin: 2, duty: 32768, freq: 1000, time: 100 });
    await page.waitForFunction(() => document.querySelector('.led[data-pin="2"]').style.getPropertyValue("--b") !== "0");
    const half = await lamp();
    feed.push({ type: "pwm", pin: 2, duty: 65535, freq: 2000, time: 200 });
    await page.waitForFunction(() => document.querySelector('.led[data-pin="2"]').style.getPropertyValue("--b") === "1");
    const full = await lamp();
    expect(half.label).to.equal("GPIO2 50% · 1000 Hz");
    expect(full.label).to.equal("GPIO2 100% · 2000 Hz");
    // Brighter with the duty: the blue channel of the lamp's colour grows.
    // (color-mix() computes to "color(srgb r g b)", 0 … 1.)
    const channels = [dark.bg, half.bg, full.bg].map((c) => c.replace(/^color\(srgb /, "").match(/[\d.]+/g)!.slice(0, 3).map((x) => Math.round(Number(x) * 255)));
    expect(channels[0]).to.deep.equal([0x2b, 0x2f, 0x34]); // dark: the unlit lamp
    expect(channels[1][2]).to.be.within(152, 156); // half way from the unlit 0x34 to the blue LED's 0xff
    expect(channels[2]).to.deep.equal([0x4c, 0x8d, 0xff]); // full: #4c8dff, the blue LED's colour
    expect(await page.textContent('.adc[data-pin="34"]')).to.equal("GPIO34 ADC1.650 V");
    const pins = await page.evaluate(() => window.webBoard.pins());
    expect(pins.map((p: { pin: number; mode: string; levels: number[] }) => [p.pin, p.mode, p.levels])).to.deep.equal([
      [14, "output", [1]],
      [2, "pwm", [0, 32768 / 65535, 1]],
      [34, "adc", [32776 / 65535]],
    ]);
    // The PWM row's trace is at half height between 100 and 200 ms.
    const mid = await page.evaluate(() => {
      const wb = window.webBoard;
      wb.redraw();
      const { x0, plotW, dpr, rows } = wb.layout();
      const { start, end } = wb.view();
      const row = rows.find((r: { pin: number }) => r.pin === 2);
      const x = Math.round((x0 + ((150 - start) / (end - start)) * plotW) * dpr);
      const y = Math.round(((row.yHigh + row.yLow) / 2) * dpr);
      const canvas = document.getElementById("diagram");
      const d = canvas.getContext("2d").getImageData(x, y - 2 * dpr, 1, 4 * dpr + 1).data;
      const hits = [];
      for (let i = 0; i < d.length; i += 4) hits.push(Math.abs(d[i] - 0x4c) + Math.abs(d[i + 1] - 0x8d) + Math.abs(d[i + 2] - 0xff) < 60);
      return hits.some(Boolean);
    });
    expect(mid).to.equal(true);
    expect(errors).to.deep.equal([]);
  });
});
