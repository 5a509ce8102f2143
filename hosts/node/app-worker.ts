// The app's thread under `npm start`: runs the app on the simulated board
// and posts what happens to the parent (hosts/node/thread.ts), which owns the
// views and can terminate this thread when a task never gives the loop back.
import * as path from "path";
import { parentPort, workerData } from "worker_threads";
import { formatError, getEventLoop, print, type Loop } from "../../modules/asyncio";
import { runBoardScript, setUpAppBoard } from "./appboard";
import { EventBatcher } from "./batch";
import type { BoardEvent } from "./feed";
import { StepWriter } from "./stepslot";
import { VirtualHost } from "../virtual";

export interface WorkerData {
  entry: string;
  virtual: boolean;
  /** ms; undefined: until stopped or until the app is done. */
  durationMs?: number;
  memory: SharedArrayBuffer;
  /** The batches' flow control (batch.ts). */
  batches: SharedArrayBuffer;
  /** Loop.setDebug(true) on every loop the app runs. */
  debug: boolean;
}
/** Parent to worker. */
export type ToWorker = { type: "drive"; pin: number; level: 0 | 1 | null } | { type: "stop"; reason: "stopped" | "duration" };
/**
 * Worker to parent: the board's events (in batches, see batch.ts; the end
 * alone, after the last batch), and when the app's clock started (ms since
 * the epoch, as performance.timeOrigin + now()).
 */
export type FromWorker = { type: "events"; events: BoardEvent[] } | Extract<BoardEvent, { type: "end" }> | { type: "started"; epoch: number };

const HEARTBEAT_MS = 50;

const port = parentPort!;
const data = workerData as WorkerData;
const batcher = new EventBatcher<BoardEvent>(data.batches, (events) => port.postMessage({ type: "events", events } satisfies FromWorker));
/** A message of its own, after every event before it. */
const post = (m: FromWorker): void => {
  batcher.flush();
  port.postMessage(m);
};
// What a thread held by a task still has in its batch: the parent takes it through the inspector (whereIsWorker) before it terminates the thread.
(globalThis as { takeBoardEvents?: () => BoardEvent[] }).takeBoardEvents = () => batcher.take();

// The library is compiled (ts-node) before the app's clock starts: "machine"
// alone took ~0.7 s on a loaded machine, which the app's first tick showed.
require("../../modules/machine");
require("../../modules/buttons");

// The parent keeps the run's record (its feed): a second one here would only grow.
const { host, loop, board } = setUpAppBoard({ virtual: data.virtual, emit: (e) => batcher.push(e), keepHistory: false });
// process.exit(code) in the app ends this thread at once: what it did before still reaches the board.
process.on("exit", () => batcher.flush());

// XS's trace() (the device's console: xsbug, the serial port), which the type check lets an app use: its text, a line at each "\n".
let traced = "";
const trace = (...parts: unknown[]): void => {
  traced += parts.map((p) => (typeof p === "string" ? p : String(p))).join("");
  for (let i = traced.indexOf("\n"); i >= 0; i = traced.indexOf("\n")) {
    print(traced.slice(0, i));
    traced = traced.slice(i + 1);
  }
};
const conversation = (text: unknown): void => trace(typeof text === "string" ? text : "<buffer>", "\n");
(globalThis as { trace?: unknown }).trace = Object.assign(trace, { left: conversation, center: conversation, right: conversation });
const steps = new StepWriter(data.memory, () => host.now());

// The loop the app runs on may be one it makes itself (newEventLoop()): every
// loop asks this host for its turns, so each is watched as it first does.
let watched: Loop | null = null;
const watchCurrentLoop = (): void => {
  const current = getEventLoop();
  if (current === watched) return;
  watched = current;
  steps.watch(current);
  if (data.debug) current.setDebug(true);
};
watchCurrentLoop();
/**
 * On virtual time, when the duration ends the run (ms); the app's wake-up at
 * or past it ends the run instead. Not a stimulus of the virtual host's:
 * that would keep the clock going to the duration after the app is done.
 */
