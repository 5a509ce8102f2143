import asyncio, { type Task } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_cancel_fair.py + asyncio_cancel_fair2.py
export default {
  name: "cancel_fair",
  smoke: true,
  expected: [
    "start 0", "start 1", "start 2", "done 0", "0 cancels 1", "start 0", "cancelled 1", "1 cancels 0", "start 1", "done 2",
    "start 2", "cancelled 0", "0 cancels 1", "start 0", "cancelled 1", "1 cancels 0", "start 1", "done 2", "start 2",
    "cancelled 0", "0 cancels 1", "cancelled 1", "1 cancels 0", "done 2",
    "==",
    "sleep a", "sleep b 0", "sleep b 1", "sleep b 2", "cancelled a", "done b 0", "done b 1", "done b 2",
  ],
  async run(print) {
    let tasks: Task<void>[] = [];
    async function task(id: number, other: number | null) {
      for (let i = 0; i < 3; i++) {
        try {
          print("start", id);
          await asyncio.sleep(0);
          print("done", id);
        } catch (er) {
          if (!(er instanceof asyncio.CancelledError)) throw er;
          print("cancelled", id);
        }
        if (other !== null) {
          print(id, "cancels", other);
          tasks[other].cancel();
        }
      }
    }
    await asyncio.run(async () => {
      tasks = [asyncio.createTask(() => task(0, 1)), asyncio.createTask(() => task(1, 0)), asyncio.createTask(() => task(2, null))];
      await tasks[2];
    });
    print("==");
    async function taskA() {
      try {
        for (;;) {
          print("sleep a");
          await asyncio.sleep(0);
        }
      } catch (er) {
        if (!(er instanceof asyncio.CancelledError)) throw er;
        print("cancelled a");
      }
    }
    async function taskB(id: number, other: Task<void>) {
      while (other.cancel()) {
        print("sleep b", id);
        await asyncio.sleep(0);
      }
      print("done b", id);
    }
    await asyncio.run(async () => {
      const t = asyncio.createTask(taskA);
      for (let i = 0; i < 3; i++) asyncio.createTask(() => taskB(i, t));
      await t;
    });
  },
} satisfies Scenario;
