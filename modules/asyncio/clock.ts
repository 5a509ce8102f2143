/**
 * A monotonic millisecond clock over a raw counter that wraps. On ESP32,
 * Moddable's `Time.ticks` is a uint32 millisecond count stored as a signed
 * 32-bit integer: it jumps from 2^31−1 to −2^31 after 24.86 days of uptime
 * and wraps every 49.7 days. The loop compares plain numbers (deadline <=
 * now), so a host gives it this clock instead: elapsed time is added up
 * from wrap-safe differences (MicroPython's ticks_diff, modulo `period`),
 * and the result is a double that counts on for 2^53 ms.
 *
 * The raw counter only goes forward, so each difference is taken modulo
 * the period: a reading up to one whole period (49.7 days) after the last
 * one counts in full. The loop reads the clock at least once an hour while
 * anything is scheduled (it never arms its timer for longer), so no time a
 * sleeper waits on can be lost. A device idle for more than a period with
 * nothing scheduled undercounts that idle time by whole periods; nothing
 * was waiting on it, and the next sleep is measured from the next reading.
 */
export class MonotonicClock {
  private last: number | undefined;
  private elapsed = 0;
  private readonly read: () => number;
  private readonly period: number;

  /** `read` returns the raw counter in ms; `period` is its wrap period (2^32 for Time.ticks). */
  constructor(read: () => number, period = 2 ** 32) {
    this.read = read;
    this.period = period;
  }

  /** Milliseconds, monotonic; starts at the first raw reading taken into [0, period). */
  now(): number {
    const raw = this.read();
    const last = this.last;
    if (last === undefined) {
      this.last = raw;
      return (this.elapsed = mod(raw, this.period));
    }
    this.last = raw;
    return (this.elapsed += mod(raw - last, this.period));
  }
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}
