import { getEventLoop, type Loop } from "./loop";
import type { Runnable } from "./waiter";

/**
 * A one-shot callback on the loop's timer heap: no task, no host timer of
 * its own (the loop's single host timer serves it like any sleeper). The
 * callback runs as a step of its own, outside any task. start() re-arms
 * (replacing the previous deadline) and may be called from host callbacks
 * (pin interrupts). Used by timeout() and by DelayMs/Pushbutton (buttons).
 * @internal not exported by "asyncio".
 */
export class LoopTimer implements Runnable {
  // The timer heap's fields (see Loop.addSleeper).
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  private loop: Loop | null = null;
  private armed = false;
  /** Released by the heap and queued to run; start()/stop() since then void it. */
  private due = false;
  private readonly fire: () => void;

  constructor(fire: () => void) {
    this.fire = fire;
  }

  /** Fires after ms milliseconds (<= 0: at the next turn), on the current loop. */
  start(ms: number): void {
    this.stop();
    const loop = getEventLoop();
    this.loop = loop;
    this.armed = true;
    this.deadline = loop.now() + (ms > 0 ? ms : 0);
    loop.addSleeper(this);
  }
  stop(): void {
    if (this.loop && this.heapIndex >= 0) this.loop.removeSleeper(this);
    this.armed = false;
    this.due = false;
  }
  /** Started and not fired or stopped since. */
  running(): boolean {
    return this.armed;
  }
  /** Absolute deadline on the loop's clock (meaningful while running). */
  when(): number {
    return this.deadline;
  }

  /** @internal the heap released it; it is queued behind the ready entries. */
  expired(): void {
    this.due = true;
  }
  /** @internal */
  run(loop: Loop): void {
    loop.current = null;
    if (!this.due) return;
    this.due = false;
    this.armed = false;
    this.fire();
  }
}
