import asyncio, { type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_wait_for.py (.exp) + asyncio_micropython.py (waitForMs, sleepMs)

export default {
  name: "wait_for",
  // MicroPython's .exp, except where this library follows CPython 3.12 and
  // the "nothing lost" rule (README, Guarantees), as issue 9 asks:
  // - task_catch swallows the timeout's cancel and returns: its value
  //   (undefined) wins over TimeoutError (CPython 3.11/3.12 print None).
  // - A cancelled waitFor waits for aw to end before raising (CPython), so aw
  //   prints its own lines first, and an aw that swallows the cancel and
  //   returns gives its value (the caller's cancel comes at its next await).
  // - cancel before aw started: aw never runs (CPython), no "task start 5";
  //   aw resumed from sleep(0) but not yet run: it gets the CancelledError
  //   (CPython), no "task end 6".
  // - aw had finished (task 7) when the caller was cancelled: the caller
  //   gets aw's result and the cancel at its next await; MicroPython and
  //   CPython raise CancelledError and drop the result. With no runner task
  //   in between, task 8's waitFor ends one step sooner than MicroPython's.
  expected: [
    "task start 1", "task end 1", "2", "----------",
    "task start 2", "timeout", "----------",
    "task_catch start", "ignore cancel", "task_catch done", "undefined", "----------",
    "task start", "ValueError", "----------",
    "task start 3", "task end 3", "6", "----------",
    "task start 4", "task_cancel_other start", "task_cancel_other cancel", "CancelledError()", "----------",
    "task_wait_for_cancel start", "task start 4", "task_wait_for_cancel cancelled", "----------",
    "task_wait_for_cancel_ignore start", "task_catch start", "ignore cancel", "task_catch done", "----------",
    "task_wait_for_cancel start", "cancel wait_for", "task_wait_for_cancel cancelled", "CancelledError()", "----------",
    "task_wait_for_cancel start", "task start 6", "cancel wait_for", "task_wait_for_cancel cancelled", "CancelledError()", "----------",
    "task_wait_for_cancel start", "task start 7", "task end 7", "cancel wait_for", "----------",
    "task_wait_for_cancel start", "task start 8", "task end 8", "finished before cancel undefined", "----------",
    "finish",
    "==", "true", "task start 1", "task end 1", "2", "task start 2", "timeout", "finish",
  ],
  async run(print) {
    async function task(id: number, t: number) {
      print("task start", id);
      await asyncio.sleep(t);
      print("task end", id);
      return id * 2;
    }
    async function taskCatch() {
      print("task_catch start");
      try {
        await asyncio.sleep(0.2);
      } catch (er) {
        if (!(er instanceof asyncio.CancelledError)) throw er;
        print("ignore cancel");
      }
      print("task_catch done");
    }
    async function taskRaise(): Promise<never> {
      print("task start");
      throw new ValueError();
    }
    async function taskCancelOther(t: number, other: Task<unknown>) {
      print("task_cancel_other start");
      await asyncio.sleep(t);
      print("task_cancel_other cancel");
      other.cancel();
    }
    async function taskWaitForCancel(id: number, t: number, tWait: number) {
      print("task_wait_for_cancel start");
      try {
        await asyncio.waitFor(() => task(id, t), tWait);
      } catch (er) {
        if (er instanceof asyncio.CancelledError) print("task_wait_for_cancel cancelled");
        throw er;
      }
    }
    async function taskWaitForCancelIgnore(tWait: number) {
      print("task_wait_for_cancel_ignore start");
      try {
        await asyncio.waitFor(taskCatch, tWait);
      } catch (er) {
        if (er instanceof asyncio.CancelledError) print("task_wait_for_cancel_ignore cancelled");
        throw er;
      }
    }
    const sep = "-".repeat(10);
    await asyncio.run(async () => {
      print(await asyncio.waitFor(() => task(1, 0.01), 10));
      print(sep);
      try {
        print(await asyncio.waitFor(() => task(2, 10), 0.01));
      } catch (er) {
        if (er instanceof asyncio.TimeoutError) print("timeout");
      }
      print(sep);
      try {
        print(await asyncio.waitFor(taskCatch, 0.1));
      } catch (er) {
        if (er instanceof asyncio.TimeoutError) print("TimeoutError");
      }
      print(sep);
      try {
        print(await asyncio.waitFor(taskRaise, 1));
      } catch (er) {
        if (er instanceof ValueError) print("ValueError");
      }
      print(sep);
      print(await asyncio.waitFor(() => task(3, 0.1), null));
      print(sep);
      let t: Task<unknown> = asyncio.createTask(() => task(4, 10));
      asyncio.createTask(() => taskCancelOther(0.01, t));
      try {
        print(await asyncio.waitFor(t, 1));
      } catch (er) {
        print(er);
      }
      print(sep);
      t = asyncio.createTask(() => taskWaitForCancel(4, 1, 2));
      await asyncio.sleep(0.01);
      t.cancel();
      await asyncio.sleep(0.01);
      print(sep);
      t = asyncio.createTask(() => taskWaitForCancelIgnore(2));
      await asyncio.sleep(0.01);
      t.cancel();
      await asyncio.sleep(0.01);
      print(sep);
      for (let n = 1; n < 5; n++) {
        t = asyncio.createTask(() => taskWaitForCancel(4 + n, 0, 2));
        for (let i = 0; i < n; i++) await asyncio.sleep(0);
        if (t.done()) {
          print("finished before cancel", await t);
          print(sep);
          continue;
        }
        print("cancel wait_for");
        t.cancel();
        try {
          await t;
        } catch (er) {
          print(er);
        }
        print(sep);
      }
      print("finish");
    });

    print("==");
    await asyncio.run(async () => {
      const t0 = asyncio.ticksMs();
      await asyncio.sleepMs(1);
      print(asyncio.ticksDiff(asyncio.ticksMs(), t0) < 100);
      print(await asyncio.waitForMs(() => task(1, 0.005), 50));
      try {
        print(await asyncio.waitForMs(() => task(2, 0.05), 5));
      } catch (er) {
        if (er instanceof asyncio.TimeoutError) print("timeout");
      }
      print("finish");
    });
  },
} satisfies Scenario;
