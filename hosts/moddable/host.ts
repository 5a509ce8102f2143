import Time from "time";
import Timer from "timer";
import type { Host } from "asyncio/host";
import { MonotonicClock } from "asyncio/clock";

// A repeating timer survives its callback (a one-shot is freed after firing),
// so the loop's single timer is created once and rescheduled. A nonzero
// repeat also keeps it at the priority of promise jobs on the simulator
// (a 0/0 timer outranks them there).
const IDLE_REPEAT_MS = 3_600_000;

/**
 * The loop's host on XS under the Moddable SDK: Time.ticks for the clock
 * (unwrapped by MonotonicClock),
 * ONE Timer rescheduled with Timer.schedule, trace() for reports.
 * Moddable runs due timers between promise-job generations, so turns are not
 * exact: the loop waits for each step's task to park (exactTurns = false).
 */
export class ModdableHost implements Host {
  readonly exactTurns = false;
  private timer: Timer | null = null;
  private tick: (() => void) | null = null;

  // Time.ticks wraps (ESP32: int32, after 24.86 days); the loop needs a
  // clock that does not. Made on first use: no native call while preloading.
  private clock: MonotonicClock | null = null;

  now(): number {
    return (this.clock ??= new MonotonicClock(readTicks)).now();
  }
  arm(delayMs: number, tick: () => void): void {
    this.tick = tick;
    const ms = delayMs > 0 ? Math.ceil(delayMs) : 0;
    if (this.timer === null) this.timer = Timer.repeat(() => this.fire(), IDLE_REPEAT_MS);
    Timer.schedule(this.timer, ms, IDLE_REPEAT_MS);
  }
  disarm(): void {
    if (this.timer !== null) Timer.schedule(this.timer);
  }
  report(text: string): void {
    trace(text.endsWith("\n") ? text : text + "\n");
  }
  private fire(): void {
    const tick = this.tick;
    if (tick) tick();
  }
}

function readTicks(): number {
  return Time.ticks;
}
