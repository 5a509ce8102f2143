import asyncio, { type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_wait_task.py + asyncio_event_queue.py (an Event set from outside the loop while nothing is queued)

export default {
  name: "wait_task",
  expected: [
    "start", "task 1", "task 2", "----", "start", "hello", "world", "took 200 200", "task_raise", "ValueError", "task_raise", "ValueError",
    "a task awaiting itself: RuntimeError",
    "==", "main started", "foo waiting", "asyncio still pending, unlocking event", "foo done", "main done",
  ],
  async run(print) {
    const task = async (t: number) => print("task", t);
    async function delayPrint(t: number, s: string) {
      await asyncio.sleep(t);
      print(s);
    }
    async function taskRaise(): Promise<never> {
      print("task_raise");
      throw new ValueError();
    }
    await asyncio.run(async () => {
      print("start");
      let t = asyncio.createTask(() => task(1));
      await t;
      t = asyncio.createTask(() => task(2));
      await asyncio.sleep(0.001);
      await t;
      await t;
      print("----");
      const ts1 = asyncio.createTask(() => delayPrint(0.2, "hello"));
      const ts2 = asyncio.createTask(() => delayPrint(0.4, "world"));
      print("start");
      const t0 = asyncio.ticksMs();
      await ts1;
      const t1 = asyncio.ticksMs();
      await ts2;
      const t2 = asyncio.ticksMs();
      const round = (ms: number) => Math.round(ms / 100) * 100;
      print(`took ${round(asyncio.ticksDiff(t1, t0))} ${round(asyncio.ticksDiff(t2, t1))}`);
      const r = asyncio.createTask(taskRaise);
      try {
        await r;
      } catch (er) {
        if (er instanceof ValueError) print("ValueError");
      }
      asyncio.getEventLoop().setExceptionHandler(() => {});
      const r2 = asyncio.createTask(taskRaise);
      for (let i = 0; i < 5; i++) await asyncio.sleep(0);
      try {
        await r2;
      } catch (er) {
        if (er instanceof ValueError) print("ValueError");
      }
      const self: Task<void> = asyncio.createTask(async () => {
        await self;
      });
      try {
        await self;
      } catch (er) {
        print("a task awaiting itself:", er instanceof asyncio.RuntimeError ? "RuntimeError" : er);
      }
    });

    print("==");
    const evt = new asyncio.Event();
    async function foo() {
      print("foo waiting");
      // A callback outside the loop (a host timer here) sets the event while nothing is queued.
      const start = asyncio.ticksMs();
      const watchdog = () => {
        if (asyncio.ticksDiff(asyncio.ticksMs(), start) >= 0) {
          print("asyncio still pending, unlocking event");
          evt.set();
        }
      };
      void Promise.resolve().then(() => Promise.resolve()).then(watchdog);
      await evt.wait();
      print("foo done");
    }
    await asyncio.run(async () => {
      print("main started");
      await foo();
      print("main done");
    });
  },
} satisfies Scenario;
