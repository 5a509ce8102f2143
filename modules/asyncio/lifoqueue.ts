import { Queue, type QueueStorage } from "./queue";

/**
 * CPython's asyncio.LifoQueue: a Queue whose get() takes the most recently
 * added item first (a stack). Everything else is Queue's: maxsize, the
 * waiting and its order, cancellation (a cancelled get() takes nothing, a
 * cancelled put() adds nothing), taskDone()/join(), and CPython 3.13's
 * shutdown(immediate) with QueueShutDown.
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  protected override get kind(): string {
    return "LifoQueue";
  }
  protected override storage(): QueueStorage<T> {
    return new Stack<T>();
  }
}

class Stack<T> implements QueueStorage<T> {
  private readonly items: T[] = [];
  get length(): number {
    return this.items.length;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    return this.items.pop();
  }
}
