import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// Hinch's ThreadSafeQueue (THREADING.md §2.2): code outside any task (here
// promise jobs, as a pin interrupt or host callback would be) feeds the queue
// with putSync(); a task consumes it with `for await`. A full queue refuses
// the new item (Hinch's IndexError, QueueFull here); getSync() from outside
// makes room for a task waiting in put().
export default {
  name: "threadsafe_queue",
  smoke: true,
  expected: [
    "capacity 3 empty true full false",
    "consumer got irq-0", "consumer got irq-1", "consumer got irq-2",
    "----", "putSync full: QueueFull", "kept 1 2 3",
    "----", "producer put 0", "producer put 1", "producer waits", "outside took 0", "producer put 2", "outside took 1 2",
    "----", "block: RuntimeError", "getSync empty: QueueEmpty",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const q = new asyncio.ThreadSafeQueue<string>(3);
      print("capacity", q.capacity, "empty", q.empty(), "full", q.full());
      const consumer = asyncio.createTask(async () => {
        let n = 0;
        for await (const item of q) {
          print("consumer got", item);
          if (++n === 3) break;
        }
      });
      await asyncio.sleep(0);
      // Outside any task.
      await Promise.resolve().then(() => {
        for (let i = 0; i < 3; i++) q.putSync(`irq-${i}`);
      });
      await consumer;

      print("----");
      const nq = new asyncio.ThreadSafeQueue<number>(3);
      for (const x of [1, 2, 3]) nq.putSync(x);
      try {
        nq.putSync(4);
      } catch (e) {
        print("putSync full:", (e as Error).name);
      }
      print("kept", nq.getSync(), nq.getSync(), nq.getSync());

      print("----");
      const bq = new asyncio.ThreadSafeQueue<number>(2);
      const producer = asyncio.createTask(async () => {
        for (let i = 0; i < 3; i++) {
          if (bq.full()) print("producer waits");
          await bq.put(i);
          print("producer put", i);
        }
      });
      await asyncio.sleep(0);
      await Promise.resolve().then(() => print("outside took", bq.getSync()));
      await producer;
      print("outside took", bq.getSync(), bq.getSync());

      print("----");
      try {
        bq.putSync(1, true);
      } catch (e) {
        print("block:", (e as Error).name);
      }
      try {
        bq.getSync();
      } catch (e) {
        print("getSync empty:", (e as Error).name);
      }
    });
  },
} satisfies Scenario;
