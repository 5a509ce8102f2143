import * as fs from "fs";
import * as path from "path";
import "./aliases";
import { getHost, newEventLoop, setHost, type Loop } from "../../modules/asyncio";
import { setDigitalPort } from "../../modules/machine/port";
import { VirtualHost } from "../virtual";
import { SimulatedBoard } from "./board";
import { NodeHost } from "./index";
import { installNodeNet } from "./net";
import { toVcd } from "./vcd";
import { BoardView } from "./view";

export interface RunOptions {
  /** The app module (a .ts file that builds its tasks and starts the loop). */
  entry: string;
  /** Seconds to run; undefined: until Ctrl-C or until the app ends. */
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
  host: NodeHost | VirtualHost;
  /** Settles when the run is over (duration elapsed or stop()). */
  finished: Promise<void>;
  /** ms since the app started, on the run's clock. */
  elapsed(): number;
  stop(): void;
}

/** Runs an app on the simulated board, with the Node host or virtual time. */
export function runApp(options: RunOptions): Run {
  installNodeNet();
  const host = options.virtual ? new VirtualHost() : new NodeHost();
  const previousHost = getHost();
  setHost(host);
  const loop = newEventLoop();
  // The board's clock starts with the app (the Node host's clock starts with the process).
  const origin = host.now();
  const board = new SimulatedBoard(() => host.now() - origin);
  const previousPort = setDigitalPort(board);
  const out = options.out ?? process.stdout;
  const view = options.view === false ? null : new BoardView(board, out);
  // print() goes to the board view (above the LEDs on a terminal), else to the output.
  const printLine = (line: string): void => {
    if (view) view.print(line);
    else out.write(`${line}\n`);
  };
  if (host instanceof VirtualHost) host.onPrint = printLine;
  else host.print = printLine;
  let settle!: () => void;
  const finished = new Promise<void>((r) => (settle = r));
  let over = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    if (over) return;
    over = true;
    if (timer) clearTimeout(timer);
    const end = host.now() - origin;
    loop.halt();
    view?.finish();
    if (options.vcd) fs.writeFileSync(options.vcd, toVcd(board.history, { endTime: end }));
    setHost(previousHost);
    setDigitalPort(previousPort);
    settle();
  };
  if (options.duration !== undefined) {
    const ms = options.duration * 1000;
    if (host instanceof VirtualHost) host.at(ms, stop);
    else timer = setTimeout(stop, ms);
  }
  const entry = path.resolve(options.entry);
  delete require.cache[entry];
  require(entry);
  if (options.duration === undefined && host instanceof VirtualHost) {
    throw new Error("runApp: virtual time needs a duration");
  }
  return { board, loop, host, finished, stop, elapsed: () => host.now() - origin };
}
