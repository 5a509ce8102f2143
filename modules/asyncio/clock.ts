/**
 * A monotonic millisecond clock over a raw counter that wraps. On ESP32,
 * Moddable's `Time.ticks` is a uint32 millisecond count stored as a signed
 * 32-bit integer: it jumps from 2^31−1 to −2^31 after 24.86 days of uptime
 * and wraps every 49.7 days. The loop compares plain numbers (deadline <=
 * now), so a host gives it this clock instead: elapsed time is added up
 * from wrap-safe differences (MicroPython's ticks_diff, modulo `period`),
 * and the result is a double that counts on for 2^53 ms.
 *
 * Each difference must span less than half the period (24.8 days on a
 * 32-bit counter): the loop reads the clock at least once an hour while
 * anything is scheduled (it never arms its timer for longer). A difference
 * that looks negative (a counter stepping back) counts as zero, so now()
 * never goes back. Time that passes while nothing is scheduled and the
 * clock is not read for more than half a period may be undercounted; nothing
 * waits on it then.
 */
export class MonotonicClock {
  private last: number | undefined;
  private elapsed = 0;
  private readonly read: () => number;
  private readonly period: number;
  private readonly half: number;

  /** `read` returns the raw counter in ms; `period` is its wrap period (2^32 for Time.ticks). */
  constructor(read: () => number, period = 2 ** 32) {
    this.read = read;
    this.period = period;
    this.half = period / 2;
  }

  /** Milliseconds, monotonic; starts at the first raw reading taken into [0, period). */
  now(): number {
    const raw = this.read();
    const last = this.last;
    if (last === undefined) {
      this.last = raw;
      return (this.elapsed = mod(raw, this.period));
    }
    const d = mod(raw - last, this.period);
    // A reading behind the last one is ignored until the counter passes it again.
    if (d < this.half) {
      this.last = raw;
      this.elapsed += d;
    }
    return this.elapsed;
  }
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}
