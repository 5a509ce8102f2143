import type { Host } from "../../modules/asyncio/host";

type Turn = (fn: () => void) => void;

interface Stimulus {
  time: number;
  seq: number;
  fn: () => void;
}

/**
 * Deterministic host for tests: time stands still while anything is ready
 * and jumps straight to the next deadline (or scripted stimulus) otherwise.
 * `turn` must run its callback after every pending promise job (setImmediate
 * on Node and xsnap).
 */
export class VirtualHost implements Host {
  private time: number;
  private target: number | null = null;
  private tick: (() => void) | null = null;
  private scheduled = false;
  private seq = 0;
  private readonly stimuli: Stimulus[] = [];
  readonly reports: string[] = [];
  /** Print reports as well as keeping them. */
  echo = false;
  private readonly turn: Turn;
  private readonly turnCost: number;

  /**
   * `turnCost`: virtual ms each host turn takes (default 0: time moves only
   * when nothing is ready). A scenario whose tasks never stop being ready
   * (busy sleep(0) loops) needs a small cost for time to move at all.
   */
  readonly exactTurns: boolean;

  /**
   * `exactTurns: false` with a `turn` that fires between promise jobs (say,
   * a microtask) models Moddable's timers, which run between job generations.
   */
  /** Host.compactHeap: XS's way (the default, on Node too, so the tests cover it) or V8's. */
  readonly compactHeap: boolean;

  /** Host.wallClock at the start time (default: the computer's Date.now() when the host was made), minus the start. */
  private readonly epoch: number;

  constructor(options: { start?: number; turn?: Turn; turnCost?: number; exactTurns?: boolean; compactHeap?: boolean; epoch?: number } = {}) {
    this.time = options.start ?? 0;
    this.epoch = (options.epoch ?? Date.now()) - this.time;
    this.exactTurns = options.exactTurns ?? true;
    this.compactHeap = options.compactHeap ?? true;
    this.turn = options.turn ?? defaultTurn();
    this.turnCost = options.turnCost ?? 0;
  }

  now(): number {
    return this.time;
  }
  /** The calendar on virtual time: the epoch plus the virtual ms since (schedule() runs on it). */
  wallClock(): number {
    return this.epoch + this.time;
  }
  arm(delayMs: number, tick: () => void): void {
    this.target = this.time + Math.max(0, delayMs);
    this.tick = tick;
    this.schedule();
  }
  disarm(): void {
    this.target = null;
  }
  /** Where reports go besides `reports` (the board's feed under npm start --virtual). */
  onReport: ((text: string) => void) | null = null;
  report(text: string): void {
    this.reports.push(text);
    if (this.onReport) this.onReport(text);
    else if (this.echo) (globalThis as any).console?.log(text);
  }
  /** Lines the program printed (print()). */
  readonly printed: string[] = [];
  /** Where printed lines go besides `printed` (the board view under npm start). */
  onPrint: ((line: string) => void) | null = null;
  print(line: string): void {
    this.printed.push(line);
    if (this.onPrint) this.onPrint(line);
    else if (this.echo) (globalThis as any).console?.log(line);
  }

  /** Models code that computes for `ms` without yielding (a step that blocks the loop): the clock moves on at once. */
  spend(ms: number): void {
    this.time += ms;
  }

  /** Runs fn (outside any task) when virtual time reaches `time` ms. */
  at(time: number, fn: () => void): void {
    const s = { time, seq: this.seq++, fn };
    const list = this.stimuli;
    let i = list.length;
    while (i > 0 && (list[i - 1].time > time)) i--;
    list.splice(i, 0, s);
    this.schedule();
  }
  /** Runs fn `ms` after the current virtual time. */
  after(ms: number, fn: () => void): void {
    this.at(this.time + ms, fn);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.turn(this.fire);
  }

  private readonly fire = (): void => {
    this.scheduled = false;
    this.time += this.turnCost;
    const target = this.target;
    const next = this.stimuli[0];
    if (next && (target === null || next.time <= target)) {
      this.stimuli.shift();
      if (next.time > this.time) this.time = next.time;
      next.fn();
    } else if (target !== null) {
      this.target = null;
      if (target > this.time) this.time = target;
      this.tick!();
    }
    if (this.target !== null || this.stimuli.length) this.schedule();
  };
}

function defaultTurn(): Turn {
  const g = globalThis as any;
  if (typeof g.setImmediate === "function") return (fn) => g.setImmediate(fn);
  if (typeof g.setTimeout === "function") return (fn) => g.setTimeout(fn, 0);
  throw new Error("VirtualHost: no setImmediate or setTimeout here; pass options.turn");
}
