import { Event } from "../asyncio/event";
import { describe } from "../asyncio/ticks";
import { checkDebounced, Debouncer, type InputPin } from "./debouncer";

/**
 * The Debouncer (edge-driven, one task) behind ESwitch and EButton, held
 * rather than inherited: Hinch's `close` and `open` Events would clash with
 * Debouncer.close(). @internal
 */
export class Edges extends Debouncer {
  protected readonly noun: string;
  private readonly onChange: (level: 0 | 1) => void;
  private readonly onStop: () => void;

  constructor(pin: InputPin, debounceMs: number, name: string, noun: string, onChange: (level: 0 | 1) => void, onStop: () => void) {
    super(pin, debounceMs, name);
    this.noun = noun;
    this.onChange = onChange;
    this.onStop = onStop;
  }
  /** The debounced electrical level. */
  debounced(): 0 | 1 {
    return this.level;
  }
  protected changed(level: 0 | 1): void {
    this.onChange(level);
  }
  protected stopped(): void {
    this.onStop();
  }
}

/** A level option (lopen, sense): 0 or 1. @throws TypeError, RangeError @internal */
export function checkLevel(name: string, what: string, v: unknown): 0 | 1 {
  if (typeof v !== "number") throw new TypeError(`${name}: expected ${what} as 0 or 1, got ${describe(v)}`);
  if (v !== 0 && v !== 1) throw new RangeError(`${name}: ${what} must be 0 or 1, got ${v}`);
  return v;
}

export interface ESwitchOptions {
  /** Electrical level of the open switch (default 1: a switch to ground, pin pulled up; Hinch's lopen). */
  lopen?: 0 | 1;
  /** Edges are ignored for this long (ms) after a change (default 50, Hinch's ESwitch.debounce_ms). */
  debounceMs?: number;
}

/**
 * Peter Hinch's ESwitch (micropython-async v3/primitives/events.py,
 * DRIVERS.md §3.1): a debounced switch with an Event interface. `close` is
 * set at each (debounced) closure, `open` at each opening; the application
 * clears them. `value()` (Hinch's `es()`) is 1 while closed, 0 while open.
 *
 * Edge-driven like Switch (the pin's irq, no 50 ms polling): a change is
 * seen at once, then edges are ignored for debounceMs. The switch takes
 * over the pin's irq handler. `deinit()` (or closing its Pin) stops it for
 * good and clears both Events (Hinch); a task still waiting on one is not
 * woken by it.
 * @throws (constructor) TypeError, RangeError for a bad pin or option
 *   (nothing registered then); RuntimeError for a closed or output pin
 */
export class ESwitch {
  /** Set on each opening. */
  readonly open = new Event();
  /** Set on each closure. */
  readonly close = new Event();
  readonly lopen: 0 | 1;
  private readonly edges: Edges;

  constructor(pin: InputPin, options: ESwitchOptions = {}) {
    const { name, debounceMs, read } = checkDebounced("ESwitch", pin, options, ["lopen"]);
    this.lopen = checkLevel(name, "lopen", read.lopen ?? 1);
    this.edges = new Edges(pin, debounceMs, name, "switch", (level) => (level === this.lopen ? this.open : this.close).set(), () => {
      this.open.clear();
      this.close.clear();
    });
  }

  get debounceMs(): number {
    return this.edges.debounceMs;
  }
  /** Debounced state: 1 closed, 0 open (Hinch's `es()`); after deinit(), the last one. */
  value(): 0 | 1 {
    return this.edges.debounced() === this.lopen ? 0 : 1;
  }
  /** Stops watching the pin and clears both Events (Hinch). Idempotent. */
  deinit(): void {
    this.edges.close();
  }
  toString(): string {
    return this.edges.toString();
  }
}
