// npm run bench [-- [--quick] [--micropython PATH] [--drift-period MS]]: every figure with its
// references, measured in the same run, on Node and inside XS (xsnap), and
// the same workloads under a MicroPython binary when one is given (or
// $MICROPYTHON). Prints a table and writes bench/results.json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GlobalTimersHost, newEventLoop, setHost, getHost } from "asyncio";
import { bundle } from "../hosts/xs/bundle";
import { findXsnapWorker, XsnapWorker, type Evaluation } from "../hosts/xs/worker";
import * as suite from "./suite";
import { webLoadFigure } from "./webload";
import { microPythonFigures, microPythonVersion, type MicroPythonFigures } from "./micropython";

const quick = process.argv.includes("--quick");
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(__dirname, "results.json");
const mpIndex = process.argv.indexOf("--micropython");
const mpArg = mpIndex > 0 ? process.argv[mpIndex + 1] : process.env.MICROPYTHON;
// A relative path is taken from where the user typed the command (npm runs us from the package root).
const micropython = mpArg ? path.resolve(process.env.INIT_CWD ?? process.cwd(), mpArg) : null;
// --drift-period MS: figure 7's period (100 periods; 600 is the issue's 60 s on real time).
const driftIndex = process.argv.indexOf("--drift-period");
const driftPeriodArg = driftIndex > 0 ? Number(process.argv[driftIndex + 1]) : undefined;
if (driftPeriodArg !== undefined && !(driftPeriodArg > 0)) throw new Error(`--drift-period: expected a period in ms, got ${process.argv[driftIndex + 1]}`);
const gc = (globalThis as { gc?: () => void }).gc;
const sizes = quick
  ? { tasks: 100, rounds: 200, trips: 4000, sleepers: 1000, lateTasks: 100, lateSleeps: 5, create: 2000, driftPeriods: 100, driftPeriodMs: driftPeriodArg ?? 10 }
  : { tasks: 100, rounds: 1000, trips: 20000, sleepers: 1000, lateTasks: 100, lateSleeps: 20, create: 10000, driftPeriods: 100, driftPeriodMs: driftPeriodArg ?? 20 };

type Row = { figure: string; engine: string; measure: string; ours: number; reference: string; value: number; ratio: number; unit: string; note?: string };
const rows: Row[] = [];
const extra: Record<string, unknown> = {};
/** Our XS figures, for the rows that set them against MicroPython's. */
const xsOurs: { switchNs?: number; pingPongNs?: number; createNs?: number; slots?: number } = {};

function row(r: Omit<Row, "ratio">): void {
  rows.push({ ...r, ratio: r.value === 0 ? NaN : r.ours / r.value });
}

async function wall(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
/** Best of a few runs, in ms. */
async function best(fn: () => Promise<unknown>, runs = quick ? 2 : 3): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await wall(fn));
  return min;
}

function freshNodeLoop(): void {
  setHost(new GlobalTimersHost());
  newEventLoop();
}

