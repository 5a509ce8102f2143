import asyncio from "asyncio";
import { DelayMs } from "buttons";
import type { Scenario } from "./scenario";

// Peter Hinch's micropython-async v3/docs/EVENTS.md: WaitAny (§4.1), WaitAll (§4.2), nesting (§4.3),
// the Delay_ms watchdog (§5.1) and ELO (§6), and what the guarantees add (cancellation, bad input).
export default {
  name: "wait_any",
  smoke: true,
  expected: [
    "elo2 won", "elo1 won",
    "----", "task_a event 1", "task_a event 2", "task_b has ended",
    "----", "all of e1, e2 and one of e3/e4: e4",
    "----", "ELO results: 25 b", "cancelled ELO: CancelledError()",
    "----", "timeout: TimeoutError()", "flag free again: true", "failed: RangeError(sensor broke)",
    "----", "bad: TypeError", "empty: RangeError", "bad ELO: TypeError",
  ],
  async run(print) {
    const { Event, WaitAny, WaitAll, ELO, ThreadSafeFlag } = asyncio;
    await asyncio.run(async () => {
      const elo1 = new Event();
      const elo2 = new Event();
      async function foo() {
        const evt = await new WaitAny([elo1, elo2]).wait();
        print(evt === elo1 ? "elo1 won" : "elo2 won");
      }
      let t = asyncio.createTask(foo);
      await asyncio.sleepMs(20);
      elo2.set();
      await t;
      elo2.clear();
      t = asyncio.createTask(foo);
      await asyncio.sleepMs(20);
      elo1.set();
      await t;

      print("----");
      const delay = new DelayMs(100);
      const evt = new Event();
      async function taskB() {
        for (let i = 0; i < 6; i++) {
          delay.trigger(); // keeps task_a alive
          await asyncio.sleepMs(30);
        }
      }
      async function taskA() {
        for (;;) {
          const cause = await new WaitAny([evt, delay]).wait();
          if (cause === delay) {
            delay.clear();
            print("task_b has ended");
            return;
          }
          evt.clear();
          print("task_a event", ++events);
        }
      }
      let events = 0;
      asyncio.createTask(taskB);
      const a = asyncio.createTask(taskA);
      await asyncio.sleepMs(40);
      evt.set();
      await asyncio.sleepMs(40);
      evt.set();
      await a;

      print("----");
      const [e1, e2, e3, e4] = [new Event(), new Event(), new Event(), new Event()];
      const inner = new WaitAny([e3, e4]);
      const all = asyncio.createTask(() => new WaitAll([e1, e2, inner]).wait());
      e1.set();
      await asyncio.sleepMs(20);
      e4.set();
      await asyncio.sleepMs(20);
      e2.set();
      await all;
      print("all of e1, e2 and one of e3/e4:", inner.event() === e4 ? "e4" : "e3");

      print("----");
      async function myCoro(ms: number) {
        await asyncio.sleepMs(ms);
        return ms;
      }
      const button = new Event();
      const elos = [new ELO(myCoro, 25), new ELO(asyncio.createTask(async () => "b"))];
      void Promise.resolve().then(() => button.set());
      await new WaitAll([...elos, button]).wait();
      const results = [];
      for (const e of elos) results.push(await (e.task() as InstanceType<typeof asyncio.Task>));
      print("ELO results:", ...results);
      const slow = new ELO(() => asyncio.sleep(10));
      asyncio.createTask(async () => {
        await asyncio.sleepMs(20);
        (slow.task() as InstanceType<typeof asyncio.Task>).cancel();
      });
      await new WaitAll([slow]).wait();
      print("cancelled ELO:", slow.task());

      print("----");
      const flag = new ThreadSafeFlag();
      try {
        await asyncio.waitForMs(new WaitAny([flag, new Event()]).wait(), 20);
      } catch (e) {
        print("timeout:", e);
      }
      // The timed-out wait left no waiter on the single-waiter flag.
      const again = asyncio.createTask(() => flag.wait());
      await asyncio.sleep(0);
      flag.set();
      await again;
      print("flag free again:", again.done());
      const broken = { wait: async () => { await asyncio.sleepMs(10); throw new RangeError("sensor broke"); } };
      try {
        await new WaitAny([new Event(), broken]).wait();
      } catch (e) {
        print("failed:", e);
      }

      print("----");
      for (const [label, f] of [
        ["bad:", () => new WaitAny([{} as never])],
        ["empty:", () => new WaitAny([])],
        ["bad ELO:", () => new ELO(5 as never)],
      ] as const) {
        try {
          f();
        } catch (e) {
          print(label, (e as Error).name);
        }
      }
    });
  },
} satisfies Scenario;
