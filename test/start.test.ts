import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// npm start -- <app>: an example by name, or your own app by a path from
// where you typed the command (npm runs scripts from the package folder and
// passes that place as INIT_CWD).
const ROOT = path.resolve(__dirname, "..");
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "start.ts"), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60000,
  });
}

describe("npm start -- <app>", function () {
  this.timeout(60000);

  it("a typo lists the apps, each once (no manifests), and exits with 2", () => {
    const r = start(["blnk"]);
    expect(r.status).to.equal(2);
    const m = /one of: (.*)\n/.exec(r.stderr);
    expect(m, r.stderr).to.not.equal(null);
    const apps = m![1].split(", ");
    expect(apps).to.deep.equal(["button-blink", "producer-consumer", "run-main", "webserver"]);
  });

  it("type-checks your own app first: errors as tsc shows them, with the app's own line numbers, and it does not run", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "bad.ts"), [
        'import asyncio, { print } from "asyncio";',
        "",
        'const n: number = "three";',
        'asyncio.run(async () => print("ran", n));',
        "",
      ].join("\n"));
      const r = start(["bad.ts", "--virtual", "--duration", "0.5"], { INIT_CWD: dir });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(/^bad\.ts\(3,7\): error TS2322: Type 'string' is not assignable to type 'number'\./m);
      expect(r.stdout).to.not.include("ran");
      const anyway = start(["bad.ts", "--virtual", "--duration", "0.5", "--no-check"], { INIT_CWD: dir });
      expect(anyway.status).to.equal(0);
      expect(anyway.stdout).to.include("ran three");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs your own app from a path relative to where you typed the command", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "app.ts"), [
        'import asyncio, { print } from "asyncio";',
        "asyncio.run(async () => {",
        "  await asyncio.sleep(0.1);",
        '  print("hello from my app at", asyncio.ticksMs(), "ms");',
        "});",
        "",
      ].join("\n"));
      const r = start(["app.ts", "--virtual", "--duration", "0.5"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include("hello from my app at 100 ms");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad options: a clear message and exit code 2, before anything runs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      const cases: [string[], RegExp][] = [
        [["--duration"], /^--duration needs a positive number of seconds, got nothing$/m],
        [["--duration", "0"], /^--duration needs a positive number of seconds, got "0"$/m],
        [["--duration", "soon"], /^--duration needs a positive number of seconds, got "soon"$/m],
        [["--duration", "3000000"], /^--duration is at most 2000000 seconds, got 3000000$/m],
        [["--stall", "-1"], /^--stall needs a positive number of seconds, got "-1"$/m],
        [["--vcd"], /^--vcd needs a file name$/m],
        [["--vcd", "--virtual"], /^--vcd needs a file name$/m],
        [["--vcd", "no/such/folder/out.vcd"], /^--vcd no\/such\/folder\/out\.vcd: there is no folder .*no\/such\/folder$/m],
        [["--vcd", "."], /^--vcd \.: that is a folder$/m],
        [["--virtual"], /^--virtual needs --duration$/m],
        [["--fast"], /^unknown option --fast$/m],
        [["main", "run-main"], /^one app at a time \(got main and run-main\)$/m],
      ];
      for (const [args, message] of cases) {
        const r = start(args, { INIT_CWD: dir });
        expect(r.status, args.join(" ")).to.equal(2);
        expect(r.stderr, args.join(" ")).to.match(message);
        expect(r.stderr, args.join(" ")).to.include("Usage: npm start");
        expect(r.stdout, args.join(" ")).to.equal("");
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--help says what each key does", () => {
    const r = start(["--help"]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^ {2}a {17}taps the input: pressed for 0\.1 s, then released/m);
    expect(r.stdout).to.match(/^ {2}A \(Shift\+a\) {7}presses the input and holds it until the next a or A/m);
    expect(r.stdout).to.match(/^ {2}q, Ctrl-C {9}stops the run$/m);
    expect(r.stdout).to.include("--stall S");
  });

  it("on virtual time a task that never yields ends the run (exit 1): it is named, with its line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "spin.ts"), [
        'import asyncio from "asyncio";',
        "async function poll() {",
        "  await asyncio.sleep(1.5);",
        "  while (true) {} // waits for a flag no one can set",
        "}",
        "asyncio.run(poll);",
        "",
      ].join("\n"));
      const r = start(["spin.ts", "--virtual", "--duration", "60", "--stall", "0.5", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stderr).to.include("task poll never gave the loop back since t=1.500 s (a loop without await?): the app was terminated\n  stuck at poll (spin.ts:4:3)\n");
      expect(r.stdout).to.match(/^terminated at t=1\.500 s after 0 pin changes$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("in a pipe (no terminal): no keys, one line per change; SIGINT stops the run and the VCD is still written", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      const vcd = path.join(dir, "out.vcd");
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "start.ts"), "run-main", "--vcd", "out.vcd"], {
        cwd: ROOT, env: { ...process.env, INIT_CWD: dir },
      });
      let out = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (d: string) => {
        out += d;
        if (/GPIO14 \(green LED\) off\n[^]*GPIO14 \(green LED\) on\n[^]*GPIO14 \(green LED\) off\n/.test(out)) child.kill("SIGINT");
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).to.equal(0);
      expect(out).to.match(/^examples\/run-main\.ts on the simulated board; until q or Ctrl-C\n/);
      expect(out).to.match(/\nstopped at t=\d+\.\d{3} s after \d+ pin changes; wrote out\.vcd\n$/);
      expect(fs.readFileSync(vcd, "utf8")).to.match(/\$var wire 1 \S+ gpio14 \$end/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--debug names the task whose step keeps the loop 0.1 s or longer (asyncio's debug mode); without it, nothing is said", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "hog.ts"), [
        'import asyncio from "asyncio";',
        "async function hog() {",
        "  await asyncio.sleep(0.05);",
        "  const until = Date.now() + 150;",
        "  while (Date.now() < until); // computes without an await",
        "  await asyncio.sleep(0.05);",
        "}",
        "asyncio.run(async () => {",
        '  await asyncio.gather([asyncio.createTask(hog, { name: "sensor hog" }), asyncio.createTask(async () => { for (let i = 0; i < 5; i++) await asyncio.sleep(0.02); })]);',
        "});",
        "",
      ].join("\n"));
      const r = start(["hog.ts", "--debug", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      const reports = r.stderr.split("\n").filter((l) => l.startsWith("Executing"));
      expect(reports, r.stderr).to.have.length(1);
      const m = /^Executing <Task sensor hog> took (\d+\.\d{3}) seconds$/.exec(reports[0]);
      expect(m, reports[0]).to.not.equal(null);
      expect(Number(m![1])).to.be.at.least(0.14); // Date.now() counts whole ms
      const quiet = start(["hog.ts", "--no-check"], { INIT_CWD: dir });
      expect(quiet.status, quiet.stderr).to.equal(0);
      expect(quiet.stderr).to.not.include("Executing");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an app that finishes by itself ends the run (exit 0); its VCD is written", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "once.ts"), [
        'import asyncio from "asyncio";',
        'import { Pin } from "machine";',
        "const led = new Pin(2, Pin.OUT);",
        "asyncio.run(async () => { led.on(); await asyncio.sleep(0.3); led.off(); });",
        "",
      ].join("\n"));
      const r = start(["once.ts", "--vcd", "once.vcd", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/\nthe app is done at t=0\.\d{3} s after 3 pin changes; wrote once\.vcd\n$/);
      expect(fs.readFileSync(path.join(dir, "once.vcd"), "utf8")).to.include("#0\n0!\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