async function nodeFigures(): Promise<void> {
  const { tasks, rounds, trips, create, sleepers } = sizes;
  const switches = tasks * rounds;
  freshNodeLoop();
  const ours = await best(() => suite.switchLoop(tasks, rounds));
  const floor = await best(() => suite.switchFloor(tasks, rounds));
  const naive = await best(() => suite.switchNaive(tasks, rounds, (fn) => setTimeout(fn, 0)), 1);
  const perSwitch = (ms: number) => (ms * 1e6) / switches;
  row({ figure: "1 switch", engine: "node", measure: "ns/switch", ours: perSwitch(ours), reference: "bare await null", value: perSwitch(floor), unit: "ns" });
  row({ figure: "1 switch", engine: "node", measure: "ns/switch", ours: perSwitch(ours), reference: "naive: setTimeout(r, 0) per sleep", value: perSwitch(naive), unit: "ns" });

  const pp = await best(() => suite.pingPong(trips));
  const ppNaive = await best(() => suite.pingPongNaive(trips, (fn) => setImmediate(fn)));
  row({ figure: "2 ping-pong", engine: "node", measure: "ns/round trip", ours: (pp * 1e6) / trips, reference: "naive: promise resolved from a host callback per hop", value: (ppNaive * 1e6) / trips, unit: "ns" });

  const cr = await best(() => suite.create(create, 100));
  const crNaive = await best(() => suite.createNaive(create, 100, (fn) => setImmediate(fn)));
  row({ figure: "5 create", engine: "node", measure: "ns/task", ours: (cr * 1e6) / create, reference: "naive: promise per task from a host callback", value: (crNaive * 1e6) / create, unit: "ns" });

  // 3. memory and host timers for 1 000 sleeping tasks.
  let live = 0;
  let maxLive = 0;
  const counting = {
    setTimeout: (fn: () => void, ms: number) => {
      live++;
      maxLive = Math.max(maxLive, live);
      const h = setTimeout(() => { live--; fn(); }, ms);
      return h;
    },
    clearTimeout: (h: unknown) => {
      if (h !== undefined) { live--; clearTimeout(h as NodeJS.Timeout); }
    },
    setImmediate: (fn: () => void) => setImmediate(fn),
    clearImmediate: (h: unknown) => clearImmediate(h as NodeJS.Immediate),
    performance,
  };
  setHost(new GlobalTimersHost(counting));
  newEventLoop();
  const heap = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  // Least of three after a warm-up: the first run also allocates the code
  // and type feedback V8 makes for the functions it runs (200 B a task).
  const perTask = async (run: (measure: () => void) => Promise<void>): Promise<number> => {
    let least = Infinity;
    for (let i = 0; i < 4; i++) {
      const before = heap();
      let during = 0;
      await run(() => (during = heap()));
      if (i > 0) least = Math.min(least, (during - before) / sleepers);
    }
    return least;
  };
  const oursBytes = await perTask((measure) => suite.sleepers(sleepers, measure));
  const oursTimers = maxLive;
  live = maxLive = 0;
  const naiveBytes = await perTask((measure) => suite.sleepersNaive(sleepers, measure, (fn, ms) => {
    const h = counting.setTimeout(fn, ms);
    return () => counting.clearTimeout(h);
  }));
  row({ figure: "3 memory", engine: "node", measure: "bytes/sleeping task", ours: oursBytes, reference: "naive: setTimeout per sleep", value: naiveBytes, unit: "B", note: gc ? undefined : "run with --expose-gc for stable numbers" });
  row({ figure: "3 host timers", engine: "node", measure: `host timers for ${sleepers} sleepers`, ours: oursTimers, reference: "naive: setTimeout per sleep", value: maxLive, unit: "" });

  // 4. lateness on real time.
  freshNodeLoop();
  const host = getHost();
  const late = (await suite.lateness(sizes.lateTasks, sizes.lateSleeps, () => host.now())).sort((a, b) => a - b);
  extra.nodeLateness = latenessStats(late);

  // 7. drift of a periodic blink: every() against a sleep loop, side by side.
  freshNodeLoop();
  const d = await suite.drift(sizes.driftPeriods, sizes.driftPeriodMs, () => host.now());
  extra.nodeDrift = driftStats(d);
  row({ figure: "7 drift", engine: "node", measure: `ms late at toggle ${sizes.driftPeriods} (period ${sizes.driftPeriodMs} ms)`, ours: d.ticker[d.ticker.length - 1], reference: "sleep loop: toggle(); await sleepMs(period)", value: d.sleeper[d.sleeper.length - 1], unit: "ms" });

  // 6. the green LED of examples/webserver.ts while 50 clients × 20 requests hammer it.
  extra.webLoad = await webLoadFigure(quick ? 2000 : 10_000);
}

type Drift = { periods: number; tickerSkipped: number; tickerMax: number; tickerLast: number; sleeperLast: number };
/** The ticker's worst and last lateness, the sleep loop's last (its accumulated drift), ms. */
function driftStats(d: { ticker: number[]; sleeper: number[] }): Drift {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { periods: d.sleeper.length, tickerSkipped: d.sleeper.length - d.ticker.length, tickerMax: r(Math.max(...d.ticker)), tickerLast: r(d.ticker[d.ticker.length - 1]), sleeperLast: r(d.sleeper[d.sleeper.length - 1]) };
}

