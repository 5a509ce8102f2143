import asyncio, { type ThreadSafeFlag } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_threadsafeflag.py (.exp): "scheduler context" is a host callback here.
export default {
  name: "threadsafeflag",
  smoke: true,
  expected: [
    "yield", "task 1", "set event", "yield", "wait task", "task 1 done",
    "----", "yield", "task 2", "set event", "yield", "wait task", "task 2 done",
    "----", "set event", "yield", "task 3", "task 3 done", "wait task",
    "----", "set event", "yield", "clear event", "yield", "yield", "task 4", "set event", "yield", "wait task", "task 4 done",
    "----", "second waiter: RuntimeError", "two sets, one wake; next wait blocks: true",
  ],
  async run(print) {
    async function task(id: number, flag: ThreadSafeFlag) {
      print("task", id);
      await flag.wait();
      print("task", id, "done");
    }
    await asyncio.run(async () => {
      const flag = new asyncio.ThreadSafeFlag();
      let t = asyncio.createTask(() => task(1, flag));
      print("yield");
      await asyncio.sleep(0);
      print("set event");
      flag.set();
      print("yield");
      await asyncio.sleep(0);
      print("wait task");
      await t;

      print("----");
      t = asyncio.createTask(() => task(2, flag));
      print("yield");
      await asyncio.sleep(0);
      print("set event");
      void Promise.resolve().then(() => flag.set());
      print("yield");
      await asyncio.sleep(0);
      print("wait task");
      await t;

      print("----");
      print("set event");
      flag.set();
      t = asyncio.createTask(() => task(3, flag));
      print("yield");
      await asyncio.sleep(0);
      print("wait task");
      await t;

      print("----");
      print("set event");
      flag.set();
      print("yield");
      await asyncio.sleep(0);
      print("clear event");
      flag.clear();
      print("yield");
      await asyncio.sleep(0);
      t = asyncio.createTask(() => task(4, flag));
      print("yield");
      await asyncio.sleep(0);
      print("set event");
      flag.set();
      print("yield");
      await asyncio.sleep(0);
      print("wait task");
      await t;

      print("----");
      const waiting = asyncio.createTask(() => flag.wait());
      await asyncio.sleep(0);
      try {
        await flag.wait();
      } catch (er) {
        print("second waiter:", er instanceof asyncio.RuntimeError ? "RuntimeError" : er);
      }
      flag.set();
      flag.set();
      await waiting;
      const again = asyncio.createTask(() => flag.wait());
      await asyncio.sleep(0.01);
      print("two sets, one wake; next wait blocks:", !again.done());
      again.cancel();
    });
  },
} satisfies Scenario;
