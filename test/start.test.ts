import { expect } from "chai";
import { spawnSync } from "child_process";
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
});
