import asyncio, { type Task } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_cancel_self.py (.exp) + asyncio_cancel_wait_on_finished.py
export default {
  name: "cancel_self",
  expected: [
    "task start", "RuntimeError can't cancel self",
    "main sleep", "sleep_task sleep", "wait_task wait", "main sleep", "sleep_task wake", "main wait", "CancelledError()",
  ],
  async run(print) {
    let globalTask: Task<void>;
    async function task() {
      print("task start");
      globalTask.cancel();
    }
    try {
      await asyncio.run(async () => {
        globalTask = asyncio.createTask(task);
        try {
          await globalTask;
        } catch (er) {
          if (!(er instanceof asyncio.CancelledError)) throw er;
          print("main cancel");
        }
        print("main done");
      });
    } catch (er) {
      if (er instanceof asyncio.RuntimeError) print("RuntimeError", er.message);
    }

    async function sleepTask() {
      print("sleep_task sleep");
      await asyncio.sleep(0);
      print("sleep_task wake");
    }
    async function waitTask(t: Task<void>) {
      print("wait_task wait");
      await t;
      print("wait_task wake");
    }
    await asyncio.run(async () => {
      const sleeping = asyncio.createTask(sleepTask);
      const waiting = asyncio.createTask(() => waitTask(sleeping));
      print("main sleep");
      await asyncio.sleep(0);
      print("main sleep");
      await asyncio.sleep(0);
      waiting.cancel();
      print("main wait");
      try {
        await waiting;
      } catch (er) {
        print(er);
      }
    });
  },
} satisfies Scenario;
