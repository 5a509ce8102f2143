import * as path from "path";
import "../aliases";
import { getHost, newEventLoop, setHost } from "../../../modules/asyncio";
import { setDigitalPort, type LineOptions } from "../../../modules/machine/port";
import { SimulatedBoard } from "../board";
import type { BoardEvent, BoardFeed } from "../feed";
import { NodeHost } from "../index";
import { installNodeNet } from "../net";

// The web board's tests need a BoardFeed before the runner has one: this runs
// an app in this process on a SimulatedBoard and feeds its changes and prints.

/** A BoardFeed over a SimulatedBoard in this process. */
export class LocalFeed implements BoardFeed {
  private readonly events: BoardEvent[] = [];
  private readonly listeners = new Set<(e: BoardEvent) => void>();
  /** The board's changes carry no pull; the port wrapper in runLocal() notes it when a pin opens. */
  readonly pulls = new Map<number, LineOptions["pull"]>();

  constructor(private readonly board: SimulatedBoard) {
    const toEvent = (c: (typeof board.history)[number]): BoardEvent => ({ type: "pin", pin: c.pin, level: c.level, time: c.time, mode: c.mode, pull: this.pulls.get(c.pin) ?? "none" });
    for (const c of board.history) this.emit(toEvent(c));
    board.onChange((c) => this.emit(toEvent(c)));
  }

  emit(e: BoardEvent): void {
    this.events.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  subscribe(listener: (e: BoardEvent) => void): () => void {
    for (const e of this.events) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  drive(pin: number, level: 0 | 1 | null): void {
    if (this.board.modeOf(pin) === "input") this.board.drive(pin, level);
  }
}

type EndReason = Extract<BoardEvent, { type: "end" }>["reason"];

/** Runs the app at entry on the Node host, real time, with a LocalFeed; stop() halts it and restores the host. */
export function runLocal(entry: string): { feed: LocalFeed; board: SimulatedBoard; stop(reason?: EndReason): void } {
  installNodeNet();
  const host = new NodeHost();
  const previousHost = getHost();
  setHost(host);
  const loop = newEventLoop();
  const origin = host.now();
  const clock = (): number => host.now() - origin;
  const board = new SimulatedBoard(clock);
  const feed = new LocalFeed(board);
  const previousPort = setDigitalPort({
    name: board.name,
    maxPin: board.maxPin,
    open: (options) => {
      feed.pulls.set(options.pin, options.pull);
      return board.open(options);
    },
  });
  host.print = (line) => feed.emit({ type: "print", line, time: clock() });
  let over = false;
  const stop = (reason: EndReason = "stopped"): void => {
    if (over) return;
    over = true;
    loop.halt();
    setHost(previousHost);
    setDigitalPort(previousPort);
    feed.emit({ type: "end", time: clock(), reason });
  };
  const file = path.resolve(entry);
  delete require.cache[file];
  try {
    require(file);
  } catch (e) {
    stop("error");
    throw e;
  }
  return { feed, board, stop };
}