type Lateness = { p50: number; p99: number; max: number; min: number; early: number; samples: number };
/** `early`: sleeps that ended before their time (MicroPython's asyncio counts in whole ms ticks). */
function latenessStats(sorted: number[]): Lateness {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(suite.percentile(sorted, 50)), p99: r(suite.percentile(sorted, 99)), max: r(sorted[sorted.length - 1]), min: r(sorted[0]), early: sorted.filter((x) => x < 0).length, samples: sorted.length };
}

async function xsJob(bin: string, script: string, name: string, a: number, b = 0): Promise<Evaluation & { result: unknown }> {
  const worker = new XsnapWorker(bin);
  try {
    const setup = await worker.evaluate(`globalThis.BENCH_JOB = ${JSON.stringify({ name, a, b })};`);
    if (!setup.ok) throw new Error(setup.error);
    const run = await worker.evaluate(script);
    const line = run.output.split("\n").find((l) => l.startsWith("RESULT ") || l.startsWith("FAILED "));
    if (!run.ok || !line || line.startsWith("FAILED")) throw new Error(`xsnap job ${name} failed: ${run.error ?? ""} ${run.output}`);
    return { ...run, result: JSON.parse(line.slice(7)) };
  } finally {
    await worker.close();
  }
}

/**
 * Compute units and wall ms per unit of work, from runs at n and 2n (setup
 * cancels out). Compute is deterministic; wall time is the best of a few runs.
 */
async function xsPerUnit(bin: string, script: string, name: string, units: (a: number, b: number) => number, a: number, b: number, scale: "a" | "b"): Promise<{ compute: number; ns: number }> {
  const [a2, b2] = scale === "a" ? [2 * a, b] : [a, 2 * b];
  const runs = quick ? 1 : 3;
  let r1 = await xsJob(bin, script, name, a, b);
  let r2 = await xsJob(bin, script, name, a2, b2);
  let w1 = r1.wallMs;
  let w2 = r2.wallMs;
  for (let i = 1; i < runs; i++) {
    w1 = Math.min(w1, (r1 = await xsJob(bin, script, name, a, b)).wallMs);
    w2 = Math.min(w2, (r2 = await xsJob(bin, script, name, a2, b2)).wallMs);
  }
  const du = units(a2, b2) - units(a, b);
  let dc = r2.meter!.compute - r1.meter!.compute;
  if (dc < 0) dc += 2 ** 32; // xsnap's compute counter is 32-bit
  return { compute: dc / du, ns: Math.max(0, ((w2 - w1) * 1e6) / du) };
}

