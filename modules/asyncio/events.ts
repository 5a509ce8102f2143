import { cancelSafely } from "./cancel";
import { CancelledError, isCancelledError, isInstance } from "./errors";
import { describe } from "./format";
import { gather } from "./funcs";
import { Future } from "./future";
import { getEventLoop } from "./loop";
import { Task } from "./task";
import { race, wait } from "./wait";

/**
 * Hinch's "event-like object" (ELO, micropython-async v3/docs/EVENTS.md §3):
 * anything with a `wait()` that pauses until something happens; `clear()` is
 * optional. Event, ThreadSafeEvent, ThreadSafeFlag, Message, DelayMs,
 * WaitAny, WaitAll and ELO all are.
 */
export interface EventLike {
  wait(): PromiseLike<unknown>;
  clear?(): void;
}

/** The array of event-like objects, copied (Hinch iterates it again at each wait: a generator would be spent). */
function checkEvents(fn: string, events: unknown, atLeastOne: boolean): EventLike[] {
  if (events === null || typeof events !== "object" || typeof (events as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${fn}: expected an array of event-like objects (each with a wait() method), got ${describe(events)}`);
  }
  const list = [...(events as Iterable<unknown>)];
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as EventLike | null;
    if (e === null || (typeof e !== "object" && typeof e !== "function") || typeof e.wait !== "function") {
      throw new TypeError(`${fn}: expected an event-like object (with a wait() method) at index ${i}, got ${describe(e)}`);
    }
  }
  if (atLeastOne && list.length === 0) throw new RangeError(`${fn}: the array of event-like objects is empty (the wait would never end)`);
  return list as EventLike[];
}

function clearAll(events: readonly EventLike[]): void {
  for (const e of events) if (typeof e.clear === "function") e.clear();
}

/**
 * Peter Hinch's WaitAny (micropython-async v3/primitives/events.py, EVENTS.md
 * §4.1): `await new WaitAny([e1, e2]).wait()` pauses until the first of the
 * event-like objects (see EventLike; WaitAny and WaitAll nest) is set, and
 * resolves with that object; `event()` gives it again later. When several
 * are set at once the first in the array wins (Hinch: the last to run).
 *
 * Each object's wait() runs in a child task, as Hinch's; the moment one
 * finishes the others are cancelled and wait() returns once they have ended,
 * so no Event is left holding a waiter of ours. Cancelling the task in
 * wait() (or a timeout around it) does the same and raises CancelledError.
 * An object whose wait() raises makes wait() raise that error (Hinch's hangs).
 * @throws (constructor) TypeError for a non-array or an element without
 *   wait(); RangeError for an empty array (nothing could ever end the wait).
 */
export class WaitAny<E extends EventLike = EventLike> implements EventLike {
  private readonly events: E[];
  private trigEvent: E | null = null;

  constructor(events: Iterable<E>) {
    this.events = checkEvents("WaitAny", events, true) as E[];
  }

  /** Resolves with the object that was set first. @throws CancelledError, or what that object's wait() raised */
  async wait(): Promise<E> {
    const { index } = await race(this.events.map((e) => () => e.wait()));
    const e = this.events[index];
    this.trigEvent = e;
    return e;
  }
  /** The object that ended the last wait() (null before any). */
  event(): E | null {
    return this.trigEvent;
  }
  /** clear() on every object that has one (Hinch). */
  clear(): void {
    clearAll(this.events);
  }
}

/**
 * Peter Hinch's WaitAll (micropython-async v3/primitives/events.py, EVENTS.md
 * §4.2): `await new WaitAll([e1, e2]).wait()` pauses until every event-like
 * object has been set (each at some time during the wait: an Event set and
 * cleared again still counts, as Hinch's). An empty array resolves at once.
 *
 * Each object's wait() runs in a child task, as Hinch's. Cancelling the
 * task in wait() (or a timeout) cancels every child still waiting, so no
 * Event keeps a waiter of ours; if one object's wait() raises, the others
 * are cancelled and wait() raises that error.
 * @throws (constructor) TypeError for a non-array or an element without wait()
 */
export class WaitAll implements EventLike {
  private readonly events: EventLike[];

  constructor(events: Iterable<EventLike>) {
    this.events = checkEvents("WaitAll", events, false);
  }

  /** Resolves (undefined) once all were set. @throws CancelledError, or what an object's wait() raised */
  async wait(): Promise<void> {
    const loop = getEventLoop();
    const tasks = this.events.map((e) => loop.createTask(() => e.wait()));
    try {
      await gather(tasks);
    } finally {
      // gather cancels the children when the caller is cancelled, not when one of them fails.
      for (const t of tasks) if (!t.isFinished()) cancelSafely(loop, t);
    }
  }
  /** clear() on every object that has one (Hinch). */
  clear(): void {
    clearAll(this.events);
  }
}

/**
 * Peter Hinch's ELO (micropython-async v3/primitives/events.py, EVENTS.md §6):
 * a task as an event-like object, so it can take part in WaitAny/WaitAll.
 * `new ELO(fn, ...args)` starts fn(...args) as a task at once; `new
 * ELO(task)` wraps a task, `new ELO(coro())` a started coroutine. `wait()` resolves when the task has ended; a
 * cancelled task counts as ended (no error), one that failed makes wait()
 * raise its error. `task()` (Hinch's `elo()`) is the Task, or the
 * CancelledError once a wait() saw it cancelled; `await elo.task()` gives
 * the result.
 *
 * Waiting never cancels the task: when a WaitAny is won by something else,
 * or the waiter is cancelled, the task runs on (Hinch's documented intent;
 * cancel it with `elo.task().cancel()`).
 * @throws (constructor) TypeError when coro is neither a Task, a function nor a promise
 */
export class ELO<T = unknown> implements EventLike {
  private current: Task<T> | CancelledError;

  constructor(coro: Task<T> | PromiseLike<T> | ((...args: any[]) => PromiseLike<T> | T), ...args: unknown[]) {
    if (coro instanceof Task) this.current = coro;
    // Awaited from the task: reading a Future's `then` here would park the caller on it.
    else if (isInstance(coro, Future)) this.current = getEventLoop().createTask(() => coro as unknown as Future<T>);
    else if (typeof coro === "function") this.current = getEventLoop().createTask(() => coro(...args), { name: coro.name });
    else if (coro !== null && typeof coro === "object" && typeof (coro as PromiseLike<T>).then === "function") this.current = getEventLoop().createTask(coro as PromiseLike<T>);
    else throw new TypeError(`ELO: expected a Task, an async function or a started coroutine, got ${describe(coro)}`);
  }

  /** Resolves once the task has ended (undefined). @throws what the task raised, except CancelledError; CancelledError if the caller is cancelled */
  async wait(): Promise<void> {
    const t = this.current;
    if (!(t instanceof Task)) return;
    // wait(), not `await t`: awaiting a task would pass a cancel of ours on to it.
    await wait([t]);
    let e: unknown;
    try {
      e = t.exception();
    } catch (cancelled) {
      // exception() raises the CancelledError of a cancelled task (CPython).
      this.current = cancelled as CancelledError;
      return;
    }
    if (e !== null && !isCancelledError(e)) throw e;
  }
  /** The Task, or its CancelledError once a wait() found it cancelled (Hinch's `elo()`). */
  task(): Task<T> | CancelledError {
    return this.current;
  }
}
