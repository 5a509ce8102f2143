import asyncio, { type Semaphore } from "asyncio";
import type { Scenario } from "./scenario";

// After CPython's test_locks.py SemaphoreTests: FIFO hand-over, no barging, no leaked permit on cancel, bound.
export default {
  name: "semaphore",
  smoke: true,
  expected: [
    "false", "true",
    "----", "0 in", "1 in", "0 out", "1 out", "2 in", "3 in", "2 out", "3 out", "4 in", "4 out",
    "----", "late waits true", "w1 got it", "late got it",
    "----", "a CancelledError", "b CancelledError", "c got it", "locked true", "locked false",
    "----", "RuntimeError", "false",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const s = new asyncio.Semaphore(2);
      await s.acquire();
      print(s.locked());
      await s.acquire();
      print(s.locked());
      s.release();
      s.release();

      print("----");
      async function worker(i: number, sem: Semaphore) {
        await sem.with(async () => {
          print(i, "in");
          await asyncio.sleep(0);
          print(i, "out");
        });
      }
      await asyncio.gather([0, 1, 2, 3, 4].map((i) => () => worker(i, s)));

      print("----");
      const one = new asyncio.Semaphore(1);
      await one.acquire();
      const w1 = asyncio.createTask(async () => {
        await one.acquire();
        print("w1 got it");
        one.release();
      });
      await asyncio.sleep(0);
      one.release(); // handed to w1: a newcomer must wait
      const late = asyncio.createTask(async () => {
        await one.acquire();
        print("late got it");
        one.release();
      });
      print("late waits", one.locked());
      await asyncio.gather([w1, late]);

      print("----");
      await one.acquire();
      const contender = (id: string) => asyncio.createTask(async () => {
        try {
          await one.acquire();
          print(id, "got it");
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      const a = contender("a");
      const b = contender("b");
      contender("c");
      await asyncio.sleep(0);
      a.cancel(); // waiting
      one.release(); // handed to b
      b.cancel(); // before b resumed: c gets it
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      print("locked", one.locked());
      one.release();
      print("locked", one.locked());

      print("----");
      const bounded = new asyncio.BoundedSemaphore(1);
      try {
        bounded.release();
      } catch (e) {
        print((e as Error).name);
      }
      print(bounded.locked());
    });
  },
} satisfies Scenario;
