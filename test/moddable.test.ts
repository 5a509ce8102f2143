import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as http from "http";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Runs only where the Moddable SDK is set up ($MODDABLE, per its Linux
// Getting Started) and an X server can be had (mcsim is a GTK program):
// $DISPLAY, or Xvfb on PATH, started here.
const ROOT = path.resolve(__dirname, "..");
const MODDABLE = process.env.MODDABLE;
const BIN = MODDABLE ? path.join(MODDABLE, "build", "bin", "lin", "release") : "";

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

/** Runs a simulator build until `until` appears or ms pass; returns what it traced. */
function runSimulator(args: string[], display: string, until: RegExp | null, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn("stdbuf", ["-oL", path.join(BIN, "mcsim"), ...args], { env: { ...env(), DISPLAY: display }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const finish = (): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      resolve(out);
    };
    const timer = setTimeout(finish, ms);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => {
      out += s;
      if (until && until.test(out)) finish();
    });
    child.stderr.on("data", () => {});
  });
}

interface PinEvent {
  pin: number;
  level: number;
  ms: number;
}
function pinTimeline(log: string): PinEvent[] {
  return [...log.matchAll(/^PIN (\d+) ([01]) (\d+)$/gm)].map((m) => ({ pin: +m[1], level: +m[2], ms: +m[3] }));
}

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
    const b = mcconfig(ROOT, ["-m", "-p", "lin", "-t", "build", "-o", out]);
    expect(b.status, b.output).to.equal(0);
    const log = await runSimulator([path.join(out, "bin", "lin", "mc", "release", "main", "mc.so")], display, null, 5200);
    const events = pinTimeline(log);
    const green = events.filter((e) => e.pin === 14).slice(1);
    const blue = events.filter((e) => e.pin === 12).slice(1);
    // Levels alternate, starting lit, and green toggles twice per blue toggle.
    expect(green.length).to.be.within(9, 11);
    expect(blue.length).to.be.within(5, 6);
    green.forEach((e, i) => expect(e.level).to.equal(i % 2 === 0 ? 1 : 0));
    blue.forEach((e, i) => expect(e.level).to.equal(i % 2 === 0 ? 1 : 0));
    // Phase: the k-th green toggle comes k*500 ms after the first (lateness is measured in npm run bench).
    green.forEach((e, k) => expect(e.ms - green[0].ms).to.be.within(k * 500, k * 500 + 100));
    blue.forEach((e, k) => expect(e.ms - blue[0].ms).to.be.within(k * 1000, k * 1000 + 100));
  });

  it("main.ts runs on a simulated device (sim/nodemcu) with its LED controls", async () => {
    const b = mcconfig(ROOT, ["-m", "-p", "sim/nodemcu", "-t", "build", "-o", out]);
    expect(b.status, b.output).to.equal(0);
    const log = await runSimulator([path.join(MODDABLE!, "build", "simulators"), path.join(out, "bin", "lin", "nodemcu", "release", "main", "mc.so")], display, null, 2200);
    const events = pinTimeline(log);
    expect(events.filter((e) => e.pin === 14).length).to.be.within(5, 7);
    expect(log).to.not.match(/Error|abort/i);
  });

  it("the conformance scenarios pass on XS in the simulator (N passed, N failed)", async () => {
    const b = mcconfig(path.join(ROOT, "test", "moddable"), ["-m", "-p", "lin", "-t", "build", "-o", out]);
    expect(b.status, b.output).to.equal(0);
    const log = await runSimulator([path.join(out, "bin", "lin", "mc", "release", "moddable", "mc.so")], display, /\d+ passed, \d+ failed/, 240_000);
    const summary = log.match(/(\d+) passed, (\d+) failed/);
    expect(summary, log).to.not.equal(null);
    expect(log.split("\n").filter((l) => l.startsWith("FAIL")), log).to.deep.equal([]);
    expect(+summary![2]).to.equal(0);
    expect(+summary![1]).to.be.greaterThan(20);
  });

  it("examples/webserver answers a request over loopback from the simulator (ECMA-419 sockets)", async () => {
    const b = mcconfig(path.join(ROOT, "examples", "webserver"), ["-m", "-p", "lin", "-t", "build", "-o", out]);
    expect(b.status, b.output).to.equal(0);
    const sim = spawn("stdbuf", ["-oL", path.join(BIN, "mcsim"), path.join(out, "bin", "lin", "mc", "release", "webserver", "mc.so")], { env: { ...env(), DISPLAY: display }, stdio: ["ignore", "pipe", "ignore"] });
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

  it("mcconfig resolves every module for esp32 and esp (ESP8266) without a toolchain (make files only)", () => {
    const esp32 = mcconfig(ROOT, ["-d", "-p", "esp32", "-t", "build", "-o", out]);
    expect(esp32.status, esp32.output).to.equal(0);
    const espBase = fs.mkdtempSync(path.join(os.tmpdir(), "esp-base-"));
    const esp = mcconfig(ROOT, ["-d", "-p", "esp", "-t", "build", "-o", out], { ESP_BASE: espBase });
    fs.rmSync(espBase, { recursive: true, force: true });
    expect(esp.status, esp.output).to.equal(0);
  });
});
