import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import type { Keypress } from "./keys";
import type { EndEvent } from "./thread";
// The runner, the views, the web board and the type checker (TypeScript
// itself) are loaded once the options are known to be good: a typo is
// answered at once.

const HELP = `Usage: npm start -- [app] [--duration SECONDS] [--vcd FILE] [--virtual] [--debug] [--web [--port N]]

Runs an app on a simulated ESP32-like board in this terminal, no Moddable SDK
needed: each output pin is drawn as an LED (lit ● / unlit ○), each input pin
with its level and pull, and the time (the app's ticksMs(), in seconds).

  app               main (default: ./main.ts, the two-LED blink), an example
                    name from examples/ (e.g. button-blink), or a path to your
                    own .ts app (or a folder with a main.ts), from where you
                    typed the command
  --duration S      stop after S seconds at most (the run ends sooner when
                    the app is done: its main returned, as asyncio.run()'s
                    does, or failed with nothing awaiting the run: exit
                    code 1; default: until q or Ctrl-C, or the app is done)
  --vcd FILE        write every pin change to FILE as a Value Change Dump
                    (open it with GTKWave or PulseView), however the run ends
  --virtual         run on virtual time: as fast as possible, exact timing
                    (needs --duration)
  --stall S         a task that keeps the loop S seconds without an await
                    (default 2) is reported; on virtual time, where the
                    clock cannot move on without it, the run ends there
  --debug           asyncio's debug mode: every step that keeps the loop
                    0.1 s or longer is reported, naming its task (the one
                    that blocks the others; loop.slowCallbackDuration)
  --web             show the board in a browser too: a page on 127.0.0.1
                    (its address is printed) with the LEDs, buttons to click
                    or hold, a timing diagram of every pin, the printed lines;
                    a page opened late in a long run gets its newest 100 000
                    events and each pin's state before them
  --port N          the --web page's port (default: a free one)
  --check           type-check the app first (always done for your own
                    app, given by a path; errors as tsc prints them), as a
                    device sees it: no Node (console, process, fs, Buffer,
                    setTimeout); print() and asyncio.sleep() instead
  --no-check        run your app even when it has type errors
  --help            this text

Board scripts: <app>.board.ts next to <app>.ts runs before the app, on Node
only (a device build never sees it), to script what the app will read. Its
default export gets the board (import { triangle, type SimulatedBoard }
from "simulated-board", wherever the script lives):
  board.analog.set(34, triangle({ min: 0.2, max: 3.3, periodMs: 8000 }))
                    an ADC pin's volts, a number or a function of ms
                    (triangle, sine, steps)
  board.peripherals.sensor.temperature = (ms) => 21 + ms / 60000
                    the I2C sensor's reading (also .humidity; the GPS:
                    board.peripherals.gps)
  board.driveInput(4, 0)
                    an input's level (null: back to its pull), once the
                    app has opened it: from board.onChange((c) => …), say,
                    to wire an output to an input
  asyncio.getEventLoop().callLater(1.0, () => board.driveInput(0, 0))
                    at a time on the run's clock (virtual time too)
See examples/*.board.ts (dimmer, sampler, sensor-logger, gps-reader).

Keys (on a terminal): each input pin gets a letter, shown next to it as [a].
  a                 taps the input: pressed for 0.1 s, then released (a short
                    press; a a typed quickly, within 0.4 s: a double click)
  A (Shift+a)       presses the input and holds it until the next a or A
                    (held 1 s or more: a long press)
  q, Ctrl-C         stops the run (exit code 0: a run ended as asked)
(0.4 s and 1 s are a Pushbutton's default times.) "Pressed" is the level the
input's pull makes active: 0 for a pull-up (a button to ground), 1 otherwise.
A task that never yields (a loop with a forgotten await) cannot keep the run
going: at its end (or at q) the task is terminated and named, with its line.

Exit codes: 0 the run ended as asked (its duration, q, Ctrl-C, a signal, or
the app was done); 1 a task never gave the loop back, the app failed, or the
VCD could not be written; 2 a bad option or app; the app's own code when it
calls process.exit(code) (Node only).
`;

/** Stop before this: longer timers than Node's (24.8 days) fire at once. */
const MAX_DURATION_S = 2_000_000;

/** A bad option or app: the one line that says what is wrong (the whole help would bury it). */
function fail(message: string): never {
  process.stderr.write(`${message}\nnpm start -- --help for the options\n`);
  process.exit(2);
}

interface Options {
  app?: string;
  duration?: number;
  vcd?: string;
  virtual: boolean;
  stall?: number;
  debug?: boolean;
  check?: boolean;
  noCheck?: boolean;
  web?: boolean;
  port?: number;
}

