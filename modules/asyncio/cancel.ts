import type { Scheduler } from "./waiter";
import type { Task } from "./task";

/**
 * t.cancel(), except that Task.cancel() refuses to cancel loop.current (the
 * task of the running step, or of the last step until the next turn, which
 * is what a host callback sees): that task is cancelled in a step of its own.
 * msg: the cancel's message (Task.cancel(msg)).
 */
export function cancelSafely(loop: Scheduler, t: Task<any>, msg?: string): void {
  if (t !== loop.current) t.cancel(msg);
  else loop.post(null, () => t.cancel(msg));
}
