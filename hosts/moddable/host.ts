import Time from "time";
import Timer from "timer";
import type { Host } from "asyncio/host";
import { MonotonicClock } from "asyncio/clock";

// The repeat given to the loop's two timers. The host never lets it come
// round while it matters (each turn reschedules the timer it wants); it is
// there because a nonzero repeat keeps a 0 ms timer at the priority of
// promise jobs on the simulator (lin/timer.c adds a 0 ms timer whose repeat
// is 0 at G_PRIORITY_HIGH, ahead of the GLib source that runs promise jobs,
// so turns would outrun the jobs of the steps they follow) and keeps the
// timer record alive after its callback (a repeat of 0 frees it). About 12
// days: on the simulator an idle loop's last timer comes round that often
// (ignored; lin/timer.c re-adds the repeat after the callback whatever the
// callback did); on a device the host unschedules it.
const REPEAT_MS = 0x3fffffff;

/**
 * The loop's host on XS under the Moddable SDK: Time.ticks for the clock
 * (unwrapped by MonotonicClock), a Timer for the loop's turns, trace() for
 * reports. Moddable runs due timers between promise-job generations, so
 * turns are not exact: the loop waits for each step's task to park
 * (exactTurns = false).
 *
 * The turns run on two Timers, made on first use and kept: each turn
 * schedules the one that is not running. Never a fresh Timer per turn: the
 * simulator's lin/timer.c numbers timers with a 16-bit id and silently drops
 * the timer whose id wraps to 0, so one Timer.set in 65 536 never fires (the
 * loop hung after ~65 000 turns); and on a device a Timer per turn is a
 * malloc and a free per turn on a small heap. Never a timer rescheduled from
 * inside its own callback: lin/timer.c cannot take that (after the callback,
 * a timer whose first interval differs from its repeat gets a fresh GLib
 * source for the repeat, and the source the callback had just scheduled is
 * left untracked; once the callback stops rescheduling, that orphan is a
 * 0 ms source that fires hundreds of thousands of times a second and that
 * nothing can remove). A timer scheduled in another timer's callback runs at
 * the next pass over the timers at the earliest: on a device (mc/timer.c)
 * after the message service has run a generation of promise jobs, on the
 * simulator at the next GLib iteration, beside the promise-job source.
 *
 * An idle loop (every task waiting on an Event, a pin, a socket) has no
 * timer due: it costs no timer callback, on the simulator and on a device.
 */
export class ModdableHost implements Host {
  readonly exactTurns = false;
  readonly compactHeap = true;
  private first: Timer | null = null;
  private second: Timer | null = null;
  /** The timer scheduled for the loop's next turn; null when none is. */
  private pending: Timer | null = null;
  /** The timer whose callback is running (it must not be rescheduled). */
  private firing: Timer | null = null;
  /** The pending timer's delay was 0 ("next turn"): arm(0) again keeps its place. */
  private immediate = false;
  private tick: (() => void) | null = null;
  private readonly fire = (t: Timer): void => {
    // A repeat coming round, or a timer unscheduled too late: not a turn.
    if (t !== this.pending) return;
    this.pending = null;
    this.firing = t;
    const tick = this.tick;
    if (tick) tick();
    this.firing = null;
    // The loop has nothing due: leave no timer scheduled (on a device; the
    // simulator re-adds this one's repeat after the callback regardless).
    if (this.pending === null) this.unscheduleAll();
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
    let t = this.pending;
    if (t === null) {
      // The one not running; made on first use (no native call while preloading).
      t = this.firing !== null && this.firing === this.first ? (this.second ??= Timer.set(this.fire, REPEAT_MS, REPEAT_MS)) : (this.first ??= Timer.set(this.fire, REPEAT_MS, REPEAT_MS));
      this.pending = t;
    } else if (ms === 0 && this.immediate) return; // already coming next turn: it keeps its place
    Timer.schedule(t, ms, REPEAT_MS);
    this.immediate = ms === 0;
  }
  disarm(): void {
    if (this.pending === null) return;
    this.pending = null;
    if (this.firing === null) this.unscheduleAll();
  }
  report(text: string): void {
    trace(text.endsWith("\n") ? text : text + "\n");
  }

  private unscheduleAll(): void {
    if (this.first !== null) Timer.schedule(this.first);
    if (this.second !== null) Timer.schedule(this.second);
  }
}

function readTicks(): number {
  return Time.ticks;
}