async function xsFigures(): Promise<void> {
  const bin = findXsnapWorker();
  if (!bin) {
    extra.xs = "skipped: xsnap-worker not built (npm ci builds it)";
    return;
  }
  const script = bundle(path.join(__dirname, "xs-entry.ts"));
  const { tasks, rounds, trips, create, sleepers } = sizes;
  const sw = (a: number, b: number) => a * b;
  const ours = await xsPerUnit(bin, script, "switch", sw, tasks, rounds, "b");
  const floor = await xsPerUnit(bin, script, "switch-floor", sw, tasks, rounds, "b");
  const naive = await xsPerUnit(bin, script, "switch-naive", sw, tasks, rounds, "b");
  row({ figure: "1 switch", engine: "xs", measure: "compute/switch", ours: ours.compute, reference: "bare await null", value: floor.compute, unit: "cu" });
  row({ figure: "1 switch", engine: "xs", measure: "compute/switch", ours: ours.compute, reference: "naive: host callback (setImmediate) per sleep", value: naive.compute, unit: "cu" });
  row({ figure: "1 switch", engine: "xs", measure: "ns/switch", ours: ours.ns, reference: "bare await null", value: floor.ns, unit: "ns" });
  row({ figure: "1 switch", engine: "xs", measure: "ns/switch", ours: ours.ns, reference: "naive: host callback (setImmediate) per sleep", value: naive.ns, unit: "ns" });
  xsOurs.switchNs = ours.ns;

  const one = (a: number) => a;
  const pp = await xsPerUnit(bin, script, "pingpong", one, trips, 0, "a");
  const ppNaive = await xsPerUnit(bin, script, "pingpong-naive", one, trips, 0, "a");
  row({ figure: "2 ping-pong", engine: "xs", measure: "compute/round trip", ours: pp.compute, reference: "naive: promise resolved from a host callback per hop", value: ppNaive.compute, unit: "cu" });
  row({ figure: "2 ping-pong", engine: "xs", measure: "ns/round trip", ours: pp.ns, reference: "naive: promise resolved from a host callback per hop", value: ppNaive.ns, unit: "ns" });
  xsOurs.pingPongNs = pp.ns;

  const cr = await xsPerUnit(bin, script, "create", one, create, 100, "a");
  const crNaive = await xsPerUnit(bin, script, "create-naive", one, create, 100, "a");
  row({ figure: "5 create", engine: "xs", measure: "compute/task", ours: cr.compute, reference: "naive: promise per task from a host callback", value: crNaive.compute, unit: "cu" });
  row({ figure: "5 create", engine: "xs", measure: "ns/task", ours: cr.ns, reference: "naive: promise per task from a host callback", value: crNaive.ns, unit: "ns" });
  xsOurs.createNs = cr.ns;

  const slots = async (name: string): Promise<number> => {
    const base = await xsJob(bin, script, name, 0);
    const full = await xsJob(bin, script, name, sleepers);
    return (full.meter!.currentHeapCount - base.meter!.currentHeapCount) / sleepers;
  };
  const oursSlots = await slots("sleepers");
  const naiveSlots = await slots("sleepers-naive");
  const floorSlots = await slots("sleepers-floor");
  row({ figure: "3 memory", engine: "xs", measure: "heap slots/sleeping task", ours: oursSlots, reference: "naive: a promise per sleep (Moddable adds a Timer record on top)", value: naiveSlots, unit: "slots" });
  row({ figure: "3 memory", engine: "xs", measure: "heap slots/sleeping task", ours: oursSlots, reference: "floor: a bare async function suspended on a promise", value: floorSlots, unit: "slots" });
  xsOurs.slots = oursSlots;

  const late = await xsJob(bin, script, "lateness", sizes.lateTasks, sizes.lateSleeps);
  extra.xsLateness = latenessStats((late.result as number[]).sort((a, b) => a - b));

  const dr = (await xsJob(bin, script, "drift", sizes.driftPeriods, sizes.driftPeriodMs)).result as { ticker: number[]; sleeper: number[] };
  extra.xsDrift = driftStats(dr);
  row({ figure: "7 drift", engine: "xs", measure: `ms late at toggle ${sizes.driftPeriods} (period ${sizes.driftPeriodMs} ms)`, ours: dr.ticker[dr.ticker.length - 1], reference: "sleep loop: toggle(); await sleepMs(period)", value: dr.sleeper[dr.sleeper.length - 1], unit: "ms" });
}

/** The first file called `name` below dir (mcconfig names its build folders after the app's folder). */
function findFile(dir: string, name: string): string | null {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return p;
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return null;
}

