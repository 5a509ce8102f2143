/**
 * What the loop needs from a platform: a monotonic clock, ONE re-armable
 * one-shot timer, and somewhere to print errors nobody handled.
 * hosts/<platform>/ implement this; the library itself imports nothing.
 */
export interface Host {
  /** Monotonic milliseconds (may be fractional). */
  now(): number;
  /**
   * Arm the single timer to call `tick` after `delayMs`; re-arming replaces
   * the previous request. `delayMs <= 0` means "on the next host turn, after
   * every pending promise job has run".
   */
  arm(delayMs: number, tick: () => void): void;
  /** Cancel the timer, if armed. */
  disarm(): void;
  /**
   * Optional, on hosts with exact turns: call `tick` once on the next host
   * turn, after every pending promise job, whatever the timer does. The loop
   * asks for one after each step (the hottest path it has: no bookkeeping,
   * on xsnap and Node this is setImmediate itself). It cannot be cancelled:
   * the loop ignores a tick that comes when it has stopped.
   */
  readonly next?: (tick: () => void) => void;
  /** Print a report for a human (the default exception handler uses it). */
  report(text: string): void;
  /**
   * Optional: write one line of the program's own output (print(); the text
   * has no newline). Absent: print() uses report(). Hosts where reports and
   * output go to different places (stderr and stdout) provide it.
   */
  print?(line: string): void;
  /**
   * false when arm(0) may fire while promise jobs are still pending (the
   * Moddable simulator and ESP32 run due timers between job generations).
   * The loop then waits for the running step's task to park or finish before
   * starting the next step. Absent means true (Node's setImmediate, xsnap).
   */
  readonly exactTurns?: boolean;
  /**
   * Absent or true: the engine is XS's kind (Moddable, xsnap), whose heap
   * charges a slot per property and allocates every closure, and the core
   * keeps its objects small XS's way (a task deletes the field it no longer
   * needs, and watches its coroutine through proxies of shared functions and
   * a borrowed species: 14 slots instead of 45; see task.ts). false (Node's
   * hosts, GlobalTimersHost): on V8 and the like a deleted field turns the
   * object into a dictionary, and proxies and a promise's own `constructor`
   * leave the promise fast paths (a task cost 1.8× the time and 450 B more
   * on Node); plain fields and closures are cheaper there.
   */
  readonly compactHeap?: boolean;
  /**
   * Optional: the calendar clock, ms since 1970 UTC (what Date.now() gives).
   * Absent: Date.now(). A host whose time is not the computer's (virtual
   * time) gives one that moves with now(), so that schedule() follows it.
   */
  wallClock?(): number;
}

type Timers = {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate?(fn: () => void): unknown;
  clearImmediate?(handle: unknown): void;
  performance?: { now(): number };
  console?: { log(text: string): void; error?(text: string): void };
  trace?(text: string): void;
};

/**
 * Host built from the usual timer globals (Node, browsers, xsnap with
 * timers). Used when nobody installed a host, so that importing the library
 * under Node works with no set-up.
 */
export class GlobalTimersHost implements Host {
  /** setTimeout and setImmediate: Node's engine (V8), a browser's. */
  readonly compactHeap = false;
  private timeout: unknown = undefined;
  private immediate: unknown = undefined;
  private readonly g: Timers;
  constructor(g: Timers = globalThis as unknown as Timers) {
    if (typeof g.setTimeout !== "function") throw new Error("GlobalTimersHost: this platform has no setTimeout; install a host with setHost()");
    this.g = g;
    const setImmediate = g.setImmediate;
    if (typeof setImmediate === "function") this.next = (tick) => setImmediate(tick);
  }
  declare readonly next?: (tick: () => void) => void;
  now(): number {
    return this.g.performance ? this.g.performance.now() : Date.now();
  }
  private tick: (() => void) | null = null;
  private readonly fireImmediate = (): void => {
    this.immediate = undefined;
    this.tick!();
  };
  private readonly fireTimeout = (): void => {
    this.timeout = undefined;
    this.tick!();
  };
  arm(delayMs: number, tick: () => void): void {
    this.tick = tick;
    const g = this.g;
    if (delayMs <= 0 && g.setImmediate) {
      if (this.timeout !== undefined) {
        g.clearTimeout(this.timeout);
        this.timeout = undefined;
      }
      // Already coming next turn: nothing to change.
      if (this.immediate === undefined) this.immediate = g.setImmediate(this.fireImmediate);
    } else {
      this.disarm();
      this.timeout = g.setTimeout(this.fireTimeout, Math.max(0, Math.ceil(delayMs)));
    }
  }
  disarm(): void {
    if (this.immediate !== undefined) { this.g.clearImmediate?.(this.immediate); this.immediate = undefined; }
    if (this.timeout !== undefined) { this.g.clearTimeout(this.timeout); this.timeout = undefined; }
  }
  print(line: string): void {
    const g = this.g;
    if (g.console) g.console.log(line);
    else if (g.trace) g.trace(line + "\n");
  }
  report(text: string): void {
    const g = this.g;
    if (g.console?.error) g.console.error(text);
    else if (g.console) g.console.log(text);
    else if (g.trace) g.trace(text + "\n");
  }
}
