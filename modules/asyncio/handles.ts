import { adoptResult } from "./calluser";
import { safeString } from "./format";
import type { Loop } from "./loop";
import type { Runnable, Scheduler } from "./waiter";

const PENDING = 0;
const RAN = 1;
const CANCELLED = 2;

/**
 * What loop.callSoon() returns (CPython 3.13's asyncio.Handle): a callback
 * queued on the loop's ready queue, run once as a step of its own, outside
 * any task. cancel() before it runs and it never runs.
 */
export class Handle implements Runnable {
  /** The ready queue's link (see Loop.enqueue). */
  next: Runnable | null = null;
  /** @internal */
  readonly loop: Loop;
  private callback: ((...args: any[]) => unknown) | null;
  private args: unknown[] | null;
  /** PENDING, RAN or CANCELLED. */
  private state = PENDING;

  /** @internal use loop.callSoon() / callLater() / callAt() */
  constructor(loop: Loop, callback: (...args: any[]) => unknown, args: unknown[]) {
    this.loop = loop;
    this.callback = callback;
    this.args = args;
  }

  /** Keeps the callback from running (CPython); no effect once it has run. Never throws. */
  cancel(): void {
    if (this.state !== PENDING) return;
    this.state = CANCELLED;
    // Let go of what the callback holds, as CPython does.
    this.callback = null;
    this.args = null;
  }
  /** Whether cancel() was called before the callback ran (CPython's Handle.cancelled()). */
  cancelled(): boolean {
    return this.state === CANCELLED;
  }

  /**
   * @internal One step: calls the callback. What it throws (any value) goes
   * to the loop's exception handler with { message, exception, handle };
   * a promise it returns (an async callback) runs on as a task, whose
   * failure is reported like any task's.
   */
  run(loop: Scheduler): void {
    loop.current = null;
    const fn = this.callback;
    if (fn === null) return;
    const args = this.args!;
    this.state = RAN;
    const l = loop as Loop;
    try {
      adoptResult(l, args.length === 0 ? fn() : fn(...args));
    } catch (e) {
      l.callExceptionHandler({ message: `Exception in callback ${callbackName(fn)}`, exception: e, future: null, handle: this });
    }
    // Let go of what the callback holds (the handle may be kept long after).
    this.callback = null;
    this.args = null;
  }

  toString(): string {
    const fn = this.callback;
    return `<${this.kind()} ${fn !== null ? callbackName(fn) : this.state === RAN ? "(ran)" : "(cancelled)"}>`;
  }
  /** @internal */
  protected kind(): string {
    return "Handle";
  }
}

/**
 * What loop.callLater() and loop.callAt() return (CPython's
 * asyncio.TimerHandle): a callback in the loop's timer heap (no host timer
 * of its own). when() is its deadline in seconds on loop.time(); cancel()
 * takes it out of the heap at once.
 */
export class TimerHandle extends Handle {
  // The timer heap's fields (see Loop.addSleeper).
  /** @internal ms on the loop's clock */
  deadline: number;
  /** @internal */
  seq = 0;
  /** @internal */
  heapIndex = -1;

  /** @internal use loop.callLater() / callAt() */
  constructor(loop: Loop, deadline: number, callback: (...args: any[]) => unknown, args: unknown[]) {
    super(loop, callback, args);
    this.deadline = deadline;
  }

  /** The deadline, in seconds on loop.time() (CPython's TimerHandle.when()). */
  when(): number {
    return this.deadline / 1000;
  }
  override cancel(): void {
    if (this.heapIndex >= 0) this.loop.removeSleeper(this);
    super.cancel();
  }
  /** @internal the heap released it: it is queued behind the ready entries. */
  expired(): void {}

  protected override kind(): string {
    return `TimerHandle when=${safeString(this.when())}`;
  }
}

function callbackName(fn: (...args: any[]) => unknown): string {
  let name = "";
  try {
    name = typeof fn.name === "string" ? fn.name : "";
  } catch {
    // a Proxy whose `name` getter throws
  }
  return `${name || "(anonymous)"}()`;
}
