import asyncio, { type Queue } from "asyncio";
import type { Scenario } from "./scenario";

// Queue after CPython's test_queues.py (FIFO, maxsize, nowait errors, cancellation) and RingbufQueue after Hinch's.
export default {
  name: "queue",
  smoke: true,
  expected: [
    "0 true false", "QueueFull", "2 false true", "a b", "QueueEmpty",
    "----", "consumer waiting", "put 0", "got 0", "put 1", "got 1", "put 2", "got 2", "put 3", "got 3", "done",
    "----", "g1 got x", "g2 got y", "g3 CancelledError", "left 1",
    "----", "p1 CancelledError", "p2 put", "left p2",
    "----", "ring got 1", "ring got 2", "ring got 3", "QueueFull", "ring holds 3 4 5",
    "----", "r1 CancelledError", "r2 got h", "ring back: 1 i",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const q = new asyncio.Queue<string>(2);
      print(q.qsize(), q.empty(), q.full());
      q.putNowait("a");
      await q.put("b");
      try {
        q.putNowait("c");
      } catch (e) {
        print((e as Error).name);
      }
      print(q.qsize(), q.empty(), q.full());
      print(q.getNowait(), await q.get());
      try {
        q.getNowait();
      } catch (e) {
        print((e as Error).name);
      }

      print("----");
      const nq = new asyncio.Queue<number>(1);
      const consumer = asyncio.createTask(async () => {
        print("consumer waiting");
        for (let i = 0; i < 4; i++) {
          print("got", await nq.get());
          await asyncio.sleep(0);
        }
      });
      await asyncio.sleep(0);
      for (let i = 0; i < 4; i++) {
        await nq.put(i);
        print("put", i);
      }
      await consumer;
      print("done");

      print("----");
      const cq = new asyncio.Queue<string>();
      const getter = (id: string, queue: Queue<string>) => asyncio.createTask(async () => {
        try {
          print(id, "got", await queue.get());
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      getter("g1", cq);
      getter("g2", cq);
      const g3 = getter("g3", cq);
      await asyncio.sleep(0);
      cq.putNowait("x");
      cq.putNowait("y");
      cq.putNowait("z");
      g3.cancel(); // woken for z but cancelled before it ran: z stays queued
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      print("left", cq.qsize());

      print("----");
      const pq = new asyncio.Queue<string>(1);
      pq.putNowait("held");
      const putter = (id: string) => asyncio.createTask(async () => {
        try {
          await pq.put(id);
          print(id, "put");
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      const p1 = putter("p1");
      putter("p2");
      await asyncio.sleep(0);
      pq.getNowait(); // wakes p1
      p1.cancel(); // its wake-up passes to p2
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      print("left", pq.getNowait());

      print("----");
      const ring = new asyncio.RingbufQueue<number>(3);
      const reader = asyncio.createTask(async () => {
        for (let i = 0; i < 3; i++) print("ring got", await ring.get());
      });
      await asyncio.sleep(0);
      ring.putNowait(1);
      ring.putNowait(2);
      ring.putNowait(3);
      await reader;
      for (let i = 2; i <= 5; i++) {
        try {
          ring.putNowait(i);
        } catch (e) {
          print((e as Error).name);
        }
      }
      print("ring holds", ring.getNowait(), ring.getNowait(), ring.getNowait());

      print("----");
      const rgetter = (id: string) => asyncio.createTask(async () => {
        try {
          print(id, "got", await ring.get());
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      const r1 = rgetter("r1");
      rgetter("r2");
      await asyncio.sleep(0);
      ring.putNowait("h" as never); // handed to r1
      r1.cancel(); // r2 gets it instead
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      const r3 = rgetter("r3");
      await asyncio.sleep(0);
      ring.putNowait("i" as never); // handed to r3
      r3.cancel(); // back into the ring
      await asyncio.sleep(0);
      print("ring back:", ring.qsize(), ring.getNowait());
    });
  },
} satisfies Scenario;