/** Figure 1 in the Moddable Linux simulator (XS + Moddable's Timer), when $MODDABLE is set. */
async function moddableFigures(): Promise<void> {
  const sdk = process.env.MODDABLE;
  const bin = sdk ? path.join(sdk, "build", "bin", "lin", "release") : "";
  if (!sdk || !fs.existsSync(path.join(bin, "mcsim"))) {
    extra.moddable = "skipped: $MODDABLE is not set (no Moddable SDK here)";
    return;
  }
  const { spawnSync, spawn } = await import("child_process");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-bench-"));
  const env = { ...process.env, PATH: `${path.join(__dirname, "..", "node_modules", ".bin")}:${bin}:${process.env.PATH}` };
  const build = spawnSync("flock", ["/tmp/mcsim.lock", path.join(bin, "mcconfig"), "-m", "-p", "lin", "-t", "build", "-o", out], { cwd: path.join(__dirname, "moddable"), env, encoding: "utf8" });
  if (build.status !== 0) {
    extra.moddable = `skipped: the simulator build failed: ${build.stdout}${build.stderr}`.slice(0, 500);
    return;
  }
  let xvfb: import("child_process").ChildProcess | null = null;
  let display = process.env.DISPLAY;
  if (!display) {
    display = ":96";
    xvfb = spawn("Xvfb", [display, "-nolisten", "tcp"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 1000));
  }
  const log = await new Promise<string>((resolve) => {
    const sim = spawn("stdbuf", ["-oL", path.join(bin, "mcsim"), findFile(out, "mc.so") ?? path.join(out, "mc.so")], { env: { ...env, DISPLAY: display }, stdio: ["ignore", "pipe", "ignore"] });
    let text = "";
    const done = () => { sim.kill("SIGKILL"); resolve(text); };
    const timer = setTimeout(done, 120_000);
    sim.stdout.setEncoding("utf8");
    sim.stdout.on("data", (s: string) => { text += s; if (/BENCH (DONE|FAILED)/.test(text)) { clearTimeout(timer); done(); } });
  });
  xvfb?.kill();
  fs.rmSync(out, { recursive: true, force: true });
  const line = log.split("\n").find((l) => l.startsWith("BENCH {"));
  if (!line) {
    extra.moddable = `no result from the simulator: ${log.slice(0, 300)}`;
    return;
  }
  const r = JSON.parse(line.slice(6)) as { oursNs: number; floorNs: number; naiveNs: number; chainNs: number };
  row({ figure: "1 switch", engine: "moddable-sim", measure: "ns/switch", ours: r.oursNs, reference: "bare await null", value: r.floorNs, unit: "ns" });
  row({ figure: "1 switch", engine: "moddable-sim", measure: "ns/switch", ours: r.oursNs, reference: "naive: Timer.set(r, 0) per sleep", value: r.naiveNs, unit: "ns" });
  // One step per host turn is the loop's design: this is that turn's floor.
  row({ figure: "1 switch", engine: "moddable-sim", measure: "ns/switch", ours: r.oursNs, reference: "one Timer at a time: Timer.set(r, 0) from the last one's callback", value: r.chainNs, unit: "ns" });
}

/** A 64-bit XS slot (xsnap here); 16 bytes on a 32-bit MCU. Chunks (strings, array storage) are not counted. */
const XS_SLOT_BYTES = 32;

