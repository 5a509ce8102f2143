import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_cancel_task.py
export default {
  name: "cancel_task",
  expected: [
    "true", "task start", "true", "main sleep", "task cancel", "task start", "true", "true", "true", "true", "main sleep",
    "task cancel", "main wait", "main got CancelledError", "task start", "task done", "false", "----", "task 2", "task start",
    "main cancel", "main sleep", "task cancel", "task 2 cancel", "----", "task 2", "task start", "main cancel", "main sleep",
    "task cancel", "task 2 done",
  ],
  async run(print) {
    async function task(s: number, allowCancel: boolean) {
      try {
        print("task start");
        await asyncio.sleep(s);
        print("task done");
      } catch (er) {
        if (!(er instanceof asyncio.CancelledError)) throw er;
        print("task cancel");
        if (allowCancel) throw er;
      }
    }
    async function task2(allowCancel: boolean) {
      print("task 2");
      try {
        await asyncio.createTask(() => task(0.05, allowCancel));
      } catch (er) {
        if (er instanceof asyncio.CancelledError) print("task 2 cancel");
        throw er;
      }
      print("task 2 done");
    }
    await asyncio.run(async () => {
      let t = asyncio.createTask(() => task(2, true));
      print(t.cancel());

      t = asyncio.createTask(() => task(2, true));
      await asyncio.sleep(0.01);
      print(t.cancel());
      print("main sleep");
      await asyncio.sleep(0.01);

      t = asyncio.createTask(() => task(2, true));
      await asyncio.sleep(0.01);
      for (let i = 0; i < 4; i++) print(t.cancel());
      print("main sleep");
      await asyncio.sleep(0.01);

      print("main wait");
      try {
        await t;
      } catch (er) {
        if (er instanceof asyncio.CancelledError) print("main got CancelledError");
      }

      t = asyncio.createTask(() => task(0.01, false));
      await asyncio.sleep(0.05);
      print(t.cancel());

      print("----");
      t = asyncio.createTask(() => task2(true));
      await asyncio.sleep(0.01);
      print("main cancel");
      t.cancel();
      print("main sleep");
      await asyncio.sleep(0.1);

      print("----");
      t = asyncio.createTask(() => task2(false));
      await asyncio.sleep(0.01);
      print("main cancel");
      t.cancel();
      print("main sleep");
      await asyncio.sleep(0.1);
    });
  },
} satisfies Scenario;
