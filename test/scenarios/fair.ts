import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_fair.py
export default {
  name: "fair",
  turnCost: 0.01,
  expected: [
    "task start 1", "task start 2", "task work 2", "task start 3", "task work 3", "task start 4",
    "task work 2", "task work 3", "task work 2", "task work 2", "task work 3", "task work 2", "finish",
  ],
  async run(print) {
    async function task(id: number, t: number) {
      print("task start", id);
      for (;;) {
        if (t > 0) print("task work", id);
        await asyncio.sleep(t);
      }
    }
    await asyncio.run(async () => {
      const t1 = asyncio.createTask(() => task(1, -0.01));
      const t2 = asyncio.createTask(() => task(2, 0.1));
      const t3 = asyncio.createTask(() => task(3, 0.18));
      const t4 = asyncio.createTask(() => task(4, -100));
      await asyncio.sleep(0.45);
      t1.cancel();
      t2.cancel();
      t3.cancel();
      t4.cancel();
      print("finish");
    });
  },
} satisfies Scenario;
