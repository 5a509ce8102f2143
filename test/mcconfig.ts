import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// What the tests that run the Moddable SDK's mcconfig share. They run only
// where $MODDABLE is set (the SDK set up per its Linux Getting Started).

export const ROOT = path.resolve(__dirname, "..");
export const MODDABLE = process.env.MODDABLE;
export const BIN = MODDABLE ? path.join(MODDABLE, "build", "bin", "lin", "release") : "";

/** Why the SDK's tools can't run here (the skip's reason), or null. */
export function sdkMissing(tools = ["mcconfig"]): string | null {
  if (!MODDABLE) return "$MODDABLE is not set (the Moddable SDK is not installed here)";
  if (process.platform !== "linux") return "the checks use the Linux SDK tools";
  for (const tool of tools) if (!fs.existsSync(path.join(BIN, tool))) return `${tool} is missing from ${BIN} (build the SDK tools)`;
  return null;
}

/** The environment the SDK's tools need: this project's tsc and the SDK's tools on PATH. */
export const sdkEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules", ".bin")}:${BIN}:${process.env.PATH}`,
  ...extra,
});

export function mcconfig(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const r = spawnSync(path.join(BIN, "mcconfig"), args, { cwd, env: sdkEnv(extra), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function findFile(dir: string, name: string): string | null {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) return p;
  }
  return null;
}

export interface MakeFile {
  /** Modules (.xsb, relative to the modules folder) and native files (.xsi) the firmware is built from. */
  modules: string[];
  preloads: string[];
  /** Which TypeScript source (from the project's root) each module is compiled from. */
  ts: Map<string, string>;
  /** The generated mc.config.js ("" if none). */
  config: string;
}

/**
 * `mcconfig -d -p <platform> -t build` (make files only: no toolchain is
 * needed) in `cwd`, with `args` (a manifest, name=value pairs), and what the
 * generated make file builds. ESP_BASE and PICO_SDK_DIR point at an empty
 * folder, as no ESP or Pico SDK is installed.
 */
export function readMakeFile(cwd: string, platform: string, args: string[] = []): MakeFile {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-mk-"));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-sdk-base-"));
  try {
    const r = mcconfig(cwd, ["-d", "-p", platform, "-t", "build", "-o", out, ...args], { ESP_BASE: base, PICO_SDK_DIR: base });
    expect(r.status, r.output).to.equal(0);
    const mk = findFile(out, "makefile");
    expect(mk, `no makefile under ${out}`).to.not.equal(null);
    const text = fs.readFileSync(mk!, "utf8");
    const block = (name: string): string[] => {
      const m = new RegExp(`^${name} =\\\\\\n((?:\\t.*\\n)+)`, "m").exec(text);
      return m ? m[1].split("\n").map((l) => l.trim().replace(/\\$/, "").trim()).filter(Boolean) : [];
    };
    // "$(MODULES_DIR)/machine/ecma419-profile.xsb: $(TMP_DIR)/tsc/machine/ecma419-profile/<root>/hosts/moddable/profile-esp32.js".
    const ts = new Map<string, string>();
    for (const m of text.matchAll(/^\$\(MODULES_DIR\)\/(\S+)\.xsb: \$\(TMP_DIR\)\/tsc\/\1(\/\S+)\.js$/gm)) ts.set(`${m[1]}.xsb`, path.relative(ROOT, `${m[2]}.ts`));
    const cfg = findFile(out, "mc.config.js");
    return {
      modules: block("MODULES").map((l) => l.replace(/^\$\((MODULES_DIR|TMP_DIR)\)\//, "")),
      preloads: block("PRELOADS").map((l) => l.replace(/^-p /, "")),
      ts,
      config: cfg ? fs.readFileSync(cfg, "utf8") : "",
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(base, { recursive: true, force: true });
  }
}