function seconds(name: string, value: string | undefined): number {
  const v = Number(value);
  if (value === undefined || value.trim() === "" || !(v > 0) || !Number.isFinite(v)) fail(`${name} needs a positive number of seconds, got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
  if (v > MAX_DURATION_S) fail(`${name} is at most ${MAX_DURATION_S} seconds, got ${value}`);
  return v;
}

function parse(argv: string[]): Options {
  const options: Options = { virtual: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === "--duration") options.duration = seconds("--duration", argv[++i]);
    else if (a === "--stall") options.stall = seconds("--stall", argv[++i]);
    else if (a === "--vcd") {
      const file = argv[++i];
      if (!file || file.startsWith("-")) fail("--vcd needs a file name");
      options.vcd = file;
    } else if (a === "--virtual") options.virtual = true;
    else if (a === "--check") options.check = true;
    else if (a === "--debug") options.debug = true;
    else if (a === "--no-check") options.noCheck = true;
    else if (a === "--web") options.web = true;
    else if (a === "--port") {
      const v = argv[++i];
      if (v === undefined || !/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) fail(`--port needs a port number from 1 to 65535, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
      options.port = Number(v);
    }
    else if (a.startsWith("-")) fail(`unknown option ${a}`);
    else if (options.app) fail(`one app at a time (got ${options.app} and ${a})`);
    else options.app = a;
  }
  if (options.virtual && options.duration === undefined) fail("--virtual needs --duration");
  if (options.port !== undefined && !options.web) fail("--port goes with --web");
  if (options.web && options.virtual) fail("--web shows a run in real time; drop --virtual");
  return options;
}

/** The apps in examples/: each .ts file, and each folder with a main.ts, once. */
function exampleApps(root: string): string[] {
  const dir = path.join(root, "examples");
  if (!fs.existsSync(dir)) return [];
  const names = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    // <app>.board.ts is an app's board script (appboard.ts), not an app.
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".board.ts") && !entry.name.endsWith(".d.ts")) names.add(entry.name.slice(0, -3));
    else if (entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "main.ts"))) names.add(entry.name);
  }
  return [...names].sort();
}

function resolveApp(root: string, from: string, app: string | undefined): string {
  if (!app || app === "main") return path.join(root, "main.ts");
  const given = path.resolve(from, app);
  const isFile = (f: string): boolean => fs.existsSync(f) && fs.statSync(f).isFile();
  const isFolder = (f: string): boolean => fs.existsSync(f) && fs.statSync(f).isDirectory();
  // A path you typed comes first: your file, or your folder's main.ts, as examples/<name>/main.ts.
  let found = [given, path.join(given, "main.ts")].find(isFile);
  if (!found && isFolder(given)) fail(`${app} is a folder${app === given ? "" : ` (${given})`} with no main.ts; give the app's .ts file`);
  // Then an example's name.
  found ??= [path.join(root, "examples", `${app}.ts`), path.join(root, "examples", app, "main.ts")].find(isFile);
  if (!found) {
    // Something with a folder or an extension in it was meant as a path: say which file is missing.
    if (/[\\/]|\.[A-Za-z]+$/.test(app)) fail(`not found: ${given}`);
    fail(`no app called ${JSON.stringify(app)} (not found: ${given}); try main, a path to a .ts file, or one of: ${exampleApps(root).join(", ")}`);
  }
  if (!found.endsWith(".ts") || found.endsWith(".d.ts")) fail(`${app}: apps are TypeScript (.ts) files`);
  return found;
}

/** The VCD goes where the user typed it from; its folder must exist before the run, not fail at its end. */
function resolveVcd(from: string, file: string): string {
  const full = path.resolve(from, file);
  const dir = path.dirname(full);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail(`--vcd ${file}: there is no folder ${dir}`);
  if (fs.existsSync(full) && fs.statSync(full).isDirectory()) fail(`--vcd ${file}: that is a folder`);
  return full;
}

/** "4 pin changes", "4 pin changes and 250 PWM changes", "4 pin changes, 250 PWM changes and 31 ADC changes": PWM and ADC when there are any; the whole run's (the feed counts what it no longer keeps). */
function describeChanges(feed: { count(type: "pin" | "pwm" | "analog"): number }): string {
  const parts = [`${feed.count("pin")} pin changes`];
  const pwm = feed.count("pwm");
  const adc = feed.count("analog");
  if (pwm) parts.push(`${pwm} PWM changes`);
  if (adc) parts.push(`${adc} ADC changes`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0];
}

function describeEnd(e: EndEvent, changes: string, vcd: string | undefined, vcdError: string | null): string {
  const at = `t=${(Math.floor(e.time) / 1000).toFixed(3)} s`;
  const wrote = vcd ? (vcdError ? `; could not write ${vcd}: ${vcdError}` : `; wrote ${vcd}`) : "";
  const how = e.reason === "finished" && e.code !== undefined ? `the app called process.exit(${e.code})` : {
    duration: "stopped",
    stopped: "stopped",
    finished: "the app is done",
    runaway: "terminated",
    error: "the app failed",
  }[e.reason];
  return `${how} at ${at} after ${changes}${wrote}`;
}

