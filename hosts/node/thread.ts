import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { formatError } from "../../modules/asyncio/format";
import type { FromWorker, ToWorker, WorkerData } from "./app-worker";
import { BatchAcks, createBatchMemory } from "./batch";
import { FeedHub, type BoardEvent, type EndReason } from "./feed";
import { createStepMemory, StepReader } from "./stepslot";
import { VcdRecorder } from "./vcd";
import { whereIsWorker } from "./whereis";

export type EndEvent = Extract<BoardEvent, { type: "end" }>;

export interface StartOptions {
  /** The app module (a .ts file that builds its tasks and starts the loop). */
  entry: string;
  /** Seconds to run (virtual seconds with `virtual`); undefined: until stop() or until the app is done. */
  duration?: number;
  /** Run on virtual time (as fast as possible, deterministic); needs a duration. */
  virtual?: boolean;
  /** Write every pin change here as a Value Change Dump when the run ends, however it ends. */
  vcd?: string;
  /**
   * ms a task may keep the loop (the app's thread) before it counts as stuck
   * (default 2000): on real time the feed gets a "stall" event (the run
   * goes on until its duration or a stop, as a board would); on virtual time,
   * whose clock cannot move while a task holds it, the run ends as "runaway".
   */
  stallMs?: number;
  /** ms a stop or the end of the duration waits for the app's thread before terminating it (default 1000). */
  graceMs?: number;
  /**
   * ms the end of a runaway waits for the inspector to say where the thread
   * is held (default 2500); past it, where the stall found it, if it is the
   * same hold, is told.
   */
  locateMs?: number;
  /** Paths in a runaway's `where` are shown relative to this folder (default: the working folder). */
  from?: string;
  /** Debug mode on the app's loops (Loop.setDebug): each step of slowCallbackDuration (0.1 s) or longer is reported, naming its task. */
  debug?: boolean;
}

export interface BoardRun {
  /** The run's events (replayed to late subscribers) and its inputs. */
  readonly feed: FeedHub;
  /** Settles with the end event once the run is over, the VCD (if asked) written and the app's thread gone. */
  readonly finished: Promise<EndEvent>;
  /** Why the VCD could not be written (set before `finished` settles); null when it was, or was not asked for. */
  vcdError: string | null;
  /** ms on the app's clock (its ticksMs() origin): now on real time, the last known time on virtual time. */
  elapsed(): number;
  /** Ends the run ("stopped"); a task that never yields is terminated after the grace time ("runaway"). */
  stop(): void;
}

const ROOT = path.resolve(__dirname, "..", "..");
const CHECK_MS = 100;
/** Past the duration, how long the worker has to end its run itself before it is asked to. */
const DEADLINE_MARGIN_MS = 250;
/** No heartbeat (every 50 ms) for this long: the app's thread is held. */
const STUCK_MS = 300;
/**
 * The app's top-level code includes compiling it (and what it imports) to
 * JavaScript, which holds the thread too: on a loaded machine that alone can
 * take longer than the stall time. It gets this much more before it counts
 * as stuck.
 */
const LOADING_MS = 3000;
const TOP_LEVEL = "the app's top-level code";
/** How long the inspector may take to say where a stalled thread is (ms); the end waits for it. */
const STALL_LOCATE_MS = 2500;

/**
 * Runs an app in a worker thread on the simulated board, the views staying
 * in this thread: whatever the app does (a task that never yields included)
 * the run ends when asked, and its VCD is written.
 */
