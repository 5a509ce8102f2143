import { RuntimeError } from "../asyncio/errors";
import { Event } from "../asyncio/event";
import { LoopTimer } from "../asyncio/timer";
import { checkCallback, checkMs, launch, type Callback } from "./launch";

/**
 * Peter Hinch's Delay_ms: a retriggerable software timer (a monostable, or
 * a watchdog). trigger() starts it, or pushes its end further out; when it
 * runs out, wait() resolves and the callback runs (an async callback runs
 * on as a task).
 *
 * It lives in the loop's timer heap: no task and no host timer of its own,
 * so trigger() is cheap and safe from host callbacks (pin interrupts).
 *
 * Differences from Hinch: trigger() with no argument uses the default
 * duration, trigger(0) expires at the next turn (Hinch: 0 means the
 * default); trigger() clears the expiry event, so wait() after a retrigger
 * waits for the new expiry.
 */
export class DelayMs {
  readonly durationMs: number;
  private readonly timer: LoopTimer;
  private readonly expired = new Event();
  private func: Callback | null = null;
  private args: readonly unknown[] = [];
  private result: unknown = undefined;
  private closed = false;

  constructor(durationMs = 1000, callback: Callback | null = null, args: readonly unknown[] = []) {
    this.durationMs = checkMs("DelayMs", "durationMs", durationMs);
    this.callback(callback, args);
    this.timer = new LoopTimer(() => this.expire());
  }

  /** Starts (or restarts) the delay: it runs out ms from now (default: durationMs). */
  trigger(ms?: number): void {
    if (this.closed) throw new RuntimeError("DelayMs.trigger(): the delay was closed");
    const delay = ms === undefined ? this.durationMs : checkMs("DelayMs.trigger()", "ms", ms);
    this.result = undefined;
    this.expired.clear();
    this.timer.start(delay);
  }
  /** Cancels the pending expiry; also clears the expiry event. */
  stop(): void {
    this.timer.stop();
    this.expired.clear();
  }
  /** Triggered and not yet run out or stopped. */
  running(): boolean {
    return this.timer.running();
  }
  /** Resolves when the delay runs out (at once if it has run out since the last trigger() or clear()). */
  wait(): Promise<true> {
    return this.expired.wait();
  }
  /** Clears the expiry event (Hinch's clear()). */
  clear(): void {
    this.expired.clear();
  }
  /** What the callback returned at the last expiry (for an async callback: its Task). */
  rvalue(): unknown {
    return this.result;
  }
  /** Sets (or, with null, removes) the callback. */
  callback(fn: Callback | null, args: readonly unknown[] = []): void {
    if (fn === false as unknown) fn = null;
    checkCallback("DelayMs.callback()", fn, args);
    this.func = fn;
    this.args = args;
  }
  /** Stops the delay for good: trigger() throws afterwards. */
  close(): void {
    this.stop();
    this.closed = true;
  }
  deinit(): void {
    this.close();
  }

  private expire(): void {
    this.expired.set();
    if (this.func) this.result = launch(this.func, this.args, "DelayMs");
  }
}