function describeRunaway(e: EndEvent): string {
  const who = e.task === null || e.task === undefined ? (e.where && !/\(.*:\d+/.test(e.where) ? e.where : "code outside any task") : `task ${e.task || "(anonymous)"}`;
  const since = e.since !== undefined ? ` since t=${(Math.floor(e.since) / 1000).toFixed(3)} s` : "";
  const where = e.where && /\(.*:\d+|:\d+:\d+/.test(e.where) ? `\n  stuck at ${e.where}` : "";
  return `${who} never gave the loop back${since} (a loop without await?): the app was terminated${where}`;
}

function main(): void {
  const options = parse(process.argv.slice(2));
  const root = path.resolve(__dirname, "..", "..");
  // npm runs scripts from the package folder; paths are meant from where the user typed (INIT_CWD).
  const from = process.env.INIT_CWD || process.cwd();
  const entry = resolveApp(root, from, options.app);
  const vcd = options.vcd === undefined ? undefined : resolveVcd(from, options.vcd);
  // Your own app is type-checked first (main.ts and the examples are, in npm test).
  if (!entry.startsWith(root + path.sep) || options.check) {
    const { typecheckApp } = require("./typecheck") as typeof import("./typecheck");
    const errors = typecheckApp(entry, root, from);
    if (errors) {
      process.stderr.write(errors);
      if (!options.noCheck) {
        process.stderr.write(`\n${path.basename(entry)} has type errors; not run (--no-check runs it anyway)\n`);
        process.exit(1);
      }
    }
  }

  const { startApp } = require("./thread") as typeof import("./thread");
  const { InputKeys } = require("./keys") as typeof import("./keys");
  const { BoardView } = require("./view") as typeof import("./view");
  const keysOn = !!process.stdin.isTTY && typeof process.stdin.setRawMode === "function";
  const length = options.duration ? `${options.duration} s` : "until q or Ctrl-C";
  const shown = entry.startsWith(root + path.sep) ? path.relative(root, entry) : path.relative(from, entry);
  process.stdout.write(`${shown.startsWith("..") ? entry : shown} on the simulated board${options.virtual ? " (virtual time)" : ""}; ${length}\n`);

  const run = startApp({ entry, duration: options.duration, virtual: options.virtual, vcd, stallMs: options.stall === undefined ? undefined : options.stall * 1000, from, debug: options.debug });
  let view: import("./view").BoardView | null = null;
  const keys = keysOn ? new InputKeys(run.feed, () => view?.refresh()) : null;
  view = new BoardView(run.feed, { out: process.stdout, err: process.stderr, keys, clock: () => run.elapsed() });
  // The keys, once there is an input to press (on virtual time the run is over before a key could matter).
  if (keys && !options.virtual) {
    let hinted = false;
    run.feed.subscribe((e) => {
      if (hinted || e.type !== "pin" || e.mode !== "input") return;
      const key = keys.keyFor(e.pin);
      if (!key) return;
      hinted = true;
      view!.note(`keys: [${key}] taps GPIO${e.pin}, Shift+${key} holds it down; q stops`);
    });
  }
  // --web: the same run in a browser (hosts/node/web/), closed after the run so that the page gets its end.
  let closeWeb = (): Promise<void> => Promise.resolve();
  if (options.web) {
    const { startWebBoard } = require("./web/server") as typeof import("./web/server");
    startWebBoard(run.feed, { port: options.port, title: shown.startsWith("..") ? entry : shown }).then((web) => {
      closeWeb = () => web.close();
      view!.note(`the board in your browser: ${web.url}`);
    }, (e: unknown) => {
      view!.finish();
      process.stderr.write(`--web: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    });
  }

  let restored = false;
  const restoreTerminal = (): void => {
    if (restored) return;
    restored = true;
    if (keysOn) {
      try {
        process.stdin.setRawMode(false);
      } catch {
        // The terminal went away.
      }
      process.stdin.pause();
    }
    if (process.stdout.isTTY) process.stdout.write("\x1b[?25h");
  };
  // However this process ends, the terminal is left as it was found.
  process.on("exit", restoreTerminal);
  if (keysOn) {
    readline.emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on("keypress", (ch: string | undefined, key: Keypress | undefined) => {
      try {
        if (keys!.handle(key, ch) === "quit") run.stop();
      } catch (e) {
        process.stderr.write(`key handling failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    });
    process.stdin.resume();
  }
  // Output piped into a program that quit (npm start | head): the run has no one left to show.
  process.stdout.on("error", () => run.stop());
  process.on("SIGINT", () => run.stop());
  process.on("SIGTERM", () => run.stop());
  process.on("SIGHUP", () => run.stop());

  void run.finished.then((end) => {
    keys?.dispose();
    view!.finish();
    restoreTerminal();
    if (end.reason === "runaway") process.stderr.write(`${describeRunaway(end)}\n`);
    if (end.reason === "error") process.stderr.write(`${end.message ?? "the app failed"}\n`);
    process.stdout.write(`${describeEnd(end, describeChanges(run.feed), options.vcd, run.vcdError)}\n`);
    // A stop (q, Ctrl-C, a signal) is a run that ended as asked: 0, as a duration's end (see --help).
    const failed = end.reason === "runaway" || end.reason === "error" || run.vcdError ? 1 : 0;
    const code = end.code !== undefined && end.code !== 0 ? end.code : failed;
    void closeWeb().then(() => process.exit(code));
  });
}

main();