export function startApp(options: StartOptions): BoardRun {
  const durationMs = options.duration === undefined ? undefined : options.duration * 1000;
  if (durationMs !== undefined && !(durationMs > 0 && Number.isFinite(durationMs))) throw new RangeError(`startApp: duration must be a positive number of seconds, got ${String(options.duration)}`);
  if (options.virtual && durationMs === undefined) throw new RangeError("startApp: virtual time needs a duration");
  const stallMs = options.stallMs ?? 2000;
  const graceMs = options.graceMs ?? 1000;
  const memory = createStepMemory();
  const steps = new StepReader(memory);
  const batches = createBatchMemory();
  const acks = new BatchAcks(batches);
  const data: WorkerData = { entry: path.resolve(options.entry), virtual: !!options.virtual, durationMs, memory, batches, debug: !!options.debug };
  const worker = new Worker(bootstrap(), { eval: true, workerData: data, stdout: true, stderr: true, execArgv: [] });

  let startedAt: number | null = null; // the app's time origin, on this thread's performance clock
  let lastTime = 0; // the latest app time seen (events, the step memory)
  /** The feed is closed (its end event pushed). */
  let over = false;
  /** The run is ending: nothing but the app's last output goes to the feed. */
  let ending = false;
  let stopping = false;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let settle!: (e: EndEvent) => void;
  const finished = new Promise<EndEvent>((r) => (settle = r));

  const send = (m: ToWorker): void => {
    try {
      worker.postMessage(m);
    } catch {
      // The thread is gone: its exit ends the run.
    }
  };
  const feed = new FeedHub((pin, level) => {
    if (!ending) send({ type: "drive", pin, level });
  });
  // Subscribed before any event: the VCD has every change, whatever the feed keeps.
  const recorder = options.vcd ? new VcdRecorder() : null;
  if (recorder) feed.subscribe((e) => recorder.record(e));

  let endedAt: number | null = null;
  /**
   * When the run was decided to end, before its thread answered (a stop, or
   * a runaway found): the clock shows no later time, and nothing the thread
   * did after it reaches the feed (a runaway goes on until it is terminated).
   */
  let cutAt: number | null = null;
  const elapsed = (): number => {
    if (endedAt !== null) return endedAt;
    if (cutAt !== null) return cutAt;
    if (options.virtual || startedAt === null) return Math.max(lastTime, options.virtual ? steps.read().since || 0 : 0);
    return performance.now() - startedAt;
  };

  const run: BoardRun = {
    feed,
    finished,
    vcdError: null,
    elapsed,
    stop: () => requestStop("stopped"),
  };

  // Output the app writes itself (console.log, console.error): lines of the feed, timed on arrival.
  const drained: Promise<void>[] = [];
  for (const [stream, stderr] of [[worker.stdout, false], [worker.stderr, true]] as const) {
    let partial = "";
    const line = (text: string): void => push(stderr ? { type: "print", line: text, time: elapsed(), stderr } : { type: "print", line: text, time: elapsed() });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const l of lines) line(l);
    });
    drained.push(new Promise<void>((resolve) => {
      const done = (): void => {
        if (partial) line(partial);
        partial = "";
        resolve();
      };
      stream.on("end", done);
      stream.on("error", done);
      stream.on("close", done);
    }));
  }

  /** Past the duration nothing is the run's (the thread's own end may come a little later, a timer being late). */
  const lastMs = durationMs ?? Infinity;
  function push(e: BoardEvent): void {
    if (over) return;
    if (e.type !== "end" && e.time > (cutAt ?? lastMs)) return;
    if (e.type !== "stall" && e.type !== "resume") lastTime = Math.max(lastTime, e.time);
    feed.push(e);
  }

  worker.on("message", (m: FromWorker) => {
    if (m.type === "events") {
      for (const e of m.events) push(e.type === "pin" ? ownPin(e) : e);
      // Taken: the thread may send more (it waits when it is too far ahead, see batch.ts).
      acks.ack();
    } else if (m.type === "started") {
      if (ending) return;
      startedAt = m.epoch - performance.timeOrigin;
      watch();
      if (durationMs !== undefined && !options.virtual) {
        // The worker ends its own run at the duration; this is for when it cannot (a task holds it). The run
        // ends at the duration either way: what a runaway does past it is not the run's (push() drops it).
        deadline = setTimeout(() => {
          // No heartbeat for a while: a task holds the thread, asking it would only cost the grace time.
          if (performance.now() - lastBeatAt >= STUCK_MS) void runaway(durationMs);
          else requestStop("duration");
        }, Math.max(0, startedAt + durationMs - performance.now()) + DEADLINE_MARGIN_MS);
      }
    } else void finish(m);
  });
  worker.on("error", (e) => {
    void finish({ type: "end", time: elapsed(), reason: "error", message: formatError(e) });
  });
  worker.on("exit", (code) => {
    // Without an end event: the app called process.exit(code), or the thread died.
    void finish({ type: "end", time: elapsed(), reason: "finished", code });
  });

  // The thread's heartbeat stops while a task holds it.
  let lastBeatAt = performance.now();
  let checker: ReturnType<typeof setInterval> | undefined;
  function watch(): void {
    let beat = steps.heartbeat();
    lastBeatAt = performance.now();
    let stall: Extract<BoardEvent, { type: "stall" }> | null = null;
    checker = setInterval(() => {
      const now = performance.now();
      const b = steps.heartbeat();
      if (b !== beat) {
        beat = b;
        lastBeatAt = now;
        // The task gave the loop back at last: the views say so (a page shows "stalled" until then).
        if (stall && !ending) push({ type: "resume", time: elapsed(), task: stall.task, since: stall.since });
        stall = null;
        return;
      }
      if (stall || now - lastBeatAt < stallMs) return;
      if (now - lastBeatAt < stallMs + LOADING_MS && steps.read().context === TOP_LEVEL) return;
      if (options.virtual) {
        void runaway();
        return;
      }
      const s = steps.read();
      stall = { type: "stall", time: elapsed(), task: s.task, since: s.since };
      push(stall);
      // Asked now, while the end has time: a loaded machine can take longer to answer the inspector than the end can wait.
      const since = s.since;
      stalledAt = whereIsWorker(worker, { timeoutMs: STALL_LOCATE_MS, root: ROOT, from: options.from ?? process.cwd() })
        .then((where) => (where === null ? null : { since, where }), () => null);
    }, CHECK_MS);
    checker.unref();
  }

  function requestStop(reason: "stopped" | "duration"): void {
    if (ending || stopping) return;
    stopping = true;
    if (startedAt === null) {
      // The app has not started: nothing of it to stop or report.
      void finish({ type: "end", time: 0, reason });
      return;
    }
    send({ type: "stop", reason });
    // The run ends when the stop was asked for (q at t=3.2 s: stopped at 3.2 s), even when a task holds the thread and it is terminated a grace time later.
    cutAt = reason === "duration" && durationMs !== undefined ? Math.min(durationMs, elapsed()) : elapsed();
    graceTimer = setTimeout(() => void runaway(), graceMs);
  }

  /**
   * The app's thread does not answer: say which task holds it, and where,
   * then terminate it. `at`: the run's end (the duration, or when a stop was
   * asked for); default now.
   */
  async function runaway(at?: number): Promise<void> {
    if (ending || locating) return;
    locating = true;
    const time = at ?? elapsed();
    cutAt = time;
    let e: EndEvent = { type: "end", time, reason: "runaway" };
    try {
      // One inspector session at a time: the stall's may still be asking.
      const early = await stalledAt;
      const s = steps.read();
      const where = await whereIsWorker(worker, {
        // ~0.3 s as a rule; a loaded machine (its threads starved) can take seconds to answer the inspector at all.
        timeoutMs: options.locateMs ?? 2500, root: ROOT, from: options.from ?? process.cwd(),
        // The events the thread had not sent yet (its last batch): a held thread never will.
        take: "globalThis.takeBoardEvents?.() ?? []",
        onTaken: (events) => {
          if (Array.isArray(events)) held = events as BoardEvent[];
        },
      });
      e = { type: "end", time, reason: "runaway", task: s.task, since: s.since };
      const place = where ?? (early && early.since === s.since ? early.where : null) ?? s.context;
      if (place) e.where = place;
    } catch {
      // What ran is unknown: the run still ends.
    }
    await finish(e);
  }
  let locating = false;
  /** Where the thread was when the stall was told (the same hold when `since` is the same), null if not found. */
  let stalledAt: Promise<{ since: number; where: string } | null> = Promise.resolve(null);
  /** The events a held thread had not sent (runaway), for the feed after those it did send. */
  let held: BoardEvent[] = [];

  async function finish(e: EndEvent): Promise<void> {
    if (ending) return;
    ending = true;
    clearTimeout(graceTimer);
    clearTimeout(deadline);
    clearInterval(checker);
    // The thread may still be running (the end came from it): it has nothing left to do.
    try {
      await worker.terminate();
    } catch {
      // Already gone.
    }
    // What the app wrote last is still in the pipes: it belongs before the end.
    await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, 200))]);
    for (const h of held) push(h);
    if (cutAt !== null && e.time > cutAt) e = { ...e, time: cutAt };
    push(e);
    over = true;
    endedAt = e.time;
    if (options.vcd && recorder) {
      try {
        recorder.write(options.vcd, { endTime: e.time });
      } catch (err) {
        run.vcdError = err instanceof Error ? err.message : String(err);
      }
    }
    settle(e);
  }

  return run;
}

/**
 * A pin event as this thread's own object: one from a message has a copy of
 * each of its strings and takes twice the memory, and the feed keeps up to
 * FEED_KEEP events.
 */
function ownPin(e: Extract<BoardEvent, { type: "pin" }>): BoardEvent {
  const mode = e.mode === "output" ? "output" : e.mode === "input" ? "input" : e.mode === "open-drain" ? "open-drain" : e.mode;
  const pull = e.pull === "none" ? "none" : e.pull === "up" ? "up" : e.pull === "down" ? "down" : e.pull;
  return { type: "pin", pin: e.pin, level: e.level, time: e.time, mode, pull };
}

/**
 * The worker's first code: TypeScript through ts-node, unless this thread
 * has it already (node -r ts-node/register passes execArgv on), then the
 * module aliases and the worker itself.
 */
function bootstrap(): string {
  const tsNode = require.resolve("ts-node", { paths: [ROOT] });
  return [
    `if (!require.extensions[".ts"]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, "tsconfig.json"))} });`,
    `require(${JSON.stringify(path.join(__dirname, "aliases.ts"))});`,
    `require(${JSON.stringify(path.join(__dirname, "app-worker.ts"))});`,
  ].join("\n");
}

export type { EndReason };
