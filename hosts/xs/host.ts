import { formatError, safeString } from "../../modules/asyncio/format";
import type { Host } from "../../modules/asyncio/host";

// Globals of xsnap-worker (XS inside a Node-driven process).
declare const setImmediate: (fn: () => void) => void;
declare const performance: { now(): number };
declare const print: (...text: unknown[]) => void;
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;

/**
 * The loop's host inside xsnap. setImmediate runs after every pending
 * promise job (the turn the loop needs). xsnap has no timers: on real time a
 * wait asks the Node parent to answer after the delay (XS is idle meanwhile);
 * on virtual time use hosts/virtual with this host's turn.
 */
const SPIN_MS = 2.5;

export class XsHost implements Host {
  readonly compactHeap = true;
  /** The loop wants its tick (armed and not disarmed since). */
  private armed = false;
  /** A setImmediate is on its way. */
  private pending = false;
  private target = 0;
  private tick: (() => void) | null = null;
  private readonly origin = performance.now();
  /** Number of times the host asked the parent to sleep (1 per idle wait). */
  waits = 0;

  now(): number {
    return performance.now() - this.origin;
  }
  /** The loop's turn after each step: setImmediate runs after every pending promise job. */
  readonly next = setImmediate;

  arm(delayMs: number, tick: () => void): void {
    this.tick = tick;
    this.target = delayMs > 0 ? this.now() + delayMs : 0;
    this.armed = true;
    if (!this.pending) {
      this.pending = true;
      setImmediate(this.fire);
    }
  }
  // A setImmediate callback: an exception leaving it ends xsnap (and would
  // abort the VM on a device). The loop's tick catches what its steps throw;
  // the parent's sleep is guarded here, off the hot path (a try on every
  // turn costs about 2.5% of a task switch in compute). The sleep blocks XS,
  // so nothing can re-arm or disarm meanwhile.
  private readonly fire = (): void => {
    this.pending = false;
    if (!this.armed) return;
    if (this.target > 0) this.sleepUntilTarget();
    this.armed = false;
    this.tick!();
  };
  private sleepUntilTarget(): void {
    // The parent's sleep costs about a millisecond of IPC: ask it for all
    // but the last few ms, then spin on the clock for the rest.
    const wait = this.target - this.now();
    if (wait > SPIN_MS) {
      this.waits++;
      try {
        hostRequest({ t: "sleep", ms: wait - SPIN_MS });
      } catch (e) {
        this.report(`XsHost: the parent's sleep failed; spinning instead\n${formatError(e)}`);
      }
    }
    while (this.now() < this.target);
  }
  disarm(): void {
    this.armed = false;
  }
  /** One line of the program's output (print()): the worker's output, as reports. Never throws. */
  print(line: string): void {
    this.report(line);
  }
  /** Prints a report; text that is not a string (a caller's mistake) is printed as safeString gives it. Never throws. */
  report(text: string): void {
    try {
      print(typeof text === "string" ? text : safeString(text));
    } catch {
      // print failed: nowhere left to report to
    }
  }
}

export const turn = (fn: () => void): void => setImmediate(fn);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A synchronous request to the Node parent (hosts/xs/worker.ts answers it).
 * Throws when the message can't be sent (not JSON-serialisable) or the reply
 * is not JSON.
 */
export function hostRequest(message: object): unknown {
  const reply = issueCommand(encoder.encode(JSON.stringify(message)).buffer as ArrayBuffer);
  return reply.byteLength ? JSON.parse(decoder.decode(reply)) : undefined;
}
