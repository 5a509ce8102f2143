import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// After CPython's test_locks.py BarrierTests, with Hinch's per-cycle action.
export default {
  name: "barrier",
  smoke: true,
  expected: [
    "3 0 false",
    "action 1", "c index 2", "a index 0", "b index 1",
    "action 2", "c index 2", "a index 0", "b index 1",
    "----", "waiting 1", "after cancel 0", "y index 1", "x index 0",
    "----", "BrokenBarrierError", "BrokenBarrierError", "true", "false",
    "----", "Error action failed", "BrokenBarrierError", "true",
    "----", "RangeError", "TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      let cycle = 0;
      const b = new asyncio.Barrier(3, () => print("action", ++cycle));
      print(b.parties, b.nWaiting, b.broken);
      const party = (id: string) => async () => {
        for (let i = 0; i < 2; i++) {
          for (let k = 0; k < id.charCodeAt(0) - 96; k++) await asyncio.sleep(0);
          print(id, "index", await b.wait());
        }
      };
      await asyncio.gather([party("a"), party("b"), party("c")]);

      print("----");
      const two = new asyncio.Barrier(2);
      const gone = asyncio.createTask(() => two.wait());
      await asyncio.sleep(0);
      print("waiting", two.nWaiting);
      gone.cancel();
      await asyncio.sleep(0);
      print("after cancel", two.nWaiting);
      const x = asyncio.createTask(async () => print("x index", await two.wait()));
      await asyncio.sleep(0);
      print("y index", await two.wait());
      await x;

      print("----");
      const w = asyncio.createTask(() => two.wait());
      await asyncio.sleep(0);
      two.abort();
      try {
        await w;
      } catch (e) {
        print((e as Error).name);
      }
      try {
        await two.wait();
      } catch (e) {
        print((e as Error).name);
      }
      print(two.broken);
      two.reset();
      print(two.broken);

      print("----");
      const bad = new asyncio.Barrier(2, () => {
        throw new Error("action failed");
      });
      const first = asyncio.createTask(() => bad.wait());
      await asyncio.sleep(0);
      try {
        await bad.wait();
      } catch (e) {
        print((e as Error).name, (e as Error).message);
      }
      try {
        await first;
      } catch (e) {
        print((e as Error).name);
      }
      print(bad.broken);

      print("----");
      try {
        new asyncio.Barrier(0);
      } catch (e) {
        print((e as Error).name);
      }
      try {
        new asyncio.Barrier("2" as never);
      } catch (e) {
        print((e as Error).name);
      }
    });
  },
} satisfies Scenario;
