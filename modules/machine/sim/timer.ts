import { getEventLoop, type Loop, type Sleeper } from "../../asyncio/loop";
import type { Scheduler } from "../../asyncio/waiter";

/**
 * A one-shot callback at an absolute time on the loop's clock, on the
 * loop's timer heap (no host timer of its own): what the simulated
 * peripherals use to make bytes arrive and conversions finish on time,
 * virtual or real. The callback runs as a step of its own, outside any
 * task; what it throws goes to the loop's exception handler.
 */
export class SimTimer implements Sleeper {
  // The timer heap's fields (see Loop.addSleeper).
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  private loop: Loop | null = null;
  private armed = false;
  private due = false;

  constructor(private readonly fire: () => void, private readonly what: string) {}

  /** Fires at `time` ms on the current loop's clock (at once if that has passed), replacing any earlier time. */
  at(time: number): void {
    this.stop();
    const loop = getEventLoop();
    this.loop = loop;
    this.armed = true;
    this.deadline = time;
    loop.addSleeper(this);
  }
  stop(): void {
    if (this.loop && this.heapIndex >= 0) this.loop.removeSleeper(this);
    this.armed = false;
    this.due = false;
  }
  running(): boolean {
    return this.armed;
  }
  when(): number {
    return this.deadline;
  }

  /** @internal the heap released it */
  expired(): void {
    this.due = true;
  }
  /** @internal */
  run(loop: Scheduler): void {
    loop.current = null;
    if (!this.due) return;
    this.due = false;
    this.armed = false;
    try {
      this.fire();
    } catch (e) {
      (loop as Loop).callExceptionHandler({ message: `Exception in the simulated ${this.what}`, exception: e, future: null });
    }
  }
}
