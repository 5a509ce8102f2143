// Errors of the synchronisation primitives beyond the core ones (errors.ts,
// whose named() explains why `name` lives on the prototype).
import { named } from "./errors";

/** Queue.getNowait() / RingbufQueue.getNowait() on an empty queue. */
export class QueueEmpty extends Error {
  constructor(message = "the queue is empty") {
    super(message);
  }
}
named(QueueEmpty, "QueueEmpty");

/** Queue.putNowait() on a full queue; RingbufQueue.putNowait() after overwriting its oldest item. */
export class QueueFull extends Error {
  constructor(message = "the queue is full") {
    super(message);
  }
}
named(QueueFull, "QueueFull");

/**
 * put()/putNowait() on a queue that was shut down, and get()/getNowait() once
 * it is also empty (CPython 3.13's asyncio.QueueShutDown; see Queue.shutdown()).
 */
export class QueueShutDown extends Error {
  constructor(message = "the queue is shut down") {
    super(message);
  }
}
named(QueueShutDown, "QueueShutDown");

/** Barrier.wait() on a barrier that was aborted or reset (CPython's asyncio.BrokenBarrierError). */
export class BrokenBarrierError extends Error {
  constructor(message = "the barrier is broken") {
    super(message);
  }
}
named(BrokenBarrierError, "BrokenBarrierError");

/**
 * What a TaskGroup raises when children (or its body) failed: every error,
 * in the order they happened, in `errors` (CPython raises an ExceptionGroup;
 * JavaScript's equivalent is AggregateError, which this extends).
 */
export class TaskGroupError extends AggregateError {
  constructor(errors: unknown[]) {
    super(errors, `unhandled errors in a TaskGroup (${errors.length} sub-exception${errors.length === 1 ? "" : "s"})`);
  }
}
named(TaskGroupError, "TaskGroupError");
