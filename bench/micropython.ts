// The five workloads under a MicroPython binary (bench/micropython/bench.py),
// for `npm run bench -- --micropython PATH`: one process per job, each
// printing `RESULT {json}`. Per-unit costs come from runs at n and 2n (the
// difference cancels start-up and set-up), best of a few, as for XS.
import { spawnSync } from "child_process";
import * as path from "path";

const SCRIPT = path.join(__dirname, "micropython", "bench.py");

/**
 * The GC heap we give MicroPython. The unix port's default (2 MB on 64-bit)
 * makes generator-heavy work slow down with the heap's size: an allocation of
 * several blocks scans the allocation table from the last single-block
 * allocation (py/gc.c), so Event ping-pong costs 5 µs per round trip at 1 000
 * trips and 20 µs at 16 000. 256 KB of 32-byte blocks is the allocation table
 * of a ~128 KB heap of 16-byte blocks, about what an ESP32 without PSRAM has,
 * and keeps every figure independent of n.
 */
export const MICROPYTHON_HEAP = "256K";

export interface MicroPythonFigures {
  bin: string;
  version: string;
  /** The `_asyncio` C accelerator is in the build. */
  accelerated: boolean;
  heap: string;
  switchNs: number;
  switchFloorNs: number;
  pingPongNs: number;
  pingPongFloorNs: number;
  createNs: number;
  createFloorNs: number;
  bytesPerTask: number;
  bytesFloor: number;
  /** Actual − requested per sleep, ms. */
  lateMs: number[];
}

export interface MicroPythonSizes {
  tasks: number;
  rounds: number;
  trips: number;
  sleepers: number;
  lateTasks: number;
  lateSleeps: number;
  create: number;
}

function job(bin: string, name: string, a = 0, b = 0): Record<string, unknown> {
  const r = spawnSync(bin, ["-X", `heapsize=${MICROPYTHON_HEAP}`, SCRIPT, name, String(a), String(b)], { encoding: "utf8", timeout: 300_000 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT ") || l.startsWith("FAILED "));
  if (r.status !== 0 || !line || line.startsWith("FAILED")) {
    throw new Error(`micropython job ${name} ${a} ${b} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ""}): ${r.stdout ?? ""}${r.stderr ?? ""}`.slice(0, 800));
  }
  return JSON.parse(line.slice(7)) as Record<string, unknown>;
}

/** Wall ns per unit from runs at n and 2n (scaling a or b), each the best of `runs`. */
function perUnit(bin: string, name: string, units: (a: number, b: number) => number, a: number, b: number, scale: "a" | "b", runs: number): number {
  const [a2, b2] = scale === "a" ? [2 * a, b] : [a, 2 * b];
  let us1 = Infinity;
  let us2 = Infinity;
  for (let i = 0; i < runs; i++) {
    us1 = Math.min(us1, job(bin, name, a, b).us as number);
    us2 = Math.min(us2, job(bin, name, a2, b2).us as number);
  }
  return Math.max(0, ((us2 - us1) * 1000) / (units(a2, b2) - units(a, b)));
}

/** Version and whether asyncio has its C accelerator; throws if `bin` does not run bench.py. */
export function microPythonVersion(bin: string): { version: string; accelerated: boolean } {
  const v = job(bin, "version");
  return { version: String(v.version), accelerated: v.accelerated === true };
}

export function microPythonFigures(bin: string, sizes: MicroPythonSizes, runs: number): MicroPythonFigures {
  const { version, accelerated } = microPythonVersion(bin);
  const { tasks, rounds, trips, create, sleepers } = sizes;
  const sw = (a: number, b: number) => a * b;
  const one = (a: number) => a;
  const late = job(bin, "lateness", sizes.lateTasks, sizes.lateSleeps).late_us as number[];
  return {
    bin,
    version,
    accelerated,
    heap: MICROPYTHON_HEAP,
    switchNs: perUnit(bin, "switch", sw, tasks, rounds, "b", runs),
    switchFloorNs: perUnit(bin, "switch-floor", sw, tasks, rounds, "b", runs),
    pingPongNs: perUnit(bin, "pingpong", one, trips, 0, "a", runs),
    pingPongFloorNs: perUnit(bin, "pingpong-floor", one, trips, 0, "a", runs),
    createNs: perUnit(bin, "create", one, create, 100, "a", runs),
    createFloorNs: perUnit(bin, "create-floor", one, create, 100, "a", runs),
    bytesPerTask: (job(bin, "sleepers", sleepers).bytes as number) / sleepers,
    bytesFloor: (job(bin, "sleepers-floor", sleepers).bytes as number) / sleepers,
    lateMs: late.map((us) => us / 1000),
  };
}
