import { ESLint } from "eslint";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const HELP = `Usage: npm run lint -- [app ...]

Finds the forgotten await before it runs: a coroutine called and dropped
(blink() instead of await blink() or asyncio.createTask(blink())), an
asyncio.sleep(1) that waits for nothing, an async callback where nothing
awaits it. The rules are in eslint.config.mjs.

  (no app)   lints this project: main.ts, examples/, modules/, hosts/,
             test/, bench/
  app        your own .ts app (a path from where you typed the command; a
             folder means every .ts file in it), or an example name from
             examples/ (e.g. run-main); "asyncio", "machine", "buttons" and
             "network" resolve as they do for npm start
  --help     this text
`;

const PROJECT = ["main.ts", "examples", "modules", "hosts", "test", "bench"];
const root = path.resolve(__dirname, "..", "..");
// npm runs scripts from the package folder; a path is meant from where the user typed (INIT_CWD).
const from = process.env.INIT_CWD || process.cwd();

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}

/** The .ts files in a folder, its subfolders too (not node_modules, build or hidden ones; no .d.ts). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "build" && !entry.name.startsWith(".")) out.push(...tsFiles(p));
    } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** An app named on the command line: a path (file or folder) from `from`, else an example's name, as npm start takes it. */
function resolveApp(app: string): string[] {
  const given = path.resolve(from, app);
  if (fs.existsSync(given) && fs.statSync(given).isDirectory()) {
    const files = tsFiles(given);
    if (files.length === 0) fail(`no .ts files in ${app}`);
    return files;
  }
  const candidates = [given, path.join(root, "examples", `${app}.ts`), path.join(root, "examples", app, "main.ts")];
  if (app === "main") candidates.unshift(path.join(root, "main.ts"));
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) fail(`no app called ${JSON.stringify(app)}; give a path to a .ts file or folder, or an example's name`);
  if (!found.endsWith(".ts") || found.endsWith(".d.ts")) fail(`${app}: lint takes TypeScript apps (.ts files)`);
  return [found];
}

/**
 * The program an app is linted with: this project's tsconfig.json, as
 * typecheck.ts builds it for npm start, so that the app's imports resolve
 * exactly as they do there, wherever the app lives. The current directory is
 * this folder: eslint.config.mjs names library files relative to it.
 */
function appProgram(entries: string[]): ts.Program {
  const config = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  // The app may live anywhere: rootDir/outDir only matter for emitting, which this never does.
  const options = { ...parsed.options, noEmit: true, rootDir: undefined, outDir: undefined };
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => root;
  return ts.createProgram(entries, options, host);
}

/** The folder that holds every file: ESLint's base path (it skips files outside it). */
function commonFolder(files: string[]): string {
  let dir = path.dirname(files[0]);
  while (!files.every((f) => f.startsWith(dir + path.sep)) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

async function lint(apps: string[]): Promise<ESLint.LintResult[]> {
  const overrideConfigFile = path.join(root, "eslint.config.mjs");
  if (apps.length === 0) return new ESLint({ cwd: root, overrideConfigFile }).lintFiles(PROJECT);
  const files = [...new Set(apps.flatMap(resolveApp))];
  const eslint = new ESLint({
    cwd: commonFolder(files),
    overrideConfigFile,
    ignore: false, // what you name is linted, even where the project's own lint looks away (test/fixtures)
    overrideConfig: {
      files: ["**/*.ts"],
      languageOptions: { parserOptions: { projectService: false, programs: [appProgram(files)] } },
    },
  });
  return eslint.lintFiles(files);
}

const FLOATING = "@typescript-eslint/no-floating-promises";
const MISUSED = "@typescript-eslint/no-misused-promises";

/** file:line:col  severity  message  rule, one a line, paths from where you typed (as tsc prints them for npm start). */
function report(results: ESLint.LintResult[]): number {
  let errors = 0;
  let warnings = 0;
  const rules = new Set<string>();
  for (const r of results) {
    const file = path.relative(from, r.filePath) || r.filePath;
    for (const m of r.messages) {
      const severity = m.severity === 2 ? "error" : "warning";
      if (m.severity === 2) errors++;
      else warnings++;
      if (m.ruleId) rules.add(m.ruleId);
      const where = m.line ? `${file}:${m.line}:${m.column}` : file;
      process.stdout.write(`${where}  ${severity}  ${m.message}${m.ruleId ? `  ${m.ruleId}` : ""}\n`);
    }
  }
  if (rules.has(FLOATING)) {
    process.stdout.write("\nA promise nobody awaits: put `await` in front of it, or start it as a task with asyncio.createTask(...) if it should run on its own; `void` marks a deliberate fire-and-forget.\n");
  }
  if (rules.has(MISUSED)) {
    process.stdout.write(`${rules.has(FLOATING) ? "" : "\n"}A promise where it is dropped or always true: an async callback that nothing awaits (forEach(async …): use for...of with await; a plain callback: let it start a task with asyncio.createTask(...)), or a promise tested as a condition (await it first).\n`);
  }
  const files = results.length === 1 ? "1 file" : `${results.length} files`;
  if (errors + warnings === 0) process.stdout.write(`${files} linted: no problems\n`);
  else process.stdout.write(`\n${files} linted: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}\n`);
  return errors;
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(HELP);
  process.exit(0);
}
const unknown = args.find((a) => a.startsWith("-"));
if (unknown) fail(`unknown option ${unknown}`);
lint(args).then(
  (results) => process.exit(report(results) > 0 ? 1 : 0),
  (e: unknown) => {
    process.stderr.write(`lint failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
