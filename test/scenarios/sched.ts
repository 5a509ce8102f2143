import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// Peter Hinch's schedule (micropython-async v3/docs/SCHEDULE.md §4, sched/asynctest.py) on a virtual
// calendar: the wall clock is 2024-01-01T10:00:30 (a Monday) plus the loop's clock.
export default {
  name: "sched",
  expected: [
    "Callback one shot 10:02:00",
    "Coroutine every 3 mins 10:03:00",
    "Callback every 4 mins 10:04:00",
    "Callback every 5 mins 10:05:00",
    "Coroutine every 3 mins 10:06:00",
    "Callback every 4 mins 10:08:00",
    "Coroutine every 3 mins 10:09:00",
    "Callback every 5 mins 10:10:00",
    "Callback every 4 mins 10:12:00",
    "Coroutine every 3 mins 10:12:00",
    "one shot done: true",
    "----", "Event 2024-01-14T03:00:00",
    "----", "Sequence every 2 10:16:00", "Sequence every 5 10:20:00", "Sequence 3 times: 10:22:00",
    "----", "cancelled: true", "bad spec: RangeError", "bad target: TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      const start = Date.UTC(2024, 0, 1, 10, 0, 30);
      const clock = () => start + loop.now();
      const time = () => new Date(clock()).toISOString().slice(11, 19);
      const foo = (txt: string) => print(`Callback ${txt} ${time()}`);
      const bar = async (txt: string) => {
        print(`Coroutine ${txt} ${time()}`);
        await asyncio.sleep(0);
      };
      const tasks = [
        asyncio.schedule(foo, { hrs: null, mins: asyncio.range(0, 60, 4), clock }, "every 4 mins"),
        asyncio.schedule(foo, { hrs: null, mins: asyncio.range(0, 60, 5), clock }, "every 5 mins"),
        asyncio.schedule(bar, { hrs: null, mins: asyncio.range(0, 60, 3), clock }, "every 3 mins"),
      ];
      const oneShot = asyncio.schedule(foo, { hrs: null, mins: asyncio.range(0, 60, 2), times: 1, clock }, "one shot");
      await asyncio.sleep(12 * 60);
      for (const t of tasks) t.cancel();
      print("one shot done:", oneShot.done());

      print("----");
      // The second Sunday of the month (mday 8, wday 6), 13 days ahead.
      const event = new asyncio.Event();
      const sunday = asyncio.schedule(event, { mday: 8, wday: 6, times: 1, clock });
      await event.wait();
      print("Event", new Date(clock()).toISOString().slice(0, 19));
      await sunday;

      print("----");
      const seq = new asyncio.Sequence();
      const restart = Date.UTC(2024, 0, 1, 10, 15) - loop.now();
      const clock2 = () => restart + loop.now();
      const time2 = () => new Date(clock2()).toISOString().slice(11, 19);
      const every2 = asyncio.schedule(seq, { hrs: null, mins: 16, times: 1, clock: clock2 }, "every 2");
      const every5 = asyncio.schedule(seq, { hrs: null, mins: 20, times: 1, clock: clock2 }, "every 5");
      let n = 0;
      for await (const args of seq) {
        print(`Sequence ${args.join()} ${time2()}`);
        if (++n === 2) break;
      }
      await asyncio.gather([every2, every5]);
      const three = asyncio.schedule(() => time2(), { hrs: null, mins: null, times: 3, clock: clock2 });
      print("Sequence 3 times:", await three);

      print("----");
      const waiting = asyncio.schedule(() => print("never"), { clock });
      await asyncio.sleep(1);
      waiting.cancel();
      await asyncio.sleep(0);
      print("cancelled:", waiting.cancelled());
      try {
        asyncio.schedule(foo, { mins: 60 });
      } catch (e) {
        print("bad spec:", e instanceof RangeError ? "RangeError" : e);
      }
      try {
        asyncio.schedule("foo" as never);
      } catch (e) {
        print("bad target:", e instanceof TypeError ? "TypeError" : e);
      }
    });
  },
} satisfies Scenario;