const virtualEnd = host instanceof VirtualHost ? data.durationMs : undefined;
const arm = host.arm.bind(host);
host.arm = (delayMs, tick) => {
  watchCurrentLoop();
  if (virtualEnd !== undefined && host.now() + delayMs >= virtualEnd) arm(virtualEnd - host.now(), () => end("duration"));
  else arm(delayMs, tick);
};
const next = (host as { next?: (tick: () => void) => void }).next;
if (next) {
  (host as { next?: (tick: () => void) => void }).next = (tick) => {
    watchCurrentLoop();
    next.call(host, tick);
  };
}

setInterval(() => steps.beat(), HEARTBEAT_MS).unref();

let over = false;
function end(reason: "duration" | "finished" | "stopped" | "error", message?: string): void {
  if (over) return;
  over = true;
  try {
    loop.halt();
  } catch {
    // The app's own loop may be another one; the parent terminates this thread anyway.
  }
  const e: Extract<BoardEvent, { type: "end" }> = { type: "end", time: host.now(), reason };
  if (message !== undefined) e.message = message;
  post(e);
}

port.on("message", (m: ToWorker) => {
  if (over) return;
  if (m.type === "stop") end(m.reason);
  else if (m.type === "drive") {
    // An edge runs the pin's interrupt handler right here: if that never returns, it is what the parent reports.
    steps.context(`the GPIO${m.pin} interrupt handler`);
    try {
      board.driveInput(m.pin, m.level);
    } catch (e) {
      getEventLoop().callExceptionHandler({ message: `Exception driving GPIO${m.pin} from the board view`, exception: e, future: null });
    }
    steps.step(getEventLoop().current);
    if (waitingForInput) {
      // The press may have let the app finish: see beforeExit below.
      waitingForInput = false;
      port.unref();
    }
  }
});
// The app decides how long this thread lives: its timers and sockets. With
// none left, the app is done (its loop stopped: asyncio.run's main returned,
// and whatever tasks it left are not run on, as MicroPython's run()), before
// the duration too: the run ends then. Or its loop still runs and waits for
// an input, as a board waits for its button: then the thread waits for the
// next drive (or stop) from the parent, up to the duration; on virtual time,
// where no drive comes while the clock races, the clock goes to the duration.
let waitingForInput = false;
port.unref();
process.on("beforeExit", () => {
  if (over) return;
  const appLoop = getEventLoop();
  if (!appLoop.isRunning()) {
    if (appLoop.mainFailedUnawaited) {
      // A handler of the app's own took the error: it is not necessarily above.
      const where = appLoop.getExceptionHandler() === null ? "its error is above" : "its error went to the app's exception handler";
      end("error", `the app's main failed (${where}) and nothing awaited asyncio.run()`);
    }
    else end("finished");
  }
  else if (virtualEnd !== undefined) {
    (host as VirtualHost).spend(Math.max(0, virtualEnd - host.now()));
    end("duration");
  } else {
    waitingForInput = true;
    port.ref();
  }
});

if (data.durationMs !== undefined && virtualEnd === undefined) setTimeout(() => end("duration"), data.durationMs).unref();

/** A load error's stack without the frames of Node's and ts-node's loaders under the app's own (they say nothing about the app). */
function withoutLoader(report: string): string {
  return report.split("\n").filter((l) => !/^\s+at (.*(node:internal\/|[\\/]node_modules[\\/]ts-node[\\/]|\(node:)|require \()/.test(l)).join("\n");
}

const entry = path.resolve(data.entry);
steps.context("the app's top-level code");
post({ type: "started", epoch: performance.timeOrigin + performance.now() - host.now() });
try {
  runBoardScript(entry, board);
  require(entry);
} catch (e) {
  end("error", withoutLoader(formatError(e)));
}
steps.step(getEventLoop().current);
