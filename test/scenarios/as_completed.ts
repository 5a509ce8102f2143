import asyncio, { type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// CPython 3.13's asyncio.as_completed(). The plain iteration's lines are
// CPython 3.11's output of the same program on virtual time; the async
// iteration (new in 3.13: the very tasks passed come out) and the cancelled
// consumer follow 3.13's source (asyncio/tasks.py, _AsCompletedIterator),
// except that a cancelled consumer here gives its item back (CPython's
// counts it as taken, so its iteration ends one item early).

async function work(name: string, s: number, fail = false): Promise<string> {
  await asyncio.sleep(s);
  if (fail) throw new ValueError(name);
  return name;
}

export default {
  name: "as_completed",
  expected: [
    "value fast 0.10", "error ValueError(bad) 0.20", "value slow 0.30",
    "value x 0.10", "TimeoutError 0.50", "TimeoutError 0.50", "cancelled: [false, false, false]", "z: z 2.00",
    "task 1 q 0.10", "task 0 p 0.20", "task 2 r 0.30",
    "first 0.10", "TimeoutError 0.50",
    "consumer CancelledError 0.05", "after the cancel: m 0.10", "after the cancel: n 0.20",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      const at = (t0: number) => (loop.time() - t0).toFixed(2);
      let t0 = loop.time();
      for (const next of asyncio.asCompleted([work("slow", 0.3), work("fast", 0.1), work("bad", 0.2, true)])) {
        try {
          print("value", await next, at(t0));
        } catch (e) {
          print("error", e, at(t0));
        }
      }

      t0 = loop.time();
      const tasks = ([["x", 0.1], ["y", 1], ["z", 2]] as const).map(([n, s]) => asyncio.createTask(() => work(n, s)));
      for (const next of asyncio.asCompleted(tasks, { timeout: 0.5 })) {
        try {
          print("value", await next, at(t0));
        } catch (e) {
          print((e as Error).name, at(t0));
        }
      }
      print("cancelled:", tasks.map((t) => t.cancelled()));
      print("z:", await tasks[2], at(t0));

      // for await: the tasks themselves, done, in completion order.
      t0 = loop.time();
      const abc = ([["p", 0.2], ["q", 0.1], ["r", 0.3]] as const).map(([n, s]) => asyncio.createTask(() => work(n, s)));
      for await (const done of asyncio.asCompleted(abc)) {
        const task = done as unknown as Task<string>;
        print("task", abc.indexOf(task), await task, at(t0));
      }

      t0 = loop.time();
      const slow = asyncio.createTask(() => work("late", 1));
      try {
        for await (const done of asyncio.asCompleted([() => work("first", 0.1), slow], { timeout: 0.5 })) print(await done, at(t0));
      } catch (e) {
        print((e as Error).name, at(t0));
      }
      await slow;

      // A consumer cancelled while it waits takes nothing.
      t0 = loop.time();
      const it = asyncio.asCompleted([() => work("m", 0.1), () => work("n", 0.2)]);
      const consumer = asyncio.createTask(() => it.next());
      await asyncio.sleep(0.05);
      consumer.cancel();
      try {
        await consumer;
      } catch (e) {
        print("consumer", (e as Error).name, at(t0));
      }
      for await (const done of it) print("after the cancel:", await done, at(t0));
    });
  },
} satisfies Scenario;
