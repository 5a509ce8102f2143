import type { LineOptions } from "../../modules/machine/port";

/**
 * What a view of the simulated board (terminal, browser, VCD writer) sees of
 * a run, and the one thing it can do to it: drive an input. The app may run
 * in another thread than its views, so everything here is plain data that
 * survives structured cloning.
 */
export type BoardEvent =
  /** A pin was opened or changed level; time in ms since the app started (ticksMs()'s origin). */
  | { type: "pin"; pin: number; level: 0 | 1; time: number; mode: LineOptions["mode"]; pull: LineOptions["pull"] }
  /** A line the app printed. */
  | { type: "print"; line: string; time: number }
  /** The run is over: its duration elapsed, the app finished, it was stopped, or it was stopped while a task never yielded. */
  | { type: "end"; time: number; reason: string };

export interface BoardFeed {
  /** Replays every event so far to the listener, then each new one as it happens; returns the unsubscribe function. */
  subscribe(listener: (e: BoardEvent) => void): () => void;
  /**
   * Drives an input pin from outside (a key, a click); null lets it float to its pull.
   * Ignored for a pin that is not an open input (a view may race the app closing it).
   */
  drive(pin: number, level: 0 | 1 | null): void;
}
