import * as fs from "fs";
import * as path from "path";
import { runApp } from "./runner";
import { typecheckApp } from "./typecheck";

const HELP = `Usage: npm start -- [app] [--duration SECONDS] [--vcd FILE] [--virtual]

Runs an app on a simulated ESP32-like board in this terminal, no Moddable SDK
needed: each output pin is drawn as an LED (lit ● / unlit ○) with the time.

  app               main (default: ./main.ts, the two-LED blink), an example
                    name from examples/ (e.g. run-main), or a path to your
                    own .ts app, from where you typed the command
  --duration S      stop after S seconds (default: run until Ctrl-C)
  --vcd FILE        write every pin change to FILE as a Value Change Dump
                    (open it with GTKWave or PulseView)
  --virtual         run on virtual time: as fast as possible, exact timing
                    (needs --duration)
  --check           type-check the app first (always done for your own
                    app, given by a path; errors as tsc prints them)
  --no-check        run your app even when it has type errors
  --help            this text
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}

function parse(argv: string[]) {
  const options: { app?: string; duration?: number; vcd?: string; virtual: boolean; check?: boolean; noCheck?: boolean } = { virtual: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === "--duration") {
      const v = Number(argv[++i]);
      if (!(v > 0) || !Number.isFinite(v)) fail(`--duration needs a positive number of seconds, got ${JSON.stringify(argv[i])}`);
      options.duration = v;
    } else if (a === "--vcd") {
      if (!argv[i + 1]) fail("--vcd needs a file name");
      options.vcd = argv[++i];
    } else if (a === "--virtual") options.virtual = true;
    else if (a === "--check") options.check = true;
    else if (a === "--no-check") options.noCheck = true;
    else if (a.startsWith("-")) fail(`unknown option ${a}`);
    else if (options.app) fail(`one app at a time (got ${options.app} and ${a})`);
    else options.app = a;
  }
  if (options.virtual && options.duration === undefined) fail("--virtual needs --duration");
  return options;
}

/** The apps in examples/: each .ts file, and each folder with a main.ts, once. */
function exampleApps(root: string): string[] {
  const dir = path.join(root, "examples");
  if (!fs.existsSync(dir)) return [];
  const names = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) names.add(entry.name.slice(0, -3));
    else if (entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "main.ts"))) names.add(entry.name);
  }
  return [...names].sort();
}

function resolveApp(root: string, app: string | undefined): string {
  if (!app || app === "main") return path.join(root, "main.ts");
  // npm runs scripts from the package folder; a path is meant from where the user typed (INIT_CWD).
  const from = process.env.INIT_CWD || process.cwd();
  const candidates = [path.resolve(from, app), path.join(root, "examples", `${app}.ts`), path.join(root, "examples", app, "main.ts")];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) fail(`no app called ${JSON.stringify(app)}; try main, a path to a .ts file, or one of: ${exampleApps(root).join(", ")}`);
  return found;
}

const options = parse(process.argv.slice(2));
const root = path.resolve(__dirname, "..", "..");
const entry = resolveApp(root, options.app);
// Your own app is type-checked first (main.ts and the examples are, in npm test).
if (!entry.startsWith(root + path.sep) || options.check) {
  const errors = typecheckApp(entry, root, process.env.INIT_CWD || process.cwd());
  if (errors) {
    process.stderr.write(errors);
    process.stderr.write(`\n${path.basename(entry)} has type errors; not run (--no-check runs it anyway)\n`);
    if (!options.noCheck) process.exit(1);
  }
}
process.stdout.write(`${path.relative(root, entry)} on the simulated board${options.virtual ? " (virtual time)" : ""}; ${options.duration ? `${options.duration} s` : "Ctrl-C to stop"}\n`);
const run = runApp({ entry, duration: options.duration, vcd: options.vcd, virtual: options.virtual });
process.on("SIGINT", () => run.stop());
run.finished.then(() => {
  const toggles = run.board.history.length;
  process.stdout.write(`stopped at t=${(run.elapsed() / 1000).toFixed(3)} s after ${toggles} pin changes${options.vcd ? `; wrote ${options.vcd}` : ""}\n`);
  process.exit(0);
});
