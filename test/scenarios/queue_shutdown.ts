import asyncio, { type Queue } from "asyncio";
import type { Scenario } from "./scenario";

// CPython 3.13's Queue.shutdown(), after test_queues.py's shutdown tests:
// puts fail at once, gets drain what is left and then fail; waiting getters
// and putters wake with QueueShutDown; immediate empties the queue, counting
// the removed items done so that join() returns.
export default {
  name: "queue_shutdown",
  smoke: true,
  expected: [
    "putNowait: QueueShutDown", "put: QueueShutDown", "get: 1", "get: 2", "get: QueueShutDown", "getNowait: QueueShutDown",
    "----", "g1 QueueShutDown", "g2 QueueShutDown", "p1 QueueShutDown", "held 2",
    "----", "joiner waiting", "shutdown(immediate)", "left 0", "joined", "p QueueShutDown", "get: QueueShutDown",
    "----", "worker got 1", "worker got 2", "worker got 3", "worker stops: QueueShutDown", "joined",
    "----", "lifo get: 2", "lifo get: QueueShutDown", "priority get: QueueShutDown",
  ],
  async run(print) {
    const attempt = async (what: string, f: () => unknown) => {
      try {
        print(what + ":", await f());
      } catch (e) {
        print(what + ":", (e as Error).name);
      }
    };
    await asyncio.run(async () => {
      const q = new asyncio.Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      q.shutdown();
      await attempt("putNowait", () => q.putNowait(3));
      await attempt("put", () => q.put(3));
      await attempt("get", () => q.get());
      await attempt("get", () => q.get());
      await attempt("get", () => q.get());
      await attempt("getNowait", () => q.getNowait());

      print("----");
      const empty = new asyncio.Queue<number>();
      const full = new asyncio.Queue<number>(2);
      full.putNowait(1);
      full.putNowait(2);
      const waiter = (id: string, f: () => Promise<unknown>) => asyncio.createTask(async () => {
        try {
          await f();
          print(id, "done");
        } catch (e) {
          print(id, (e as Error).name);
        }
      });
      const tasks = [waiter("g1", () => empty.get()), waiter("g2", () => empty.get()), waiter("p1", () => full.put(3))];
      await asyncio.sleep(0);
      empty.shutdown();
      full.shutdown();
      await asyncio.gather(tasks);
      print("held", full.qsize());

      print("----");
      const iq = new asyncio.Queue<number>(2);
      iq.putNowait(1);
      iq.putNowait(2);
      const joiner = asyncio.createTask(async () => {
        print("joiner waiting");
        await iq.join();
        print("joined");
      });
      const p = waiter("p", () => iq.put(3));
      await asyncio.sleep(0);
      print("shutdown(immediate)");
      iq.shutdown(true);
      print("left", iq.qsize());
      await asyncio.gather([joiner, p]);
      await attempt("get", () => iq.get());

      print("----");
      // The usual pattern: producers done, shut down; the worker drains and stops.
      const work = new asyncio.Queue<number>();
      const worker = asyncio.createTask(async () => {
        for (;;) {
          let n: number;
          try {
            n = await work.get();
          } catch (e) {
            print("worker stops:", (e as Error).name);
            return;
          }
          await asyncio.sleep(0.01);
          print("worker got", n);
          work.taskDone();
        }
      });
      for (const n of [1, 2, 3]) await work.put(n);
      work.shutdown();
      await work.join();
      await worker;
      print("joined");

      print("----");
      const lq: Queue<number> = new asyncio.LifoQueue<number>();
      lq.putNowait(1);
      lq.putNowait(2);
      lq.shutdown();
      await attempt("lifo get", () => lq.get());
      lq.shutdown(true);
      await attempt("lifo get", () => lq.get());
      const pq = new asyncio.PriorityQueue();
      pq.putNowait([1, "x"]);
      pq.shutdown(true);
      await attempt("priority get", () => pq.get());
    });
  },
} satisfies Scenario;
