import * as path from "path";
import type { Loop } from "../../modules/asyncio";
import type { VirtualHost } from "../virtual";
import { runBoardScript, setUpAppBoard, type AppClockHost } from "./appboard";
import type { SimulatedBoard } from "./board";
import { FeedHub, type BoardEvent } from "./feed";
import { VcdRecorder } from "./vcd";
import { BoardView } from "./view";

export { startApp, type BoardRun, type EndEvent, type StartOptions } from "./thread";

export interface RunOptions {
  /** The app module (a .ts file that builds its tasks and starts the loop). */
  entry: string;
  /** Seconds to run; undefined: until stop(). */
  duration?: number;
  /** Write every pin change here as a Value Change Dump. */
  vcd?: string;
  /** Run on virtual time (as fast as possible, deterministic). */
  virtual?: boolean;
  /** Draw the board (default true). */
  view?: boolean;
  out?: NodeJS.WriteStream;
}

export interface Run {
  board: SimulatedBoard;
  loop: Loop;
  host: AppClockHost | VirtualHost;
  /** What views see: the same events as a run in its own thread (startApp). */
  feed: FeedHub;
  /** Settles when the run is over (duration elapsed or stop()). */
  finished: Promise<void>;
  /** ms since the app started, on the run's clock (the app's ticksMs()). */
  elapsed(): number;
  stop(): void;
}

/**
 * Runs an app in this thread on the simulated board, with the app's clock
 * on the Node host or with virtual time. Tests script it (host.at(),
 * board.drive()); `npm start` uses startApp(), whose thread can be
 * terminated when a task never yields.
 */
export function runApp(options: RunOptions): Run {
  if (options.virtual && options.duration === undefined) throw new Error("runApp: virtual time needs a duration");
  let feed!: FeedHub;
  const { host, loop, board, restore } = setUpAppBoard({ virtual: !!options.virtual, emit: (e: BoardEvent) => feed.push(e) });
  feed = new FeedHub((pin, level) => {
    board.driveInput(pin, level);
  });
  // Subscribed before any event: the VCD has every change, whatever the feed keeps.
  const recorder = options.vcd ? new VcdRecorder() : null;
  if (recorder) feed.subscribe((e) => recorder.record(e));
  const out = options.out ?? process.stdout;
  const view = options.view === false ? null : new BoardView(feed, { out });
  // Without a view, reports still reach a human (the Node host's usual standard error).
  if (!view) feed.subscribe((e) => {
    if (e.type === "print" && e.stderr) process.stderr.write(`${e.line}\n`);
  });
  let settle!: () => void;
  const finished = new Promise<void>((r) => (settle = r));
  let over = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    if (over) return;
    over = true;
    if (timer) clearTimeout(timer);
    const end = host.now();
    loop.halt();
    feed.push({ type: "end", time: end, reason: options.duration !== undefined && end >= options.duration * 1000 ? "duration" : "stopped" });
    view?.finish();
    if (options.vcd) recorder!.write(options.vcd, { endTime: end });
    restore();
    settle();
  };
  if (options.duration !== undefined) {
    const ms = options.duration * 1000;
    if ("at" in host) host.at(ms, stop);
    else timer = setTimeout(stop, ms);
  }
  const entry = path.resolve(options.entry);
  runBoardScript(entry, board);
  delete require.cache[entry];
  require(entry);
  return { board, loop, host, feed, finished, stop, elapsed: () => host.now() };
}
