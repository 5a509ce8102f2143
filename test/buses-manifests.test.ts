// I2C and UART in the firmware, with the Moddable SDK's own mcconfig (when
// $MODDABLE is set): make files for ESP32, ESP8266 and the Pico (no
// toolchain needed) of examples/sensor-logger.json carry the SDK's
// embedded:io/i2c and embedded:io/serial drivers and this project's ECMA-419
// ports with that platform's profile; the simulator's carry the simulated
// board's models instead; an app without modules/machine/buses carries none
// of it. (test/moddable.test.ts runs the examples in mcsim.)
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

/** `mcconfig -d -p <platform> -t build` (make files only) of an example: its MODULES and PRELOADS, and which source each module comes from. */
function makeFile(platform: string, manifest: string): { modules: string[]; preloads: string[]; ts: Map<string, string> } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "buses-mk-"));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "buses-base-"));
  try {
    const r = spawnSync(path.join(BIN, "mcconfig"), ["-d", "-p", platform, "-t", "build", "-o", out, manifest], {
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
(reason ? describe.skip : describe)(`modules/machine/buses: I2C and UART in the firmware (mcconfig make files)${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(120_000);
  for (const platform of ["esp32", "esp", "pico"]) {
    it(`${platform}: examples/sensor-logger.json has the SDK's i2c and serial drivers, the ECMA-419 ports and the ${platform} profile, preloaded glue, no models`, () => {
      const mk = makeFile(platform, "sensor-logger.json");
      for (const m of [
        "~.embedded/io/i2c.xsb", "~.embedded/io/serial.xsb", "_i2c.c.xsi", "serial.c.xsi",
        "machine/i2c.xsb", "machine/uart.xsb", "machine/i2cport.xsb", "machine/serialport.xsb", "machine/ringbytes.xsb",
        "machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "machine/bus-profile.xsb", "machine/buses.xsb", "main.xsb",
      ]) expect(mk.modules, m).to.include(m);
      expect(mk.modules.filter((m) => m.startsWith("machine/sim/")), "no simulated peripherals on a device").to.deep.equal([]);
      expect(mk.preloads).to.include("machine/buses.xsb");
      expect(mk.ts.get("machine/bus-profile.xsb")).to.equal(`hosts/moddable/bus-${platform}.ts`);
      expect(mk.ts.get("machine/buses.xsb")).to.equal("hosts/moddable/buses-device.ts");
      expect(mk.ts.get("machine/i2c-ecma419.xsb")).to.equal("hosts/moddable/i2c.ts");
      expect(mk.ts.get("machine/serial-ecma419.xsb")).to.equal("hosts/moddable/serial.ts");
    });
  }
  it("lin: examples/gps-reader.json has the simulated board's models, no drivers", () => {
    const mk = makeFile("lin", "gps-reader.json");
    for (const m of ["machine/sim/peripherals.xsb", "machine/sim/uart.xsb", "machine/sim/gps.xsb", "machine/sim/i2c.xsb", "machine/sim/sht3x.xsb", "machine/buses.xsb"]) expect(mk.modules, m).to.include(m);
    expect(mk.ts.get("machine/buses.xsb")).to.equal("hosts/moddable/buses-simulator.ts");
    for (const m of ["machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "~.embedded/io/i2c.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
  it("esp32: an app without modules/machine/buses (examples/run-main.json) carries no I2C or serial driver", () => {
    const mk = makeFile("esp32", "run-main.json");
    for (const m of ["~.embedded/io/i2c.xsb", "~.embedded/io/serial.xsb", "machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "machine/buses.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
});
