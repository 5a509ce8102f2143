import asyncio, { type Task } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_wait_for_fwd.py (.exp) + asyncio_wait_for_linked_task.py
// MicroPython's .exp raises in the cancelled waitFor before aw has handled
// its cancel; here (CPython 3.12) waitFor waits for aw to end first, so
// "awaiting canceled" comes first, and an aw that catches the cancel and
// returns (catchInside) gives its value: the caller's cancel then arrives at
// its next await, and these callers have none.
const block = (caught: boolean, catchInside: boolean) => [
  "----------", "cancel started", "awaiting started", "cancel wait()", "awaiting canceled",
  ...(catchInside ? [] : ["Got canceled", ...(caught ? [] : ["waiting got cancelled"])]),
];

export default {
  name: "wait_for_fwd",
  expected: [
    ...block(false, false), ...block(false, true), ...block(true, true), ...block(true, false),
    "--- async test", "task0 work completed", "-> task0 done", "task1 work completed", "task2 work completed", "-> task2 done",
    "--- sync test", "task0 work completed", "-> task0 done", "task1 work completed", "task2 work completed", "-> task2 done",
  ],
  async run(print) {
    async function awaiting(t: number, returnIfFail: boolean) {
      try {
        print("awaiting started");
        await asyncio.sleep(t);
      } catch (er) {
        if (er instanceof asyncio.CancelledError) {
          print("awaiting canceled");
          if (returnIfFail) return false;
        }
        throw er;
      }
    }
    async function test(caught: boolean, catchInside: boolean) {
      print("----------");
      async function wait() {
        try {
          await asyncio.waitFor(() => awaiting(2, catchInside), 1);
        } catch (er) {
          if (er instanceof asyncio.TimeoutError) print("Got timeout error");
          if (er instanceof asyncio.CancelledError) {
            print("Got canceled");
            if (caught) return;
          }
          throw er;
        }
      }
      async function cancel(t: Task<unknown>) {
        print("cancel started");
        await asyncio.sleep(0.01);
        print("cancel wait()");
        t.cancel();
      }
      const t = asyncio.createTask(wait);
      asyncio.createTask(() => cancel(t));
      try {
        await t;
      } catch (er) {
        if (er instanceof asyncio.CancelledError) print("waiting got cancelled");
      }
    }
    await asyncio.run(() => test(false, false));
    await asyncio.run(() => test(false, true));
    await asyncio.run(() => test(true, true));
    await asyncio.run(() => test(true, false));

    class Worker {
      tasks: Task<void>[] = [];
      launch(job: () => Promise<void>) {
        return asyncio.getEventLoop().createTask(job);
      }
      async job(prerequisite: Task<void> | null, name: string) {
        if (prerequisite) await prerequisite;
        await asyncio.sleep(0.1);
        print(name, "work completed");
      }
      plan() {
        this.tasks.push(this.launch(() => this.job(null, "task0")));
        this.tasks.push(this.launch(() => this.job(this.tasks[0], "task1")));
        this.tasks.push(this.launch(() => this.job(this.tasks[1], "task2")));
      }
    }
    await asyncio.getEventLoop().runUntilComplete(async () => {
      print("--- async test");
      const w = new Worker();
      w.plan();
      await w.tasks[0];
      print("-> task0 done");
      await w.tasks[2];
      print("-> task2 done");
    });
    print("--- sync test");
    const w = new Worker();
    w.plan();
    await asyncio.getEventLoop().runUntilComplete(w.tasks[0]);
    print("-> task0 done");
    await asyncio.getEventLoop().runUntilComplete(w.tasks[2]);
    print("-> task2 done");
  },
} satisfies Scenario;
