import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Issue 10 §7: a user's own Moddable project uses the library as a dependency
// (template/: manifest.json + main.ts + tsconfig.json + package.json). The
// template is copied to a fresh folder with the library "installed" the way
// npm installs a file: or git dependency (node_modules/moddable-asyncio).
const ROOT = path.resolve(__dirname, "..");

function installTemplate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-app-"));
  for (const f of fs.readdirSync(path.join(ROOT, "template"))) fs.copyFileSync(path.join(ROOT, "template", f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, "node_modules", "@moddable"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "moddable-asyncio"));
  fs.symlinkSync(path.join(ROOT, "node_modules", "@moddable", "typings"), path.join(dir, "node_modules", "@moddable", "typings"));
  return dir;
}

describe("template/: a Moddable app of your own that uses the library", function () {
  this.timeout(300000);
  let dir: string;
  before(() => {
    dir = installTemplate();
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("typechecks against the library with its own tsconfig.json (Moddable's typings)", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).to.equal("");
    expect(r.status).to.equal(0);
  });

  it("refuses what a device does not have, as npm start's check does: no DOM, no Node (TextDecoder, setTimeout, document, console)", () => {
    const app = path.join(dir, "main.ts");
    const good = fs.readFileSync(app, "utf8");
    try {
      fs.writeFileSync(app, `${good}\nconst text: string = new TextDecoder().decode(new Uint8Array(1));\nsetTimeout(() => trace(document.title + text), 1);\nconsole.log(text);\n`);
      const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
      const out = `${r.stdout}${r.stderr}`;
      for (const name of ["TextDecoder", "setTimeout", "document", "console"]) expect(out, out).to.include(`Cannot find name '${name}'`);
      expect(r.status).to.not.equal(0);
    } finally {
      fs.writeFileSync(app, good);
    }
  });

  const MODDABLE = process.env.MODDABLE;
  const BIN = MODDABLE ? path.join(MODDABLE, "build", "bin", "lin", "release") : "";
  const sdk = MODDABLE && fs.existsSync(path.join(BIN, "mcconfig"));
  (sdk ? it : it.skip)(`builds with mcconfig for the simulator, and writes make files for esp32 and esp${sdk ? "" : " — skipped: $MODDABLE is not set (the Moddable SDK is not installed here)"}`, () => {
    const env = { ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}:${BIN}:${process.env.PATH}` };
    const espBase = fs.mkdtempSync(path.join(os.tmpdir(), "esp-base-"));
    try {
      for (const platform of ["esp32", "esp"]) {
        const r = spawnSync(path.join(BIN, "mcconfig"), ["-d", "-p", platform, "-o", fs.mkdtempSync(path.join(os.tmpdir(), "mc-out-"))], { cwd: dir, env: { ...env, ESP_BASE: espBase, IDF_PATH: espBase }, encoding: "utf8" });
        expect(r.status, `${platform}: ${r.stdout}${r.stderr}`).to.equal(0);
      }
      const lin = spawnSync("flock", ["/tmp/mcsim.lock", path.join(BIN, "mcconfig"), "-d", "-m", "-p", "lin", "-t", "build"], { cwd: dir, env, encoding: "utf8" });
      expect(lin.status, `${lin.stdout}${lin.stderr}`).to.equal(0);
      expect(`${lin.stdout}${lin.stderr}`).to.match(/# ld mc\.so|mc\.so/);
    } finally {
      fs.rmSync(espBase, { recursive: true, force: true });
    }
  });
});
