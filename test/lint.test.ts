import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// npm run lint [-- app.ts]: the forgotten await caught before it runs
// (eslint.config.mjs, hosts/node/lint.ts). An app's path is taken from where
// you typed the command (npm passes that place as INIT_CWD).
const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "lint");

function lint(args: string[], from = ROOT) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "lint.ts"), ...args], {
    cwd: ROOT, env: { ...process.env, INIT_CWD: from }, encoding: "utf8", timeout: 120000,
  });
}

/** The 1-based line of the statement that reads `text` (trimmed), found once in the fixture. */
function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const found = lines.flatMap((l, i) => (l.trim() === text ? [i + 1] : []));
  expect(found, `${text} in ${file}`).to.have.length(1);
  return found[0];
}

/** The problems lint printed: "file:line:col  error  message  rule". */
function problems(stdout: string): { where: string; rule: string }[] {
  return stdout.split("\n").flatMap((l) => {
    const m = /^(\S+:\d+):\d+ {2}error {2}.* {2}(\S+)$/.exec(l);
    return m ? [{ where: m[1], rule: m[2] }] : [];
  });
}

const FLOATING = "@typescript-eslint/no-floating-promises";
const MISUSED = "@typescript-eslint/no-misused-promises";

describe("npm run lint", function () {
  this.timeout(120000);

  function expectForgotAwait(r: ReturnType<typeof lint>, file: string, shown: string) {
    expect(r.status, r.stdout + r.stderr).to.equal(1);
    expect(problems(r.stdout)).to.deep.equal([
      { where: `${shown}:${lineOf(file, "asyncio.sleep(1);")}`, rule: FLOATING },
      { where: `${shown}:${lineOf(file, "blink(3);")}`, rule: FLOATING },
      { where: `${shown}:${lineOf(file, "[1, 2].forEach(async (n) => {")}`, rule: MISUSED },
    ]);
    // Not the fine ones: createTask(blink(2)) (a task runs on its own) and the top-level asyncio.run(main()).
    expect(r.stdout).to.include("asyncio.createTask(...)");
  }

  it("an app with a sleep not awaited, a coroutine neither awaited nor a task, an async forEach: fails, naming each line", () => {
    const file = path.join(FIXTURES, "forgot-await.ts");
    expectForgotAwait(lint(["forgot-await.ts"], FIXTURES), file, "forgot-await.ts");
  });

  it("the same app put right passes", () => {
    const r = lint([path.join("test", "fixtures", "lint", "fixed.ts")]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include("1 file linted: no problems");
  });

  it("an app outside the project folder: its imports resolve as for npm start, the path shown from where you typed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-app-"));
    try {
      fs.mkdirSync(path.join(dir, "src"));
      for (const name of ["forgot-await.ts", "fixed.ts"]) fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, "src", name));
      const bad = path.join(dir, "src", "forgot-await.ts");
      expectForgotAwait(lint([path.join("src", "forgot-await.ts")], dir), bad, path.join("src", "forgot-await.ts"));
      const good = lint([path.join("src", "fixed.ts")], dir);
      expect(good.status, good.stdout + good.stderr).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a name that is no app: exit 2, and why", () => {
    const r = lint(["no-such-app.ts"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('no app called "no-such-app.ts"');
  });

  it("the project lints clean (main.ts, examples/, modules/, hosts/, test/, bench/)", () => {
    const r = lint([]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^\d+ files linted: /m);
    expect(problems(r.stdout), r.stdout).to.deep.equal([]);
    // Nothing else went wrong either (a parse error, a file no tsconfig covers).
    const other = r.stdout.split("\n").filter((l) => /\s(error|warning)\s/.test(l) && !problems(l).length);
    expect(other, r.stdout).to.deep.equal([]);
  });
});
