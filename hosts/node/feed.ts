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
   * Only in a replay to a late subscriber (FeedHub keeps the newest events,
   * not the whole run): `count` earlier events are not kept, `time` is the
   * newest of them. Before it come what is known of them: each pin's last
   * "pin", "pwm" and "analog" event, and the last "stall" or "resume" (at
   * their own times); their printed lines are gone.
   */
  | { type: "dropped"; time: number; count: number }
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
  /**
   * Replays the run so far to the listener (the newest events, after a
   * "dropped" event when older ones are no longer kept: see FeedHub), then
   * each new one as it happens; returns the unsubscribe function.
   */
  subscribe(listener: (e: BoardEvent) => void): () => void;
  /**
   * Drives an input pin from outside (a key, a click); null lets it float to its pull.
   * Ignored for a pin that is not an open input (a view may race the app closing it).
   */
  drive(pin: number, level: 0 | 1 | null): void;
}

/**
 * Events a FeedHub keeps by default for a late subscriber (a page opened
 * during the run): some 10 MB; a PWM fade's last half hour (50 changes a
 * second), a runaway toggling a pin's last fraction of a second.
 */
export const FEED_KEEP = 100_000;

/**
 * The feed of one run, on the side of its views: hands every event to its
 * subscribers as it comes, keeps the newest `keep` of them (and the last
 * state of each pin) for one that subscribes late, counts them all, and
 * hands drives to the run. A run's record (its VCD) is a subscriber from the
 * start, so it gets every event.
 */
export class FeedHub implements BoardFeed {
  private readonly listeners = new Set<(e: BoardEvent) => void>();
  /** What was pushed while a subscriber replays, one list each, for it to get next. */
  private readonly catchingUp = new Set<BoardEvent[]>();
  private ended = false;
  /** The newest events, a ring: event n (from 0) is at n % keep. */
  private readonly ring: BoardEvent[] = [];
  private pushed = 0;
  /** Each pin's (and the loop's) last event among those that fell out of the ring, with its number (for their order). */
  private readonly past = new Map<number, { e: BoardEvent; n: number }>();
  private lastDroppedTime = 0;
  private readonly counts = new Map<BoardEvent["type"], number>();
  private readonly keep: number;

  /**
   * driver: applies a drive to the run (it may be in another thread); it is
   * only given levels 0, 1 or null, and never after the end.
   * onListenerError: where a view's exception goes (a failing view must
   * not stop the run or the other views).
   * options.keep: events kept for late subscribers (default FEED_KEEP).
   * @throws RangeError for a keep that is not a positive integer
   */
  constructor(
    private readonly driver: (pin: number, level: 0 | 1 | null) => void,
    private readonly onListenerError: (e: unknown) => void = reportToStderr,
    options: { keep?: number } = {},
  ) {
    this.keep = options.keep ?? FEED_KEEP;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new RangeError(`FeedHub: keep must be a positive integer, got ${String(options.keep)}`);
  }

  /** The events kept, oldest first: the whole run while it has made at most `keep`, then the newest `keep`. */
  get history(): BoardEvent[] {
    const from = this.pushed - this.kept();
    const out: BoardEvent[] = [];
    for (let n = from; n < this.pushed; n++) out.push(this.ring[n % this.keep]);
    return out;
  }

  /** Events no longer kept (older than the history). */
  get dropped(): number {
    return this.pushed - this.kept();
  }

  /** Events of this type so far, the whole run's (kept or not). */
  count(type: BoardEvent["type"]): number {
    return this.counts.get(type) ?? 0;
  }

  /** Adds an event and hands it to every subscriber; nothing is added after "end". */
  push(e: BoardEvent): void {
    if (this.ended) return;
    if (e.type === "end") this.ended = true;
    this.counts.set(e.type, this.count(e.type) + 1);
    const slot = this.pushed % this.keep;
    if (this.pushed >= this.keep) this.forget(this.ring[slot], this.pushed - this.keep);
    this.ring[slot] = e;
    this.pushed++;
    for (const pending of this.catchingUp) pending.push(e);
    for (const l of [...this.listeners]) this.deliver(l, e);
  }

  isEnded(): boolean {
    return this.ended;
  }

  subscribe(listener: (e: BoardEvent) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("subscribe(): expected a function");
    const before = [...this.past.values()].sort((a, b) => a.n - b.n).map((p) => p.e);
    const replay = this.dropped ? [...before, { type: "dropped", time: this.lastDroppedTime, count: this.dropped } as const, ...this.history] : this.history;
    // A listener may make the run push more while it replays: those come after, in order, none lost.
    const pending: BoardEvent[] = [];
    this.catchingUp.add(pending);
    try {
      for (const e of replay) this.deliver(listener, e);
      for (let i = 0; i < pending.length; i++) this.deliver(listener, pending[i]);
    } finally {
      this.catchingUp.delete(pending);
    }
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

  private kept(): number {
    return Math.min(this.pushed, this.keep);
  }

  /** Event n leaves the ring: what it says of a pin's (or the loop's) state stays, until a later one says more. */
  private forget(e: BoardEvent, n: number): void {
    this.lastDroppedTime = e.time;
    // A number, not a string: a runaway evicts hundreds of thousands a second.
    const key = e.type === "pin" ? e.pin : e.type === "pwm" ? 0x10000 + e.pin : e.type === "analog" ? 0x20000 + e.pin : e.type === "stall" || e.type === "resume" ? -1 : null;
    if (key === null) return;
    const known = this.past.get(key);
    if (known) {
      known.e = e;
      known.n = n;
    } else this.past.set(key, { e, n });
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
