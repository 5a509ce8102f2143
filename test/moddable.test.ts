import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as http from "http";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Runs only where the Moddable SDK is set up ($MODDABLE, per its Linux
// Getting Started) and an X server can be had (mcsim is a GTK program):
// $DISPLAY, or Xvfb on PATH, started here.
//
// Simulator runs clash (ports, and mcconfig -m without -t build kills every
// running simulator): run this file under `flock /tmp/mcsim.lock`.
const ROOT = path.resolve(__dirname, "..");
const MODDABLE = process.env.MODDABLE;
const BIN = MODDABLE ? path.join(MODDABLE, "build", "bin", "lin", "release") : "";
const SIMULATORS = MODDABLE ? path.join(MODDABLE, "build", "simulators") : "";
const EXAMPLES = path.join(ROOT, "examples");

function missing(): string | null {
  if (!MODDABLE) return "$MODDABLE is not set (the Moddable SDK is not installed here)";
  if (process.platform !== "linux") return "the simulator tests drive the Linux simulator";
  for (const tool of ["mcconfig", "mcsim"]) if (!fs.existsSync(path.join(BIN, tool))) return `${tool} is missing from ${BIN} (build the SDK tools)`;
  if (!process.env.DISPLAY && spawnSync("sh", ["-c", "command -v Xvfb"]).status !== 0) return "no $DISPLAY and no Xvfb to start one";
  return null;
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}:${BIN}:${process.env.PATH}` });

function mcconfig(appDir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const r = spawnSync(path.join(BIN, "mcconfig"), args, { cwd: appDir, env: { ...env(), ...extraEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function findFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => path.basename(f) === name).map((f) => path.join(dir, f));
}

/**
 * Builds an app for the simulator into `out` and returns the mc.so it built.
 * mcconfig names the build folder after the folder holding the manifest (a
 * clone's folder name for main.ts), so the library is looked up: any mc.so
 * under out/bin is removed first, and the build must leave exactly one.
 */
function buildForSimulator(out: string, cwd: string, args: string[]): string {
  for (const old of findFiles(path.join(out, "bin"), "mc.so")) fs.rmSync(old);
  const b = mcconfig(cwd, [...args, "-t", "build", "-o", out]);
  expect(b.status, b.output).to.equal(0);
  const built = findFiles(path.join(out, "bin"), "mc.so");
  expect(built, `mcconfig ${args.join(" ")} built one mc.so under ${out}/bin`).to.have.length(1);
  return built[0];
}

/**
 * The simulated device mcsim shows for a library, by mcsim's own rule
 * (tools/mcsim/main.js): the devices in build/simulators sorted by title, the
 * first whose applicationName + "/mc.so" matches the library's path, else the
 * first of all. Only debug builds (<device>/debug/…) match.
 */
function deviceMcsimShows(library: string): string {
  const devices = fs
    .readdirSync(SIMULATORS)
    .filter((f) => f.endsWith(".js"))
    .map((f) => {
      const text = fs.readFileSync(path.join(SIMULATORS, f), "utf8");
      const title = /\btitle\s*:\s*(["'])(.*?)\1/.exec(text)?.[2];
      const name = /\bapplicationName\s*:\s*(["'])(.*?)\1/.exec(text)?.[2];
      return { title: title ?? f, filter: name ? new RegExp(`${name}/mc.so`) : null };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
  return (devices.find((d) => d.filter?.test(library)) ?? devices[0]).title;
}

interface Simulator {
  readonly child: ChildProcess;
  log(): string;
  /** Resolves with the log once `re` matches it; rejects after ms. */
  waitFor(re: RegExp, ms: number): Promise<string>;
  stop(): void;
}

function startSimulator(args: string[], display: string): Simulator {
  const child = spawn("stdbuf", ["-oL", path.join(BIN, "mcsim"), ...args], { env: { ...env(), DISPLAY: display }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (s: string) => {
    out += s;
    for (const w of [...waiters]) w();
  });
  child.stderr!.on("data", () => {});
  return {
    child,
    log: () => out,
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!re.test(out)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(out);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the simulator never traced ${re} in ${ms} ms:\n${out.slice(-3000)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    stop: () => {
      child.kill("SIGKILL");
    },
  };
}

/** Runs a simulator build until `until` appears or ms pass; returns what it traced. */
async function runSimulator(args: string[], display: string, until: RegExp | null, ms: number): Promise<string> {
  const sim = startSimulator(args, display);
  try {
    await sim.waitFor(until ?? /(?!)/, ms).catch(() => {});
    return sim.log();
  } finally {
    sim.stop();
  }
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
/** CPU seconds (user + system, all threads) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

interface PinEvent {
  pin: number;
  level: number;
  ms: number;
}
function pinTimeline(log: string): PinEvent[] {
  return [...log.matchAll(/^PIN (\d+) ([01]) (\d+)$/gm)].map((m) => ({ pin: +m[1], level: +m[2], ms: +m[3] }));
}

/** A pin toggling every halfMs, starting lit after its initial line; `count` toggles. */
function expectBlink(events: PinEvent[], pin: number, halfMs: number, count: [number, number]): void {
  const toggles = events.filter((e) => e.pin === pin).slice(1);
  expect(toggles.length, `PIN ${pin} toggles`).to.be.within(count[0], count[1]);
  toggles.forEach((e, i) => expect(e.level, `PIN ${pin} toggle ${i}`).to.equal(i % 2 === 0 ? 1 : 0));
  // Phase: the k-th toggle comes k*halfMs after the first (lateness is measured in npm run bench).
  toggles.forEach((e, k) => expect(e.ms - toggles[0].ms, `PIN ${pin} toggle ${k}`).to.be.within(k * halfMs, k * halfMs + 100));
}

/** A start that failed: a module missing, an exception, an XS abort. */
function expectCleanStart(log: string): void {
  expect(log, "the app's trace").to.not.match(/not found|abort|Error|exception/i);
}

/** What each example manifest must trace on plain -p lin, in `ms` of running. Every examples/*.json needs an entry. */
const exampleChecks: Record<string, { ms: number; check(log: string): void }> = {
  // No button on plain lin (the input stays at its pull-up level): the LED blinks at the first rate.
  "button-blink": { ms: 3300, check: (log) => expectBlink(pinTimeline(log), 2, 500, [6, 8]) },
  "run-main": {
    ms: 3300,
    check: (log) => {
      expectBlink(pinTimeline(log), 14, 500, [6, 8]);
      expectBlink(pinTimeline(log), 12, 1000, [3, 4]);
    },
  },
  "producer-consumer": {
    ms: 3600,
    check: (log) => {
      const reports = [...log.matchAll(/^report: (\d+) readings from \d+ to \d+ ms, (\d+) high, (\d+) low$/gm)];
      expect(reports.length, "reports, one a second").to.be.within(2, 4);
      for (const r of reports) {
        expect(+r[1], r[0]).to.be.within(8, 12);
        expect(+r[2], `${r[0]}: the sensor (GPIO 4, pulled up, no button) reads high`).to.equal(+r[1]);
      }
      const events = pinTimeline(log);
      const samples = events.filter((e) => e.pin === 14 && e.level === 1);
      expect(samples.length, "sample flashes, one every 100 ms").to.be.within(28, 38);
      const reportLed = events.filter((e) => e.pin === 12 && e.level === 1);
      expect(reportLed.length, "report LED flashes").to.equal(reports.length);
    },
  },
  // The simulator's ADC is a traced fake: an 8 s triangle 0 … 3.3 V on every pin, so the knob passes 3.0 V at about 3.64 s.
  dimmer: {
    ms: 5300,
    check: (log) => {
      expect(log).to.contain("ADC 34: simulated, a triangle wave 0-3.3 V every 8 s\n");
      const duties = [...log.matchAll(/^PWM 2 (\d+) 1000 (\d+)$/gm)].map((m) => +m[1]);
      expect(duties.length, "PWM changes, every 20 ms").to.be.above(100);
      expect(Math.max(...duties), "brighter as the knob turns up").to.be.above(40000);
      expectBlink(pinTimeline(log), 14, 500, [9, 11]);
      const alarm = pinTimeline(log).filter((e) => e.pin === 12).slice(1);
      expect(alarm.map((e) => e.level), `the alarm LED:\n${log}`).to.deep.equal([1, 0]);
      expect(alarm[0].ms, "alarm above 3.0 V").to.be.within(3600, 3800);
      expect(alarm[1].ms, "clear below 2.5 V").to.be.within(4950, 5200);
      expect(log).to.match(/^alarm: the knob is at 3\.0\d V$/m);
      expect(log).to.match(/^clear: the knob is back at 2\.(4\d|50) V$/m);
    },
  },
  // every(0.5) and everyMs(20) over the simulator's triangle (0 … 3.3 V every 8 s), rising for the first 4 s.
  sampler: {
    ms: 3300,
    check: (log) => {
      const means = [...log.matchAll(/^(\d) s: (\d\.\d{3}) V mean of 50 samples(, \d+ late)?$/gm)].map((m) => +m[2]);
      expect(means.length, `a mean a second:\n${log}`).to.be.within(2, 3);
      means.slice(1).forEach((v, i) => expect(v, "the voltage rises").to.be.above(means[i]));
      // A ticker's toggles keep their phase: against the first one, none is more than its lateness off k·500 ms, either way.
      const toggles = pinTimeline(log).filter((e) => e.pin === 14).slice(1);
      expect(toggles.length, "PIN 14 toggles").to.be.within(5, 7);
      toggles.forEach((e, k) => expect(e.ms - toggles[0].ms, `PIN 14 toggle ${k}`).to.be.within(k * 500 - 50, k * 500 + 50));
    },
  },
  // The simulator's I2C bus is the simulated board's model: an SHT3x at 0x44 reading 22.5 °C, 45 %RH.
  "sensor-logger": {
    ms: 5300,
    check: (log) => {
      const readings = [...log.matchAll(/^sensor: 22\.50 C, 45\.0 %RH \(measured at (\d+) ms\)$/gm)].map((m) => +m[1]);
      expect(readings.length, `readings, one every 2 s:\n${log}`).to.be.within(2, 3);
      // A ticker: each reading within the host's lateness of k·2000 ms after the first, none accumulating.
      readings.slice(1).forEach((t, i) => expect(t - readings[0], `reading ${i + 1}`).to.be.within(2000 * (i + 1) - 20, 2000 * (i + 1) + 20));
      expectBlink(pinTimeline(log), 2, 500, [9, 11]);
    },
  },
  // The simulator's UART2 has the simulated board's GPS (9600 baud, a report a second, the computer's UTC time).
  "gps-reader": {
    ms: 4300,
    check: (log) => {
      const fixes = [...log.matchAll(/^gps: (\d\d):(\d\d):(\d\d) fix, 8 satellites, altitude 35\.0 m$/gm)].map((m) => +m[1] * 3600 + +m[2] * 60 + +m[3]);
      expect(fixes.length, `GGA sentences, one a second:\n${log}`).to.be.within(3, 5);
      fixes.slice(1).forEach((t, i) => expect((t - fixes[i] + 86400) % 86400).to.equal(1));
      expect([...log.matchAll(/^gps: \d\d:\d\d:\d\d 48\.858222, 2\.294500, 0\.000 knots, course 0\.00$/gm)].length).to.be.within(3, 5);
      // A UART that opens in the middle of a report hears the rest of it: at most that first line is skipped.
      expect([...log.matchAll(/^gps: skipped/gm)].length).to.be.at.most(1);
      expectBlink(pinTimeline(log), 14, 500, [7, 9]);
      expectBlink(pinTimeline(log), 12, 1000, [3, 5]);
    },
  },
};

const exampleManifests = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".json")).sort();

const reason = missing();
(reason ? describe.skip : describe)(`Moddable SDK builds and the Linux simulator${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(300_000);
  let xvfb: ChildProcess | null = null;
  let display = process.env.DISPLAY ?? "";
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-mc-"));

  before(async () => {
    if (!display) {
      display = ":97";
      xvfb = spawn("Xvfb", [display, "-nolisten", "tcp"], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  after(() => {
    xvfb?.kill();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("main.ts builds for the simulator and blinks: green every 500 ms, blue every 1000 ms, on XS with asyncio preloaded", async () => {
    const library = buildForSimulator(out, ROOT, ["-m", "-p", "lin"]);
    const log = await runSimulator([library], display, null, 5200);
    // Levels alternate, starting lit, and green toggles twice per blue toggle.
    expectBlink(pinTimeline(log), 14, 500, [9, 11]);
    expectBlink(pinTimeline(log), 12, 1000, [5, 6]);
  });

  it("main.ts runs on the simulated NodeMCU (sim/nodemcu, debug build: the NodeMCU skin) with its LED controls", async () => {
    // mcsim shows a device's skin only for <device>/debug/ builds; a release
    // build would show the first device (M5Atom S3), not what the user asked for.
    const library = buildForSimulator(out, ROOT, ["-d", "-m", "-p", "sim/nodemcu"]);
    expect(library).to.match(/\/nodemcu\/debug\//);
    expect(deviceMcsimShows(library)).to.equal("NodeMcu");
    expect(deviceMcsimShows(library.replace("/debug/", "/release/")), "a release build gets another skin").to.not.equal("NodeMcu");
    const log = await runSimulator([SIMULATORS, library], display, null, 3200);
    expect(pinTimeline(log).filter((e) => e.pin === 14).length).to.be.within(5, 8);
    expectCleanStart(log);
  });

  for (const manifest of exampleManifests) {
    const name = manifest.slice(0, -".json".length);
    it(`examples/${manifest} builds for the simulator, starts, and traces what the example does`, async () => {
      const expected = exampleChecks[name];
      expect(expected, `test/moddable.test.ts has no trace check for examples/${manifest}: add one to exampleChecks`).to.not.equal(undefined);
      const library = buildForSimulator(out, ROOT, [path.join(EXAMPLES, manifest), "-m", "-p", "lin"]);
      const log = await runSimulator([library], display, null, expected.ms);
      expectCleanStart(log);
      expected.check(log);
    });
  }

  /** mcsim's share of a core in three windows of ms each, from now. */
  async function cpuShares(pid: number, ms: number): Promise<number[]> {
    const shares: number[] = [];
    for (let i = 0; i < 3; i++) {
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      shares.push((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000));
    }
    return shares;
  }
  const percent = (xs: number[]): string => xs.map((x) => (x * 100).toFixed(2)).join(", ");

  it("an idle app costs no CPU in mcsim (within 1.3 % of a core of an app that does nothing, measured in the same run) and wakes on a button press: examples/button-blink after a long press", async () => {
    // The floor: the same simulated device with an app that does nothing. A machine shared with others makes it
    // 0.7 % of a core one run and 2.6 % the next; a loop that polls adds to ours in every window.
    const floorLibrary = buildForSimulator(out, path.join(ROOT, "test", "moddable", "idle-floor"), ["-d", "-m", "-p", "sim/nodemcu"]);
    const floorSim = startSimulator([SIMULATORS, floorLibrary], display);
    let floor: number;
    try {
      await floorSim.waitFor(/^IDLE$/m, 30_000);
      const shares = await cpuShares(floorSim.child.pid!, 3_300);
      floor = Math.min(...shares);
      console.log(`      mcsim with an app that does nothing: ${percent(shares)} % of a core in three 3.3 s windows`);
    } finally {
      floorSim.stop();
    }
    const library = buildForSimulator(out, path.join(ROOT, "test", "moddable", "idle"), ["-d", "-m", "-p", "sim/nodemcu"]);
    expect(deviceMcsimShows(library)).to.equal("NodeMcu");
    const sim = startSimulator([SIMULATORS, library], display);
    try {
      const pid = sim.child.pid!;
      await sim.waitFor(/^IDLE$/m, 30_000);
      expect(fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim()).to.equal("mcsim");
      // The quietest of three windows, ending before the app's second press (at 15 s).
      const shares = await cpuShares(pid, 3_300);
      const share = Math.min(...shares);
      console.log(`      mcsim idling: ${percent(shares)} % of a core in three 3.3 s windows`);
      const idleLog = sim.log();
      // The long press stopped the blinking: the LED went off and stayed off.
      const before = pinTimeline(idleLog.slice(0, idleLog.indexOf("IDLE")));
      expect(before.filter((e) => e.pin === 2).at(-1)?.level).to.equal(0);
      expect(pinTimeline(idleLog.slice(idleLog.indexOf("IDLE"))), "no LED change while idle").to.deep.equal([]);
      expect(share - floor, `mcsim used ${(share * 100).toFixed(2)} % of a core while the app idled, ${(floor * 100).toFixed(2)} % with an app that does nothing`).to.be.lessThan(0.013);
      // The second long press: blinking again.
      const log = await sim.waitFor(/IDLE[\s\S]*PRESS 1[\s\S]*^PIN 2 1 \d+$[\s\S]*^PIN 2 0 \d+$/m, 15_000);
      expectCleanStart(log);
    } finally {
      sim.stop();
    }
  });

  it("the conformance scenarios pass on XS in the simulator (N passed, N failed)", async () => {
    const library = buildForSimulator(out, path.join(ROOT, "test", "moddable"), ["-m", "-p", "lin"]);
    const log = await runSimulator([library], display, /\d+ passed, \d+ failed/, 240_000);
    const summary = log.match(/(\d+) passed, (\d+) failed/);
    expect(summary, log).to.not.equal(null);
    expect(log.split("\n").filter((l) => l.startsWith("FAIL")), log).to.deep.equal([]);
    expect(+summary![2]).to.equal(0);
    expect(+summary![1]).to.be.greaterThan(20);
  });

  it("examples/webserver answers a request over loopback from the simulator (ECMA-419 sockets)", async () => {
    const library = buildForSimulator(out, path.join(ROOT, "examples", "webserver"), ["-m", "-p", "lin"]);
    const sim = spawn("stdbuf", ["-oL", path.join(BIN, "mcsim"), library], { env: { ...env(), DISPLAY: display }, stdio: ["ignore", "pipe", "ignore"] });
    try {
      let log = "";
      sim.stdout.setEncoding("utf8");
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server never said where it listens:\n${log}`)), 30_000);
        sim.stdout.on("data", (s: string) => {
          log += s;
          const m = /webserver: (http:\/\/\S+)/.exec(log);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get(url, { headers: { Connection: "close" } }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
      });
      expect(page.status).to.equal(200);
      expect(page.body).to.match(/LED/i);
    } finally {
      sim.kill("SIGKILL");
    }
  });

  it("mcconfig resolves every module of main.ts and of every example for esp32 and esp (ESP8266) without a toolchain (make files only)", () => {
    const espBase = fs.mkdtempSync(path.join(os.tmpdir(), "esp-base-"));
    try {
      for (const manifest of [[], ...exampleManifests.map((m) => [path.join(EXAMPLES, m)])]) {
        for (const platform of ["esp32", "esp"]) {
          const r = mcconfig(ROOT, [...manifest, "-d", "-p", platform, "-t", "build", "-o", out], { ESP_BASE: espBase });
          expect(r.status, `mcconfig ${manifest.join(" ")} -d -p ${platform}:\n${r.output}`).to.equal(0);
        }
      }
    } finally {
      fs.rmSync(espBase, { recursive: true, force: true });
    }
  });
});
