import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_basic.py + asyncio_basic2.py
export default {
  name: "basic",
  expected: ["start", "after sleep", "short", "long", "negative", "took 200 400 0", "main start", "forever start", "main done", "42"],
  async run(print) {
    async function delayPrint(t: number, s: string) {
      await asyncio.sleep(t);
      print(s);
    }
    await asyncio.run(async () => {
      print("start");
      await asyncio.sleep(0.001);
      print("after sleep");
      const t0 = asyncio.ticksMs();
      await delayPrint(0.2, "short");
      const t1 = asyncio.ticksMs();
      await delayPrint(0.4, "long");
      const t2 = asyncio.ticksMs();
      await delayPrint(-1, "negative");
      const t3 = asyncio.ticksMs();
      print("took", asyncio.ticksDiff(t1, t0), asyncio.ticksDiff(t2, t1), asyncio.ticksDiff(t3, t2));
    });
    async function forever() {
      print("forever start");
      await asyncio.sleep(10);
    }
    print(
      await asyncio.run(async () => {
        print("main start");
        asyncio.createTask(forever);
        await asyncio.sleep(0.001);
        print("main done");
        return 42;
      }),
    );
  },
} satisfies Scenario;
