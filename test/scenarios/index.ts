import type { Scenario } from "./scenario";
import basic from "./basic";
import fair from "./fair";
import cancelTask from "./cancel_task";
import cancelFair from "./cancel_fair";
import cancelSelf from "./cancel_self";
import cancelMsg from "./cancel_msg";
import currentTask from "./current_task";
import event from "./event";
import exception from "./exception";
import exceptionHandler from "./exception_handler";
import gather from "./gather";
import gatherFinishedEarly from "./gather_finished_early";
import lock from "./lock";
import loop from "./loop";
import taskDone from "./task_done";
import threadsafeflag from "./threadsafeflag";
import waitFor from "./wait_for";
import waitForFwd from "./wait_for_fwd";
import waitTask from "./wait_task";
import queue from "./queue";
import semaphore from "./semaphore";
import condition from "./condition";
import barrier from "./barrier";
import taskgroup from "./taskgroup";
import timeout from "./timeout";
import shield from "./shield";
import asCompleted from "./as_completed";
import callLater from "./call_later";
import timeoutAt from "./timeout_at";
import every from "./every";
import utf8 from "./utf8";
import priorityQueue from "./priority_queue";
import queueShutdown from "./queue_shutdown";
import threadsafeQueue from "./threadsafe_queue";
import message from "./message";
import broker from "./broker";
import sched from "./sched";
import future from "./future";
import waitAny from "./wait_any";
import threadsafeEvent from "./threadsafe_event";

/** Every conformance scenario, in the order they run. */
export const scenarios: Scenario[] = [
  basic, fair, cancelTask, cancelFair, cancelSelf, cancelMsg, currentTask, event, exception, exceptionHandler, gather,
  gatherFinishedEarly, lock, loop, taskDone, threadsafeflag, waitFor, waitForFwd, waitTask,
  shield, asCompleted, callLater, timeoutAt,
  queue, semaphore, condition, barrier, taskgroup, timeout, every, utf8,
  priorityQueue, queueShutdown, threadsafeQueue,
  message, broker, sched,
  waitAny, threadsafeEvent,
  future,
];
