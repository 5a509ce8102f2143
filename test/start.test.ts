import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FADE_AND_BLINK_APP } from "./helpers";

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
    expect(apps).to.include.members(["button-blink", "dimmer", "producer-consumer", "run-main", "webserver"]);
    expect(apps).to.deep.equal([...new Set(apps)].sort());
    // dimmer.board.ts is dimmer's board script, not an app.
    expect(apps.filter((a) => /\.|manifest/.test(a))).to.deep.equal([]);
  });

  it("a missing file says which (not found: its absolute path), a folder says so, a .js app is told apps are .ts files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "app.js"), "console.log('hi');\n");
      fs.mkdirSync(path.join(dir, "withmain"));
      fs.writeFileSync(path.join(dir, "withmain", "main.ts"), 'import { print } from "asyncio";\nprint("main of a folder");\n');
      const cases: [string, string][] = [
        ["nope.ts", `not found: ${path.join(dir, "nope.ts")}`],
        ["sub/nope", `not found: ${path.join(dir, "sub", "nope")}`],
        ["sub", `sub is a folder (${path.join(dir, "sub")}) with no main.ts; give the app's .ts file`],
        ["app.js", "app.js: apps are TypeScript (.ts) files"],
      ];
      for (const [app, message] of cases) {
        const r = start([app, "--virtual", "--duration", "0.1"], { INIT_CWD: dir });
        expect(r.status, app).to.equal(2);
        expect(r.stderr, app).to.equal(`${message}\nnpm start -- --help for the options\n`);
      }
      const folder = start(["withmain", "--virtual", "--duration", "0.1"], { INIT_CWD: dir });
      expect(folder.status, folder.stderr).to.equal(0);
      expect(folder.stdout).to.include("main of a folder");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks your app as a device sees it: Node's names (console, process, Buffer, setTimeout, fs) are errors that say they are Node's; trace is XS's", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "nodey.ts"), [
        'import asyncio from "asyncio";',
        'import * as fs from "fs";',
        'console.log("hi", Buffer.from("x"));',
        "setTimeout(() => {}, 10);",
        'fs.existsSync("x");',
        'trace("traced on XS\\n");',
        "asyncio.run(async () => process.exit(3));",
        "new TextDecoder().decode(new Uint8Array(1));",
        "",
      ].join("\n"));
      const r = start(["nodey.ts", "--virtual", "--duration", "0.5"], { INIT_CWD: dir });
      expect(r.stderr).to.include("nodey.ts(8,5): error TS2304: Cannot find name 'TextDecoder': Node has it, a device does not (instead: utf8Decode(bytes) from \"asyncio\").\n");
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include("nodey.ts(2,21): error TS2591: Cannot find module 'fs': it is Node's, a device has no such module.\n");
      expect(r.stderr).to.include("nodey.ts(3,1): error TS2584: Cannot find name 'console': Node has it, a device does not (instead: print() from \"asyncio\" prints a line).\n");
      expect(r.stderr).to.match(/^nodey\.ts\(3,19\): error TS\d+: Cannot find name 'Buffer': Node has it, a device does not/m);
      expect(r.stderr).to.match(/^nodey\.ts\(4,1\): error TS2304: Cannot find name 'setTimeout': Node has it, a device does not \(instead: await asyncio\.sleep/m);
      expect(r.stderr).to.match(/^nodey\.ts\(7,25\): error TS\d+: Cannot find name 'process': Node has it, a device does not/m);
      expect(r.stderr).to.include('Node only (npm start runs on Node, a device has none of these): "fs", console, Buffer, setTimeout, process, TextDecoder\n');
      expect(r.stderr).to.not.match(/trace/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("process.exit(3) in an app (run with --no-check) is reported as such and npm start exits with 3; trace() prints on the board", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "exits.ts"), [
        'import asyncio from "asyncio";',
        'import { Pin } from "machine";',
        "const led = new Pin(2, Pin.OUT);",
        'trace("part ", 1, "\\n");',
        "asyncio.run(async () => { led.on(); await asyncio.sleep(0.2); process.exit(3); });",
        "",
      ].join("\n"));
      const r = start(["exits.ts", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(3);
      expect(r.stdout).to.include("\npart 1\n");
      expect(r.stdout).to.match(/\nthe app called process\.exit\(3\) at t=\d+\.\d{3} s after 2 pin changes\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a main that fails behind an un-awaited asyncio.run(main()) ends the run as failed (exit 1, as an uncaught exception out of MicroPython's run()); one whose error is caught exits 0", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "fails.ts"), [
        'import asyncio from "asyncio";',
        "asyncio.run(async () => { await asyncio.sleep(0.2); throw new RangeError(\"main failed\"); });",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "handled.ts"), [
        'import asyncio, { print } from "asyncio";',
        "asyncio.getEventLoop().setExceptionHandler((_loop, ctx) => print(\"handled:\", ctx.message));",
        "asyncio.run(async () => { await asyncio.sleep(0.2); throw new RangeError(\"main failed\"); });",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "caught.ts"), [
        'import asyncio, { print } from "asyncio";',
        "asyncio.run(async () => { await asyncio.sleep(0.2); throw new RangeError(\"main failed\"); }).catch((e) => print(\"caught\", e.message));",
        "",
      ].join("\n"));
      // On virtual time too: its reports were kept by the virtual host and never shown (the same for any task's error).
      for (const virtual of [["--virtual"], []]) {
        const r = start(["fails.ts", ...virtual, "--duration", "3"], { INIT_CWD: dir });
        expect(r.status, r.stderr).to.equal(1);
        expect(r.stderr).to.include("RangeError: main failed");
        expect(r.stderr).to.include("the app's main failed (its error is above) and nothing awaited asyncio.run()\n");
        expect(r.stdout).to.match(/\nthe app failed at t=0\.2\d\d s after 0 pin changes\n$/);
        // The app's own handler took it: still a failed run, and the last lines say where the error went.
        const handled = start(["handled.ts", ...virtual, "--duration", "3"], { INIT_CWD: dir });
        expect(handled.status, handled.stderr).to.equal(1);
        expect(handled.stdout).to.include("handled: Exception in main, and nothing awaits asyncio.run()\n");
        expect(handled.stderr).to.include("the app's main failed (its error went to the app's exception handler) and nothing awaited asyncio.run()\n");
        const ok = start(["caught.ts", ...virtual, "--duration", "3"], { INIT_CWD: dir });
        expect(ok.status, ok.stderr).to.equal(0);
        expect(ok.stdout).to.include("caught main failed");
        expect(ok.stdout).to.match(/\nthe app is done at t=0\.2\d\d s after 0 pin changes\n$/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an app that throws while loading: its own frames, not Node's and ts-node's loader under them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "top.ts"), ["function boom(): never {", '  throw new RangeError("bad start");', "}", "boom();", ""].join("\n"));
      const r = start(["top.ts", "--virtual", "--duration", "0.5"], { INIT_CWD: dir });
      expect(r.status).to.equal(1);
      const stack = r.stderr.split("\n").filter((l) => /^\s+at /.test(l));
      expect(stack.length, r.stderr).to.equal(2);
      expect(stack[0]).to.match(/^ {4}at boom \(.*top\.ts:2:9\)$/);
      expect(stack[1]).to.match(/top\.ts:4:1\)$/);
      expect(r.stderr).to.include("RangeError: bad start\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a thrown value that is not an Error (Object.create(null)) is described, not printed as [object Object]", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "odd.ts"), "throw Object.create(null);\n");
      const r = start(["odd.ts", "--virtual", "--duration", "0.5"], { INIT_CWD: dir });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include("an object with no prototype (not an Error): {}\n");
      expect(r.stderr).to.not.include("[object Object]");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
        // The one line that says what is wrong, and where the options are: not the whole help.
        expect(r.stderr.split("\n"), args.join(" ")).to.have.length(3);
        expect(r.stderr, args.join(" ")).to.match(/\nnpm start -- --help for the options\n$/);
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
    expect(r.stdout).to.match(/^ {2}q, Ctrl-C {9}stops the run \(exit code 0: a run ended as asked\)$/m);
    expect(r.stdout).to.include("--stall S");
    // Board scripts: where they go, what they can script, where the examples are.
    expect(r.stdout).to.include("<app>.board.ts next to <app>.ts runs before the app, on Node");
    expect(r.stdout).to.match(/^ {2}board\.analog\.set\(34, triangle\(/m);
    expect(r.stdout).to.match(/^ {2}board\.peripherals\.sensor\.temperature = \(ms\) =>/m);
    expect(r.stdout).to.match(/^ {2}board\.driveInput\(4, 0\)/m);
    expect(r.stdout).to.include("examples/*.board.ts");
    expect(r.stdout).to.match(/--duration S {6}stop after S seconds at most \(the run ends sooner when/);
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
      // A task with no name is (anonymous), as Task.toString() says it.
      fs.writeFileSync(path.join(dir, "spin2.ts"), 'import asyncio from "asyncio";\nasyncio.createTask((async () => { await asyncio.sleep(0.5); while (true) {} })());\nasyncio.run(() => asyncio.sleep(5));\n');
      const unnamed = start(["spin2.ts", "--virtual", "--duration", "60", "--stall", "0.5", "--no-check"], { INIT_CWD: dir });
      expect(unnamed.status, unnamed.stderr).to.equal(1);
      expect(unnamed.stderr).to.include("task (anonymous) never gave the loop back since t=0.500 s (a loop without await?): the app was terminated\n  stuck at ");
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
        if (/GPIO14 LED off\n[^]*GPIO14 LED on\n[^]*GPIO14 LED off\n/.test(out)) child.kill("SIGINT");
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

  it("a runaway toggling a pin, in a pipe: the run ends near its duration, the pin gets a line per second, the stall is told on time, the VCD has every change", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "runaway.ts"), [
        'import asyncio from "asyncio";',
        'import { Pin } from "machine";',
        "const led = new Pin(2, Pin.OUT);",
        "async function blink() {",
        "  while (true) {",
        "    led.toggle();",
        "    asyncio.sleep(0.5); // forgot the await",
        "  }",
        "}",
        "asyncio.run(blink);",
        "",
      ].join("\n"));
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "start.ts"), "runaway.ts", "--no-check", "--duration", "3", "--stall", "1", "--vcd", "out.vcd"], {
        cwd: ROOT, env: { ...process.env, INIT_CWD: dir },
      });
      let out = "";
      let err = "";
      let firstChangeAt = 0;
      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (d: string) => {
        out += d;
        if (!firstChangeAt && out.includes("GPIO2 LED")) firstChangeAt = Date.now();
      });
      child.stderr.on("data", (d: string) => (err += d));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      const wall = Date.now() - firstChangeAt;
      expect(code, err).to.equal(1);
      // Ended at its duration, with a little grace (the task is found and named, the thread terminated): it took 16 s for 5 s.
      // The grace: the inspector gets up to 2.5 s to say where the thread is held, and on a loaded machine the stall's
      // own search (from t = 1 s) may still be running at the end.
      expect(wall, out).to.be.below(3000 + 4500);
      const lines = out.split("\n");
      expect(lines.length, out).to.be.below(40);
      const perSecond = lines.filter((l) => /^t= {3}[123]\.000 s {2}GPIO2: [\d ]+ changes in the last second, now (on|off)$/.test(l));
      expect(perSecond.length, out).to.equal(3);
      const m = /\nterminated at t=3\.000 s after (\d+) pin changes; wrote out\.vcd\n$/.exec(out);
      expect(m, out).to.not.equal(null);
      const changes = Number(m![1]);
      expect(changes).to.be.above(10_000);
      const counted = perSecond.reduce((n, l) => n + Number(/GPIO2: ([\d ]+) changes/.exec(l)![1].replace(/ /g, "")), 0);
      expect(counted).to.be.within(changes - 20, changes);
      // Every change in the VCD (one value line each, the first at #0).
      const vcd = fs.readFileSync(path.join(dir, "out.vcd"), "utf8");
      expect(vcd.split("\n").filter((l) => /^[01]!$/.test(l)).length).to.equal(changes);
      // The stall was told within a second or so of the task taking the loop (--stall 1: a second without the thread's heartbeat), not late; the runaway was named at the end.
      const stall = /^t=\s+(\d+\.\d{3}) s {2}task blink has not given the loop back since t=(\d+\.\d{3}) s/m.exec(err);
      expect(stall, err).to.not.equal(null);
      // (--stall 1: told at about 1 s; a loaded machine delays the parent's check, never by the seconds of old.)
      expect(Number(stall![1]) - Number(stall![2])).to.be.within(0, 2.5);
      expect(err, err).to.match(/task blink never gave the loop back since t=\d+\.\d{3} s \(a loop without await\?\): the app was terminated\n {2}stuck at blink \(runaway\.ts:\d+:\d+\)\n/);
      // Nothing after the end: no change later than t=3.000 s.
      expect(lines.filter((l) => /^t=\s+(\d+\.\d{3})/.test(l) && Number(/^t=\s+(\d+\.\d{3})/.exec(l)![1]) > 3)).to.deep.equal([]);
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

  it("an hour of virtual PWM fade and blink: the last line counts every change (the feed keeps only the newest), the VCD has them all", function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "fade.ts"), FADE_AND_BLINK_APP);
      const r = start(["fade.ts", "--virtual", "--duration", "3600", "--vcd", "fade.vcd", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/\nstopped at t=3600\.000 s after 360001 pin changes and 180001 PWM changes; wrote fade\.vcd\n$/);
      const values = fs.readFileSync(path.join(dir, "fade.vcd"), "utf8").split("\n").filter((l) => /^([01]|r\S+ )\S+$/.test(l));
      expect(values.length).to.equal(360001 + 180001);
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

  it("--duration is at most: an app whose main returned before it ends the run then ('the app is done'), on virtual and real time, whatever tasks main left; one waiting for an input runs to the duration", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "leave.ts"), [
        'import asyncio from "asyncio";',
        'import { Pin } from "machine";',
        "const led = new Pin(14, Pin.OUT);",
        "async function blink() { while (true) { led.toggle(); await asyncio.sleep(0.1); } }",
        "async function main() { asyncio.createTask(blink()); await asyncio.sleep(0.45); }",
        "asyncio.run(main());",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "waits.ts"), [
        'import asyncio from "asyncio";',
        'import { Pin } from "machine";',
        "const button = new Pin(4, Pin.IN, Pin.PULL_UP);",
        "asyncio.run(async () => { await asyncio.sleep(0.2); await button.edge(Pin.IRQ_FALLING); });",
        "",
      ].join("\n"));
      const virtual = start(["leave.ts", "--virtual", "--duration", "5", "--no-check"], { INIT_CWD: dir });
      expect(virtual.status, virtual.stderr).to.equal(0);
      expect(virtual.stdout).to.match(/\nthe app is done at t=0\.450 s after 6 pin changes\n$/);
      const real = start(["leave.ts", "--duration", "5", "--no-check"], { INIT_CWD: dir });
      expect(real.status, real.stderr).to.equal(0);
      expect(real.stdout).to.match(/\nthe app is done at t=0\.(4[5-9]|[5-9])\d* s after 6 pin changes\n$/);
      const waiting = start(["waits.ts", "--virtual", "--duration", "3", "--no-check"], { INIT_CWD: dir });
      expect(waiting.status, waiting.stderr).to.equal(0);
      expect(waiting.stdout).to.match(/\nstopped at t=3\.000 s after 1 pin changes\n$/);
      const waitingReal = start(["waits.ts", "--duration", "1", "--no-check"], { INIT_CWD: dir });
      expect(waitingReal.status, waitingReal.stderr).to.equal(0);
      expect(waitingReal.stdout).to.match(/\nstopped at t=1\.\d{3} s after 1 pin changes\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the last line counts PWM and ADC changes too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "fade.ts"), [
        'import asyncio from "asyncio";',
        'import { ADC, Pin, PWM } from "machine";',
        "const led = new Pin(14, Pin.OUT);",
        "const lamp = new PWM(2);",
        "const knob = new ADC(34);",
        "asyncio.run(async () => {",
        "  for (let k = 1; k <= 10; k++) { led.toggle(); lamp.dutyU16(k * 1000); knob.readU16(); await asyncio.sleepMs(20); }",
        "});",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "fade.board.ts"), [
        "export default function (board: any): void {",
        "  board.analog.set(34, (ms: number) => (ms < 100 ? 1 : 2));",
        "}",
        "",
      ].join("\n"));
      const r = start(["fade.ts", "--virtual", "--duration", "5", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      // The opening is a change of each, as a Pin's is: 11 pin, 11 PWM, 2 ADC readings (1 V, then 2 V at 100 ms).
      expect(r.stdout).to.match(/\nthe app is done at t=0\.200 s after 11 pin changes, 11 PWM changes and 2 ADC changes\n$/);
      fs.rmSync(path.join(dir, "fade.board.ts"));
      fs.writeFileSync(path.join(dir, "pwm.ts"), [
        'import asyncio from "asyncio";',
        'import { PWM } from "machine";',
        "const lamp = new PWM(2);",
        "asyncio.run(async () => { for (let k = 1; k <= 5; k++) { lamp.dutyU16(k); await asyncio.sleepMs(20); } });",
        "",
      ].join("\n"));
      const p = start(["pwm.ts", "--virtual", "--duration", "5", "--no-check"], { INIT_CWD: dir });
      expect(p.stdout).to.match(/\nthe app is done at t=0\.100 s after 0 pin changes and 6 PWM changes\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a board script anywhere imports \"simulated-board\" (its type and waveforms) and acts at a time on the app's clock with the loop's callLater, virtual time too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "press.ts"), [
        'import asyncio, { print } from "asyncio";',
        'import { ADC, Pin } from "machine";',
        "const button = new Pin(0, Pin.IN, Pin.PULL_UP);",
        "const knob = new ADC(34);",
        "asyncio.run(async () => {",
        "  while (button.value() === 1) await asyncio.sleepMs(10);",
        "  print(`pressed at ${asyncio.ticksMs()} ms, knob ${knob.readUv()} uV`);",
        "});",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "press.board.ts"), [
        'import asyncio from "asyncio";',
        'import { steps, type SimulatedBoard } from "simulated-board";',
        "export default function (board: SimulatedBoard): void {",
        "  board.analog.set(34, steps([[0, 1], [500, 2]]));",
        "  asyncio.getEventLoop().callLater(1.0, () => board.driveInput(0, 0));",
        "}",
        "",
      ].join("\n"));
      for (const virtual of [["--virtual"], []]) {
        const r = start(["press.ts", ...virtual, "--duration", "3"], { INIT_CWD: dir });
        expect(r.status, r.stderr).to.equal(0);
        const m = /^pressed at (\d+) ms, knob (\d+) uV$/m.exec(r.stdout);
        expect(m, r.stdout).to.not.equal(null);
        expect(Number(m![1])).to.be.within(1000, virtual.length ? 1010 : 1200);
        // The 2 V step from 500 ms (the ADC's calibration is within a few mV).
        expect(Number(m![2])).to.be.within(1_990_000, 2_010_000);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a board script (<app>.board.ts) runs before the app: it can wire an output to an input with onChange and driveInput", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.writeFileSync(path.join(dir, "loop.ts"), [
        'import asyncio, { print } from "asyncio";',
        'import { Pin } from "machine";',
        "const out = new Pin(2, Pin.OUT);",
        "const input = new Pin(4, Pin.IN);",
        "asyncio.run(async () => {",
        "  for (const v of [1, 0, 1]) { out.value(v); await asyncio.sleepMs(10); print(`in ${input.value()}`); }",
        "});",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(dir, "loop.board.ts"), [
        "export default function (board: any): void {",
        "  board.onChange((c: { pin: number; level: 0 | 1 }) => { if (c.pin === 2) board.driveInput(4, c.level); });",
        "}",
        "",
      ].join("\n"));
      const r = start(["loop.ts", "--virtual", "--duration", "1", "--no-check"], { INIT_CWD: dir });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.match(/^in \d$/gm)).to.deep.equal(["in 1", "in 0", "in 1"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
