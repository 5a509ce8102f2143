import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// CPython's test_queues.py order tests (PriorityQueue, LifoQueue), with equal
// priorities first in, first out (CPython would compare the values instead),
// waiting getters and putters, and cancellation.
export default {
  name: "priority_queue",
  smoke: true,
  expected: [
    "priority order: 1 2 3", "lifo order: 2 3 1",
    "equal priorities: urgent-1 urgent-2 urgent-3 normal-1 normal-2 low",
    "----", "worker waiting", "got 0 alarm", "got 1 sensor", "got 5 log", "got 9 idle",
    "----", "put waits while full", "got 1 a", "put 0 z", "got 0 z", "got 2 b",
    "----", "g1 CancelledError", "g2 got 4 x", "left 0",
    "----", "lifo: worker got c", "lifo: worker got b", "lifo: worker got a",
    "----", "TypeError PriorityQueue.putNowait(): expected a [priority, value] array with a number as priority, got string \"job\"",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const pq = new asyncio.PriorityQueue<[number, null]>();
      for (const n of [1, 3, 2]) pq.putNowait([n, null]);
      print("priority order:", pq.getNowait()[0], pq.getNowait()[0], pq.getNowait()[0]);
      const lq = new asyncio.LifoQueue<number>();
      for (const n of [1, 3, 2]) lq.putNowait(n);
      print("lifo order:", lq.getNowait(), lq.getNowait(), lq.getNowait());
      const jobs = new asyncio.PriorityQueue<[number, string]>();
      for (const job of [[1, "urgent-1"], [5, "normal-1"], [1, "urgent-2"], [9, "low"], [5, "normal-2"], [1, "urgent-3"]] as [number, string][]) jobs.putNowait(job);
      const order: string[] = [];
      while (!jobs.empty()) order.push(jobs.getNowait()[1]);
      print("equal priorities:", order.join(" "));

      print("----");
      const q = new asyncio.PriorityQueue<[number, string]>();
      const worker = asyncio.createTask(async () => {
        print("worker waiting");
        for (let i = 0; i < 4; i++) {
          const [p, what] = await q.get();
          print("got", p, what);
        }
      });
      await asyncio.sleep(0);
      // All four arrive before the worker resumes: it takes them best first.
      q.putNowait([5, "log"]);
      q.putNowait([9, "idle"]);
      q.putNowait([0, "alarm"]);
      q.putNowait([1, "sensor"]);
      await worker;

      print("----");
      const bounded = new asyncio.PriorityQueue<[number, string]>(2);
      bounded.putNowait([2, "b"]);
      bounded.putNowait([1, "a"]);
      const p = asyncio.createTask(async () => {
        print("put waits while full");
        await bounded.put([0, "z"]);
        print("put 0 z");
      });
      await asyncio.sleep(0);
      const show = (item: [number, string]) => print("got", item[0], item[1]);
      show(await bounded.get());
      await p;
      show(await bounded.get());
      show(await bounded.get());

      print("----");
      const cq = new asyncio.PriorityQueue<[number, string]>();
      const getter = (id: string) => asyncio.createTask(async () => {
        try {
          const [n, what] = await cq.get();
          print(id, "got", n, what);
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      const g1 = getter("g1");
      getter("g2");
      await asyncio.sleep(0);
      cq.putNowait([4, "x"]); // wakes g1
      g1.cancel(); // before it resumed: g2 takes x
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      print("left", cq.qsize());

      print("----");
      const stack = new asyncio.LifoQueue<string>();
      const lworker = asyncio.createTask(async () => {
        for (let i = 0; i < 3; i++) print("lifo: worker got", await stack.get());
      });
      stack.putNowait("a");
      stack.putNowait("b");
      stack.putNowait("c");
      await lworker;

      print("----");
      try {
        q.putNowait("job" as never);
      } catch (e) {
        print((e as Error).name, (e as Error).message);
      }
    });
  },
} satisfies Scenario;
