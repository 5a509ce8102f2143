import { RuntimeError } from "../asyncio/errors";
import { LoopTimer } from "../asyncio/timer";
import { checkCallback, checkMs, launch, type Callback } from "./launch";
import { Pulse } from "../asyncio/pulse";

const CALLBACK_CHOICES = "a function, null or false (none)";

/**
 * Peter Hinch's Delay_ms: a retriggerable software timer (a monostable, or
 * a watchdog). trigger() starts it, or pushes its end further out; when it
 * runs out, wait() resolves and the callback runs (an async callback runs
 * on as a task). Whatever the callback throws goes to the loop's exception
 * handler, and the delay can be triggered again.
 *
 * It lives in the loop's timer heap: no task and no host timer of its own,
 * so trigger() is cheap and safe from host callbacks (pin interrupts).
 *
 * Differences from Hinch: trigger() with no argument uses the default
 * duration, trigger(0) expires at the next turn (Hinch: 0 means the
 * default); trigger() clears the expiry event, so wait() after a retrigger
 * waits for the new expiry. close() ends it for good.
 */
export class DelayMs {
  readonly durationMs: number;
  private readonly timer: LoopTimer;
  private readonly expiries = new Pulse<true>();
  /** The expiry event: set when the delay runs out, cleared by trigger(), stop() and clear(). */
  private expired = false;
  private func: Callback | null = null;
  private args: readonly unknown[] = [];
  private result: unknown = undefined;
  private closed = false;

  /**
   * durationMs: the default delay in ms (1000); callback(...args) runs at
   * each expiry (null or false: none).
   * @throws TypeError, RangeError
   */
  constructor(durationMs = 1000, callback: Callback | null = null, args: readonly unknown[] = []) {
    this.durationMs = checkMs("DelayMs", "durationMs", durationMs);
    checkCallback("DelayMs", callback, args, CALLBACK_CHOICES);
    this.func = callback || null;
    this.args = args;
    this.timer = new LoopTimer(() => this.expire());
  }

  /**
   * Starts (or restarts) the delay: it runs out ms milliseconds from now (default: durationMs).
   * @throws TypeError, RangeError (ms), RuntimeError (closed)
   */
  trigger(ms?: number): void {
    const delay = ms === undefined ? this.durationMs : checkMs("DelayMs.trigger()", "ms", ms);
    this.checkOpen("trigger");
    this.result = undefined;
    this.expired = false;
    this.timer.start(delay);
  }
  /** Cancels the pending expiry; also clears the expiry event. */
  stop(): void {
    this.timer.stop();
    this.expired = false;
  }
  /** Triggered and not yet run out or stopped. */
  running(): boolean {
    return this.timer.running();
  }
  /**
   * Resolves to true when the delay runs out (at once if it has run out
   * since the last trigger(), stop() or clear()). Rejects with RuntimeError
   * once closed, pending calls included.
   */
  wait(): Promise<true> {
    if (this.closed) return Promise.reject(this.closedError("wait"));
    if (this.expired) return Promise.resolve(true);
    return this.expiries.wait();
  }
  /** Clears the expiry event (Hinch's clear()). */
  clear(): void {
    this.expired = false;
  }
  /** What the callback returned at the last expiry (for an async callback: its Task). */
  rvalue(): unknown {
    return this.result;
  }
  /**
   * Sets (or, with null or false, removes) the callback.
   * @throws TypeError, RuntimeError (closed)
   */
  callback(fn: Callback | null, args: readonly unknown[] = []): void {
    checkCallback("DelayMs.callback()", fn, args, CALLBACK_CHOICES);
    this.checkOpen("callback");
    this.func = fn || null;
    this.args = args;
  }
  /** Stops the delay for good and rejects pending wait()s; trigger(), wait() and callback() refuse afterwards. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.expiries.fail(() => this.closedError("wait"));
  }
  deinit(): void {
    this.close();
  }

  private checkOpen(method: string): void {
    if (this.closed) throw this.closedError(method);
  }
  private closedError(method: string): RuntimeError {
    return new RuntimeError(`DelayMs.${method}(): the delay is closed`);
  }
  private expire(): void {
    this.expired = true;
    this.expiries.fire(true);
    if (this.func) this.result = launch(this.func, this.args, "DelayMs");
  }
}
