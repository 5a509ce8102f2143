import asyncio, { type Condition } from "asyncio";
import type { Scenario } from "./scenario";

// After CPython's test_locks.py ConditionTests: wait/notify order, wait_for, re-acquire on cancel, misuse.
export default {
  name: "condition",
  smoke: true,
  expected: [
    "RuntimeError", "RuntimeError",
    "----", "notify 1", "task 0 woke true", "notify 2", "task 1 woke true", "task 2 woke true", "notify all", "task 3 woke true", "task 4 woke true",
    "----", "consumer waits", "produce 1", "produce 2", "consumer sees 2",
    "----", "cancelled waiter holds the lock: true", "after cancel false",
    "----", "w1 CancelledError", "w2 notified",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const cond = new asyncio.Condition();
      try {
        cond.notify();
      } catch (e) {
        print((e as Error).name);
      }
      try {
        await cond.wait();
      } catch (e) {
        print((e as Error).name);
      }

      print("----");
      async function waiter(i: number, c: Condition) {
        await c.with(async () => {
          const r = await c.wait();
          print("task", i, "woke", r);
        });
      }
      const tasks = [0, 1, 2, 3, 4].map((i) => asyncio.createTask(() => waiter(i, cond)));
      await asyncio.sleep(0);
      await cond.with(() => {
        print("notify 1");
        cond.notify();
      });
      await asyncio.sleep(0);
      await cond.with(() => {
        print("notify 2");
        cond.notify(2);
      });
      for (let i = 0; i < 4; i++) await asyncio.sleep(0);
      await cond.with(() => {
        print("notify all");
        cond.notifyAll();
      });
      await asyncio.gather(tasks);

      print("----");
      const items: number[] = [];
      const consumer = asyncio.createTask(() => cond.with(async () => {
        print("consumer waits");
        await cond.waitFor(() => items.length >= 2);
        print("consumer sees", items.length);
      }));
      for (let i = 1; i <= 2; i++) {
        await asyncio.sleep(0);
        await cond.with(() => {
          print("produce", i);
          items.push(i);
          cond.notifyAll();
        });
      }
      await consumer;

      print("----");
      const t = asyncio.createTask(() => cond.with(async () => {
        try {
          await cond.wait();
        } catch (e) {
          print("cancelled waiter holds the lock:", cond.locked());
          throw e;
        }
      }));
      await asyncio.sleep(0);
      t.cancel();
      try {
        await t;
      } catch {
        print("after cancel", cond.locked());
      }

      print("----");
      const w = (id: string) => asyncio.createTask(() => cond.with(async () => {
        try {
          await cond.wait();
          print(id, "notified");
        } catch (e) {
          print(id, (e as Error).name);
        }
      }));
      const w1 = w("w1");
      w("w2");
      await asyncio.sleep(0);
      await cond.with(() => {
        cond.notify();
        w1.cancel(); // notified, cancelled before resuming: w2 gets the notification
      });
      for (let i = 0; i < 4; i++) await asyncio.sleep(0);
    });
  },
} satisfies Scenario;