/** The five workloads under MicroPython, and our XS figures set against them. */
async function microPythonRows(): Promise<void> {
  if (!micropython) {
    extra.micropython = "micropython: skipped (pass --micropython PATH)";
    return;
  }
  const mp: MicroPythonFigures = microPythonFigures(micropython, sizes, quick ? 2 : 3);
  const { lateMs, ...figures } = mp;
  extra.micropythonFigures = figures;
  extra.micropython = `micropython: ${mp.version.replace(/^[\d.]+; /, "")} at ${mp.bin} (asyncio ${mp.accelerated ? "with" : "WITHOUT"} the _asyncio C module, heap ${mp.heap})`;
  const ref = "MicroPython (unix port)";
  row({ figure: "1 switch", engine: "micropython", measure: "ns/switch", ours: mp.switchNs, reference: "floor: a bare generator resumed by next()", value: mp.switchFloorNs, unit: "ns" });
  row({ figure: "2 ping-pong", engine: "micropython", measure: "ns/round trip", ours: mp.pingPongNs, reference: "floor: two bare generators resumed by next()", value: mp.pingPongFloorNs, unit: "ns" });
  row({ figure: "5 create", engine: "micropython", measure: "ns/task", ours: mp.createNs, reference: "floor: a bare coroutine run to its end by send(None)", value: mp.createFloorNs, unit: "ns" });
  row({ figure: "3 memory", engine: "micropython", measure: "bytes/sleeping task", ours: mp.bytesPerTask, reference: "floor: a bare generator suspended at a yield", value: mp.bytesFloor, unit: "B" });
  extra.micropythonLateness = latenessStats([...lateMs].sort((a, b) => a - b));
  if (xsOurs.switchNs !== undefined) row({ figure: "1 switch", engine: "xs", measure: "ns/switch", ours: xsOurs.switchNs, reference: `${ref} sleep(0)`, value: mp.switchNs, unit: "ns" });
  if (xsOurs.pingPongNs !== undefined) row({ figure: "2 ping-pong", engine: "xs", measure: "ns/round trip", ours: xsOurs.pingPongNs, reference: `${ref} Event ping-pong`, value: mp.pingPongNs, unit: "ns" });
  if (xsOurs.createNs !== undefined) row({ figure: "5 create", engine: "xs", measure: "ns/task", ours: xsOurs.createNs, reference: `${ref} create_task + gather`, value: mp.createNs, unit: "ns" });
  if (xsOurs.slots !== undefined) row({ figure: "3 memory", engine: "xs", measure: `bytes/sleeping task (heap slots × ${XS_SLOT_BYTES} B)`, ours: xsOurs.slots * XS_SLOT_BYTES, reference: `${ref} task in sleep(3600), gc.mem_alloc()`, value: mp.bytesPerTask, unit: "B" });
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

async function main(): Promise<void> {
  const started = Date.now();
  if (mpIndex > 0 && !mpArg) throw new Error("--micropython needs the path of a MicroPython binary (ports/unix/build-standard/micropython)");
  if (micropython && !fs.existsSync(micropython)) throw new Error(`--micropython: no MicroPython binary at ${micropython}`);
  if (micropython) microPythonVersion(micropython); // fails now rather than after the other figures
  await nodeFigures();
  await xsFigures();
  if (!quick) await moddableFigures();
  else extra.moddable = "skipped in --quick";
  await microPythonRows();
  const machine = `${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
  const results = { date: new Date().toISOString(), quick, machine, sizes, rows, lateness: { node: extra.nodeLateness, xs: extra.xsLateness, micropython: extra.micropythonLateness }, drift: { node: extra.nodeDrift ?? null, xs: extra.xsDrift ?? null }, webLoad: extra.webLoad, micropython: extra.micropythonFigures ?? null, notes: { xs: extra.xs ?? null, moddable: extra.moddable ?? null, micropython: extra.micropython ?? null }, seconds: (Date.now() - started) / 1000 };
  const lines = [
    `| figure | engine | measure | ours | reference | reference value | ours ÷ reference |`,
    `|---|---|---|---|---|---|---|`,
    ...rows.map((r) => `| ${r.figure} | ${r.engine} | ${r.measure} | ${fmt(r.ours)} | ${r.reference} | ${fmt(r.value)} | ${fmt(r.ratio)} |`),
  ];
  const web = extra.webLoad as { p50: number; p99: number; max: number; samples: number };
  const late = results.lateness as Record<string, Lateness | undefined>;
  for (const [engine, l] of Object.entries(late)) {
    const early = l && l.early ? ` (${l.early} ended early, by up to ${-l.min} ms)` : "";
    if (l) lines.push(`| 4 lateness | ${engine} | ms late (${l.samples} sleeps of 1–50 ms, ${sizes.lateTasks} tasks) | p50 ${l.p50}, p99 ${l.p99}, max ${l.max}${early} | — | — | — |`);
  }
  for (const [engine, dr] of Object.entries(results.drift as Record<string, Drift | null>)) {
    if (dr) lines.push(`| 7 drift | ${engine} | every(): the worst toggle of ${dr.periods} periods | ${dr.tickerMax} ms late, ${dr.tickerSkipped} ticks skipped | — | — | — |`);
  }
  const notes = [extra.xs, extra.moddable, extra.micropython].filter(Boolean).map((n) => `note: ${n}`).join("\n");
  lines.push(`| 6 blink lateness under 50-client load | node | ms late (green LED of examples/webserver.ts, ${web.samples} toggles) | p50 ${web.p50}, p99 ${web.p99}, max ${web.max} | — | — | — |`);
  process.stdout.write(`${lines.join("\n")}\n\nmachine: ${machine}; ${quick ? "quick" : "full"} run, ${results.seconds.toFixed(1)} s\n${notes ? notes + "\n" : ""}`);
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
