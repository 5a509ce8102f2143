import type { LineOptions } from "../../modules/machine/port";

/** Why a run ended (BoardEvent "end"). */
export type EndReason =
  /** Its --duration elapsed. */
  | "duration"
  /** The app had nothing left to do (its loop stopped, no timer or socket left). */
  | "finished"
  /** Stopped from outside: q, Ctrl-C, a signal, stop(). */
  | "stopped"
  /** It had to be terminated: a task never gave the loop back (see the event's task and where). */
  | "runaway"
  /** The app failed to load or threw outside any task (see the event's message). */
  | "error";

/**
 * What a view of the simulated board (terminal, browser, VCD writer) sees of
 * a run, and the one thing it can do to it: drive an input. The app may run
 * in another thread than its views, so everything here is plain data that
 * survives structured cloning. Times are ms since the app started, the
 * origin of the app's ticksMs().
 */
export type BoardEvent =
  /** A pin was opened or changed level (or was opened again with another mode or pull). */
  | { type: "pin"; pin: number; level: 0 | 1; time: number; mode: LineOptions["mode"]; pull: LineOptions["pull"] }
  /**
   * An ADC pin's reading changed (or the pin was opened, or given a new
   * waveform): `value` as readU16() gives it (0 … 65535), `uv` in µV.
   */
  | { type: "analog"; pin: number; value: number; uv: number; time: number }
  /** A PWM output was started or changed: duty 0 … 65535, freq in Hz; deinit() reports duty 0 (the output stops, low). */
  | { type: "pwm"; pin: number; duty: number; freq: number; time: number }
  /**
   * A line the app printed (print(), console.log). `stderr`: a report (an
   * error nobody handled, console.error), which a terminal keeps on standard error.
   */
  | { type: "print"; line: string; time: number; stderr?: boolean }
  /**
   * No task has given the loop back for a while (real time: the run goes on,
   * as a board would, until it is stopped). `task`: as in "end"; `since`: when its step started.
   */
  | { type: "stall"; time: number; task: string | null; since: number }
  /** The loop runs again after a stall (the stall's task and since): the task gave it back at last. */
  | { type: "resume"; time: number; task: string | null; since: number }
  /**
   * The run is over; nothing follows. For a runaway: `task` is the name of
   * the task that was running ("" when it has none: a task made from a
   * started coroutine; null when no task was: the app's top-level code or a
   * callback), `where` the line it was stuck on when that could be found,
   * `since` when its step started. `message`: the error, for "error".
   * `code`: the app ended its thread with process.exit(code) ("finished").
   */
  | { type: "end"; time: number; reason: EndReason; task?: string | null; where?: string; since?: number; message?: string; code?: number };

export interface BoardFeed {
  /** Replays every event so far to the listener, then each new one as it happens; returns the unsubscribe function. */
  subscribe(listener: (e: BoardEvent) => void): () => void;
  /**
   * Drives an input pin from outside (a key, a click); null lets it float to its pull.
   * Ignored for a pin that is not an open input (a view may race the app closing it).
   */
  drive(pin: number, level: 0 | 1 | null): void;
}

/**
 * The feed of one run, on the side of its views: keeps every event (a view
 * that subscribes late gets the whole run) and hands drives to the run.
 */
export class FeedHub implements BoardFeed {
  /** Every event so far, in order. */
  readonly history: BoardEvent[] = [];
  private readonly listeners = new Set<(e: BoardEvent) => void>();
  private ended = false;

  /**
   * driver: applies a drive to the run (it may be in another thread); it is
   * only given levels 0, 1 or null, and never after the end.
   * onListenerError: where a view's exception goes (a failing view must
   * not stop the run or the other views).
   */
  constructor(
    private readonly driver: (pin: number, level: 0 | 1 | null) => void,
    private readonly onListenerError: (e: unknown) => void = reportToStderr,
  ) {}

  /** Adds an event and hands it to every subscriber; nothing is added after "end". */
  push(e: BoardEvent): void {
    if (this.ended) return;
    if (e.type === "end") this.ended = true;
    this.history.push(e);
    for (const l of [...this.listeners]) this.deliver(l, e);
  }

  isEnded(): boolean {
    return this.ended;
  }

  subscribe(listener: (e: BoardEvent) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("subscribe(): expected a function");
    // Replay by index: a listener may make the run push more while it replays.
    for (let i = 0; i < this.history.length; i++) this.deliver(listener, this.history[i]);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** @throws TypeError for a pin that is not an integer or a level not 0, 1 or null (a view's bug, not a race). */
  drive(pin: number, level: 0 | 1 | null): void {
    if (!Number.isInteger(pin)) throw new TypeError(`drive(): expected a pin number, got ${String(pin)}`);
    if (level !== 0 && level !== 1 && level !== null) throw new TypeError(`drive(): expected the level as 0, 1 or null, got ${String(level)}`);
    if (this.ended) return;
    this.driver(pin, level);
  }

  private deliver(listener: (e: BoardEvent) => void, e: BoardEvent): void {
    try {
      listener(e);
    } catch (err) {
      try {
        this.onListenerError(err);
      } catch {
        // Nowhere left to report to.
      }
    }
  }
}

function reportToStderr(e: unknown): void {
  process.stderr.write(`a board view failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
}
