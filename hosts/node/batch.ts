// The board's events go from the app's thread to its parent in batches, at
// the pace the parent takes them. One postMessage per event costs the parent
// more than the event itself: a task toggling a pin in a loop without an
// await (a runaway) made a million messages a second, which kept the parent
// too busy to run its timers (the stall warning, the end of --duration) and
// queued without bound. A batch is posted when it is full, when its first
// event is BATCH_MS old, or when the thread's event loop next turns
// (setImmediate), whichever comes first; an event after a quiet spell goes at
// once. A thread held by a task runs no timers, so the size and the age are
// checked as each event comes. The parent acknowledges each batch it has
// taken through shared memory; a thread more than MAX_IN_FLIGHT batches ahead
// waits for it (a board whose pins change faster than anyone can look at them
// is slowed down to the pace of its views, instead of burying them).

/** Events per batch at most. */
export const BATCH_EVENTS = 512;
/** A batch is posted once its first event is this old (ms), or sooner. */
export const BATCH_MS = 10;
/** Batches posted and not yet taken by the parent, at most, before the thread waits. */
export const MAX_IN_FLIGHT = 8;
/** The longest a thread waits for the parent at once (ms): a parent that is busy elsewhere does not hold the app for ever. */
export const MAX_WAIT_MS = 250;

const TAKEN = 0;

export function createBatchMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** The app's thread's side. */
export class EventBatcher<T> {
  private batch: T[] = [];
  private firstAt = 0;
  private lastPostAt = -Infinity;
  private scheduled = false;
  private posted = 0;
  private readonly taken: Int32Array;

  constructor(memory: SharedArrayBuffer, private readonly post: (events: T[]) => void) {
    this.taken = new Int32Array(memory, 0, 1);
  }

  push(e: T): void {
    const now = performance.now();
    this.batch.push(e);
    if (this.batch.length === 1) {
      this.firstAt = now;
      // After a quiet spell the event goes at once: nothing to batch it with, and the app may be about to stop for good.
      if (now - this.lastPostAt >= BATCH_MS) {
        this.flush();
        return;
      }
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    } else if (this.batch.length >= BATCH_EVENTS || now - this.firstAt >= BATCH_MS) this.flush();
  }

  /** Posts what is waiting; then, if the parent is too far behind, waits for it. */
  flush(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.post(events);
    this.posted++;
    this.lastPostAt = performance.now();
    this.waitForParent();
  }

  /** What is waiting, taken out (for a thread that will never flush it itself: see whereIsWorker). */
  take(): T[] {
    const events = this.batch;
    this.batch = [];
    return events;
  }

  private waitForParent(): void {
    const deadline = performance.now() + MAX_WAIT_MS;
    for (;;) {
      const taken = Atomics.load(this.taken, TAKEN);
      if (this.posted - taken <= MAX_IN_FLIGHT) return;
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(this.taken, TAKEN, taken, Math.min(left, 50));
    }
  }
}

/** The parent's side: ack() once a batch's events are in the feed. */
export class BatchAcks {
  private readonly taken: Int32Array;
  constructor(memory: SharedArrayBuffer) {
    this.taken = new Int32Array(memory, 0, 1);
  }
  ack(): void {
    Atomics.add(this.taken, TAKEN, 1);
    Atomics.notify(this.taken, TAKEN);
  }
}
