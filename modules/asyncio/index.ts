/**
 * asyncio for the Moddable SDK: MicroPython's asyncio on XS, in TypeScript.
 * import asyncio from "asyncio"; await asyncio.sleep(1);
 */
import { CancelledError, RuntimeError, TimeoutError } from "./errors";
import { Event } from "./event";
import { createTask, currentTask, gather, getRunningLoop, run, sleep, sleepMs, waitFor, waitForMs } from "./funcs";
import { GlobalTimersHost } from "./host";
import { Lock } from "./lock";
import { Loop, getEventLoop, getHost, newEventLoop, setHost } from "./loop";
import { Task } from "./task";
import { ThreadSafeFlag } from "./threadsafeflag";
import { ticksAdd, ticksDiff, ticksFrom } from "./ticks";
import { Queue } from "./queue";
import { RingbufQueue } from "./ringbufqueue";
import { LifoQueue } from "./lifoqueue";
import { PriorityQueue } from "./priorityqueue";
import { ThreadSafeQueue } from "./threadsafequeue";
import { QueueShutDown } from "./syncerrors";
import { Semaphore } from "./semaphore";
import { BoundedSemaphore } from "./boundedsemaphore";
import { Condition } from "./condition";
import { Barrier } from "./barrier";
import { TaskGroup, taskGroup } from "./taskgroup";
import { timeout, timeoutMs } from "./timeout";
import { Timeout, timeoutAt } from "./timeout";
import { shield } from "./shield";
import { AsCompleted, asCompleted } from "./ascompleted";
import { Handle, TimerHandle } from "./handles";
import { wait, race, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from "./wait";
import { MonotonicClock } from "./clock";
import { Ticker, every, everyMs } from "./every";
import { formatError, safeString } from "./format";
import { print } from "./print";
import { wrapFuture } from "./future";
import { RINGBUF_MAX_CAPACITY } from "./ringbufqueue";
import { QueueEmpty, QueueFull, BrokenBarrierError, TaskGroupError } from "./syncerrors";
import { EOFError, IncompleteReadError, READ_BUFFER_LIMIT, Server, Stream, openConnection, startServer, streamOf, utf8Decode, utf8Encode } from "./stream";
import { NoNetPortError, OSError, getNetPort, setDefaultNetPort, setNetPort } from "./netport";
import { Message } from "./message";
import { Agent, Broker } from "./broker";
import { Sequence, schedule } from "./sched";
import { cron, range } from "./cron";
import { WaitAny, WaitAll, ELO } from "./events";
import { ThreadSafeEvent } from "./threadsafeevent";
import { launch, setGlobalException } from "./launch";
import { InvalidStateError } from "./errors";
import { Future, isFuture, ensureFuture } from "./future";
import { Runner } from "./runner";

/** MicroPython's time.ticks_ms() on the current loop's clock. */
export function ticksMs(): number {
  return ticksFrom(getEventLoop().now());
}

export type { Host } from "./host";
export type { AsCompletedOptions } from "./ascompleted";
export { shield, asCompleted, AsCompleted, timeoutAt, Timeout, Handle, TimerHandle };
export type { EveryOptions, MissedTicks, Tick } from "./every";
export type { Coro, ExceptionContext, ExceptionHandler, TaskOptions } from "./loop";
export type { GatherOptions, RunOptions } from "./funcs";
export type { WaitOptions, ReturnWhen, RaceResult } from "./wait";
export type { ConnectionCallback, StreamSource } from "./stream";
export type { NetPort, NetSocket, NetListener, SocketHandlers, ListenHandlers } from "./netport";
export {
  CancelledError, TimeoutError, RuntimeError,
  Event, ThreadSafeFlag, Lock, Task, Loop,
  createTask, currentTask, gather, run, sleep, sleepMs, waitFor, waitForMs,
  getEventLoop, newEventLoop, setHost, getHost, GlobalTimersHost,
  ticksAdd, ticksDiff, every, everyMs, Ticker, getRunningLoop,
};

const asyncio = {
  shield, asCompleted, AsCompleted, timeoutAt, Timeout, Handle, TimerHandle,
  CancelledError, TimeoutError, RuntimeError,
  Event, ThreadSafeFlag, Lock, Task, Loop,
  createTask, currentTask, gather, run, sleep, sleepMs, waitFor, waitForMs,
  getEventLoop, newEventLoop, setHost, getHost, GlobalTimersHost,
  ticksMs, ticksAdd, ticksDiff, every, everyMs, Ticker, getRunningLoop,
  Queue, RingbufQueue, Semaphore, BoundedSemaphore, Condition, Barrier, TaskGroup, taskGroup, timeout, timeoutMs,
  QueueEmpty, QueueFull, BrokenBarrierError, TaskGroupError,
  PriorityQueue, LifoQueue, ThreadSafeQueue, QueueShutDown,
  wait, race, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, MonotonicClock, formatError, safeString, RINGBUF_MAX_CAPACITY, print, wrapFuture,
  openConnection, startServer, streamOf, Stream, StreamReader: Stream, StreamWriter: Stream, Server, EOFError, IncompleteReadError, OSError, NoNetPortError,
  READ_BUFFER_LIMIT, setNetPort, setDefaultNetPort, getNetPort, utf8Encode, utf8Decode,
  Message, Broker, Agent, schedule, Sequence, cron, range,
  WaitAny, WaitAll, ELO, ThreadSafeEvent, launch, setGlobalException,
  Future, isFuture, ensureFuture, InvalidStateError, Runner,
};
export default asyncio;

export {
  Queue, RingbufQueue, Semaphore, BoundedSemaphore, Condition, Barrier, TaskGroup, taskGroup, timeout, timeoutMs,
  QueueEmpty, QueueFull, BrokenBarrierError, TaskGroupError,
  wait, race, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, MonotonicClock, formatError, safeString, RINGBUF_MAX_CAPACITY, print, wrapFuture,
};
export {
  openConnection, startServer, streamOf, Stream, Stream as StreamReader, Stream as StreamWriter, Server, EOFError, IncompleteReadError, OSError, NoNetPortError,
  READ_BUFFER_LIMIT, setNetPort, setDefaultNetPort, getNetPort, utf8Encode, utf8Decode,
};
export { PriorityQueue, LifoQueue, ThreadSafeQueue, QueueShutDown };
export type { PriorityItem } from "./priorityqueue";
export { Message, Broker, Agent, schedule, Sequence, cron, range };
export type { BrokerAgent } from "./broker";
export type { CronField, CronSpec } from "./cron";
export type { ScheduleOptions } from "./sched";
export { WaitAny, WaitAll, ELO, ThreadSafeEvent, launch, setGlobalException };
export type { EventLike } from "./events";
export { Future, isFuture, ensureFuture, InvalidStateError, Runner };
export type { FutureCallback, FutureOptions } from "./future";
export type { RunnerOptions } from "./runner";
