// examples/dimmer.json with the Moddable SDK's own mcconfig (when $MODDABLE is
// set): make files for ESP32, ESP8266 and the Pico (no toolchain needed) carry
// the SDK's embedded:io/analog and embedded:io/pwm drivers and this project's
// ECMA-419 ports with that platform's profile. (test/moddable.test.ts runs
// the example in mcsim, on the simulator's traced fakes.)
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const MODDABLE = process.env.MODDABLE;
const BIN = MODDABLE ? path.join(MODDABLE, "build", "bin", "lin", "release") : "";

function missing(): string | null {
  if (!MODDABLE) return "$MODDABLE is not set (the Moddable SDK is not installed here)";
  if (process.platform !== "linux") return "the checks use the Linux SDK tools";
  if (!fs.existsSync(path.join(BIN, "mcconfig"))) return `mcconfig is missing from ${BIN} (build the SDK tools)`;
  return null;
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules", ".bin")}:${BIN}:${process.env.PATH}`,
  ...extra,
});

function findFile(dir: string, name: string): string | null {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) return p;
  }
  return null;
}

/** `mcconfig -d -p <platform> -t build` (make files only) of examples/dimmer.json: its MODULES and PRELOADS. */
function makeFile(platform: string): { modules: string[]; preloads: string[]; ts: Map<string, string> } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "dimmer-mk-"));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "dimmer-base-"));
  try {
    const r = spawnSync(path.join(BIN, "mcconfig"), ["-d", "-p", platform, "-t", "build", "-o", out, "dimmer.json"], {
      cwd: path.join(ROOT, "examples"),
      env: env({ ESP_BASE: base, PICO_SDK_DIR: base }),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
    const mk = findFile(out, "makefile");
    expect(mk, `no makefile under ${out}`).to.not.equal(null);
    const text = fs.readFileSync(mk!, "utf8");
    const block = (name: string): string[] => {
      const m = new RegExp(`^${name} =\\\\\\n((?:\\t.*\\n)+)`, "m").exec(text);
      return m ? m[1].split("\n").map((l) => l.trim().replace(/\\$/, "").trim()).filter(Boolean) : [];
    };
    // Which TypeScript source each module is compiled from:
    // "$(MODULES_DIR)/machine/ecma419-profile.xsb: $(TMP_DIR)/tsc/machine/ecma419-profile/<root>/hosts/moddable/profile-esp32.js".
    const ts = new Map<string, string>();
    for (const m of text.matchAll(/^\$\(MODULES_DIR\)\/(\S+)\.xsb: \$\(TMP_DIR\)\/tsc\/\1(\/\S+)\.js$/gm)) ts.set(`${m[1]}.xsb`, path.relative(ROOT, `${m[2]}.ts`));
    return {
      modules: block("MODULES").map((l) => l.replace(/^\$\((MODULES_DIR|TMP_DIR)\)\//, "")),
      preloads: block("PRELOADS").map((l) => l.replace(/^-p /, "")),
      ts,
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(base, { recursive: true, force: true });
  }
}

const reason = missing();
(reason ? describe.skip : describe)(`examples/dimmer.json: ADC and PWM in the firmware (mcconfig make files)${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(120_000);
  for (const platform of ["esp32", "esp", "pico"]) {
    it(`${platform}: the SDK's analog and pwm drivers, the ECMA-419 ports and the ${platform} profile`, () => {
      const mk = makeFile(platform);
      for (const m of [
        "~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb", "_analog.c.xsi", "_pwm.c.xsi", "~.embedded/io/digital.xsb",
        "machine.xsb", "machine/adc.xsb", "machine/pwm.xsb", "machine/aadc.xsb", "machine/encoder.xsb", "machine/analogport.xsb", "machine/pwmport.xsb",
        "machine/analog-ecma419.xsb", "machine/pwm-ecma419.xsb", "machine/ecma419-profile.xsb", "main.xsb",
      ]) expect(mk.modules, m).to.include(m);
      expect(mk.modules, "no simulator fakes on a device").to.not.include("machine/analog-simulator.xsb");
      for (const p of ["~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb"]) expect(mk.preloads, p).to.include(p);
      expect(mk.ts.get("machine/ecma419-profile.xsb")).to.equal(`hosts/moddable/profile-${platform}.ts`);
      expect(mk.ts.get("machine/analog-ecma419.xsb")).to.equal("hosts/moddable/analog.ts");
      expect(mk.ts.get("machine/pwm-ecma419.xsb")).to.equal("hosts/moddable/pwm.ts");
    });
  }
  it("lin: the traced fakes, no drivers", () => {
    const mk = makeFile("lin");
    expect(mk.modules).to.include("machine/analog-simulator.xsb");
    for (const m of ["~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb", "machine/analog-ecma419.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
});
