import Time from "time";
import Timer from "timer";
import type { Host } from "asyncio/host";
import { MonotonicClock } from "asyncio/clock";

// The repeat given to every timer the host sets. The host clears each timer
// in its own callback, so the repeat never comes round; it is there because
// a nonzero repeat keeps a 0 ms timer at the priority of promise jobs on the
// simulator: lin/timer.c adds a 0 ms timer whose repeat is 0 at
// G_PRIORITY_HIGH, ahead of the GLib source that runs promise jobs, so turns
// would outrun the jobs of the steps they follow.
const REPEAT_MS = 3_600_000;

/**
 * The loop's host on XS under the Moddable SDK: Time.ticks for the clock
 * (unwrapped by MonotonicClock), a Timer for the loop's turns, trace() for
 * reports. Moddable runs due timers between promise-job generations, so
 * turns are not exact: the loop waits for each step's task to park
 * (exactTurns = false).
 *
 * At most one Timer is scheduled at a time, and none while nothing is due:
 * an idle loop (every task waiting on an Event, a pin, a socket) costs no
 * timer callback at all, on the simulator and on a device.
 *
 * A timer is never rescheduled from inside its own callback. The SDK's Linux
 * timer (modules/base/timer/lin/timer.c) cannot take that: after the
 * callback, a timer whose first interval differs from its repeat gets a
 * fresh GLib source for the repeat, and the source the callback had just
 * scheduled is left untracked; once the callback stops rescheduling, that
 * orphan is a 0 ms source returning G_SOURCE_CONTINUE, which fires hundreds
 * of thousands of times a second and nothing can remove. So the firing
 * timer is cleared first thing in its callback (the SDK frees it once the
 * callback returns, on lin/timer.c and mc/timer.c alike), and an arm() made
 * while the loop turns sets a new timer. arm() outside the callback
 * (a host callback: a pin edge, a socket, a user's Timer) reschedules the
 * pending timer, which is not running and so is safe to move. A timer set
 * in a callback runs at the next pass over the timers at the earliest: on a
 * device (mc/timer.c) after the message service has run a generation of
 * promise jobs, on the simulator at the next GLib iteration, beside the
 * promise-job source.
 */
export class ModdableHost implements Host {
  readonly exactTurns = false;
  /** The scheduled timer; null when none is (the idle loop costs nothing). */
  private timer: Timer | null = null;
  /** The pending timer's delay was 0 ("next turn"): arm(0) again keeps its place. */
  private immediate = false;
  private tick: (() => void) | null = null;
  private readonly fire = (t: Timer): void => {
    // Cleared before anything else, so that no callback reschedules the timer it runs in.
    Timer.clear(t);
    if (t !== this.timer) return;
    this.timer = null;
    const tick = this.tick;
    if (tick) tick();
  };

  // Time.ticks wraps (ESP32: int32, after 24.86 days); the loop needs a
  // clock that does not. Made on first use: no native call while preloading.
  private clock: MonotonicClock | null = null;

  now(): number {
    return (this.clock ??= new MonotonicClock(readTicks)).now();
  }
  arm(delayMs: number, tick: () => void): void {
    this.tick = tick;
    const ms = delayMs > 0 ? Math.ceil(delayMs) : 0;
    if (this.timer === null) this.timer = Timer.set(this.fire, ms, REPEAT_MS);
    else if (ms === 0 && this.immediate) return; // already coming next turn: it keeps its place
    else Timer.schedule(this.timer, ms, REPEAT_MS);
    this.immediate = ms === 0;
  }
  disarm(): void {
    const t = this.timer;
    if (t === null) return;
    this.timer = null;
    Timer.clear(t);
  }
  report(text: string): void {
    trace(text.endsWith("\n") ? text : text + "\n");
  }
}

function readTicks(): number {
  return Time.ticks;
}
