import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import type { FromWorker, ToWorker, WorkerData } from "./app-worker";
import { FeedHub, type BoardEvent, type EndReason } from "./feed";
import { createStepMemory, StepReader } from "./stepslot";
import { toVcd, vcdChanges } from "./vcd";
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
  const data: WorkerData = { entry: path.resolve(options.entry), virtual: !!options.virtual, durationMs, memory, debug: !!options.debug };
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

  let endedAt: number | null = null;
  const elapsed = (): number => {
    if (endedAt !== null) return endedAt;
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

  function push(e: BoardEvent): void {
    if (over) return;
    if (e.type !== "stall") lastTime = Math.max(lastTime, e.time);
    feed.push(e);
  }

  worker.on("message", (m: FromWorker) => {
    if (m.type === "started") {
      if (ending) return;
      startedAt = m.epoch - performance.timeOrigin;
      watch();
      if (durationMs !== undefined && !options.virtual) {
        // The worker ends its own run at the duration; this is for when it cannot (a task holds it).
        deadline = setTimeout(() => {
          // No heartbeat for a while: a task holds the thread, asking it would only cost the grace time.
          if (performance.now() - lastBeatAt >= STUCK_MS) void runaway();
          else requestStop("duration");
        }, Math.max(0, startedAt + durationMs - performance.now()) + DEADLINE_MARGIN_MS);
      }
    } else if (m.type === "end") void finish(m);
    else push(m);
  });
  worker.on("error", (e) => {
    void finish({ type: "end", time: elapsed(), reason: "error", message: e instanceof Error ? e.stack ?? e.message : String(e) });
  });
  worker.on("exit", () => {
    // Without an end event: the app called process.exit(), or the thread died.
    void finish({ type: "end", time: elapsed(), reason: "finished" });
  });

  // The thread's heartbeat stops while a task holds it.
  let lastBeatAt = performance.now();
  let checker: ReturnType<typeof setInterval> | undefined;
  function watch(): void {
    let beat = steps.heartbeat();
    lastBeatAt = performance.now();
    let stalled = false;
    checker = setInterval(() => {
      const now = performance.now();
      const b = steps.heartbeat();
      if (b !== beat) {
        beat = b;
        lastBeatAt = now;
        stalled = false;
        return;
      }
      if (stalled || now - lastBeatAt < stallMs) return;
      stalled = true;
      if (options.virtual) {
        void runaway();
        return;
      }
      const s = steps.read();
      push({ type: "stall", time: elapsed(), task: s.task, since: s.since });
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
    graceTimer = setTimeout(() => void runaway(), graceMs);
  }

  /** The app's thread does not answer: say which task holds it, and where, then terminate it. */
  async function runaway(): Promise<void> {
    if (ending || locating) return;
    locating = true;
    const time = elapsed();
    let e: EndEvent = { type: "end", time, reason: "runaway" };
    try {
      const s = steps.read();
      const where = await whereIsWorker(worker, { timeoutMs: 1500, root: ROOT, from: options.from ?? process.cwd() });
      e = { type: "end", time, reason: "runaway", task: s.task, since: s.since };
      const place = where ?? s.context;
      if (place) e.where = place;
    } catch {
      // What ran is unknown: the run still ends.
    }
    await finish(e);
  }
  let locating = false;

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
    push(e);
    over = true;
    endedAt = e.time;
    if (options.vcd) {
      try {
        fs.writeFileSync(options.vcd, toVcd(vcdChanges(feed.history), { endTime: e.time }));
      } catch (err) {
        run.vcdError = err instanceof Error ? err.message : String(err);
      }
    }
    settle(e);
  }

  return run;
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
