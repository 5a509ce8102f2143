import asyncio, { type Event } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_event.py + asyncio_event_fair.py
export default {
  name: "event",
  expected: [
    "false", "true", "false",
    "----", "yield", "start 1", "start 2", "set event", "yield", "true", "end 1", "true", "end 2",
    "----", "yield", "start 3", "true", "end 3",
    "----", "clear event", "start 4", "set event", "true", "end 4",
    "----", "start 5",
    "----", "start 6",
    "----", "set event",
    "----", "TimeoutError", "set event",
    "==",
    "sleep 0", "wait 2", "sleep 1", "wait 3", "sleep 0", "sleep 1", "wait 2", "sleep 0", "sleep 1", "wait 3", "sleep 0",
    "sleep 1", "wait 2", "wait 3", "wait 2", "wait 3",
  ],
  async run(print) {
    async function task(id: number, ev: Event) {
      print("start", id);
      print(await ev.wait());
      print("end", id);
    }
    async function taskDelaySet(t: number, ev: Event) {
      await asyncio.sleep(t);
      print("set event");
      ev.set();
    }
    await asyncio.run(async () => {
      let ev = new asyncio.Event();
      print(ev.isSet());
      ev.set();
      print(ev.isSet());
      ev.clear();
      print(ev.isSet());

      print("----");
      asyncio.createTask(() => task(1, ev));
      asyncio.createTask(() => task(2, ev));
      print("yield");
      await asyncio.sleep(0);
      print("set event");
      ev.set();
      print("yield");
      await asyncio.sleep(0);

      print("----");
      asyncio.createTask(() => task(3, ev));
      print("yield");
      await asyncio.sleep(0);

      print("----");
      print("clear event");
      ev.clear();
      asyncio.createTask(() => task(4, ev));
      await asyncio.sleep(0);
      print("set event");
      ev.set();
      await asyncio.sleep(0);

      print("----");
      ev = new asyncio.Event();
      let t = asyncio.createTask(() => task(5, ev));
      await asyncio.sleep(0);
      ev.set();
      t.cancel();
      await asyncio.sleep(0.1);

      print("----");
      ev = new asyncio.Event();
      t = asyncio.createTask(() => task(6, ev));
      await asyncio.sleep(0);
      t.cancel();
      ev.set();
      await asyncio.sleep(0.1);

      print("----");
      ev.clear();
      asyncio.createTask(() => taskDelaySet(0.01, ev));
      await asyncio.waitFor(ev.wait(), 0.1);
      await asyncio.sleep(0);

      print("----");
      ev.clear();
      asyncio.createTask(() => taskDelaySet(0.1, ev));
      try {
        await asyncio.waitFor(ev.wait(), 0.01);
      } catch (er) {
        if (er instanceof asyncio.TimeoutError) print("TimeoutError");
      }
      await ev.wait();
    });

    print("==");
    async function task1(id: number) {
      for (let i = 0; i < 4; i++) {
        print("sleep", id);
        await asyncio.sleep(0);
      }
    }
    async function task2(id: number, ev: Event) {
      for (let i = 0; i < 4; i++) {
        ev.set();
        ev.clear();
        print("wait", id);
        await ev.wait();
      }
    }
    await asyncio.run(async () => {
      const ev = new asyncio.Event();
      const tasks = [
        asyncio.createTask(() => task1(0)),
        asyncio.createTask(() => task2(2, ev)),
        asyncio.createTask(() => task1(1)),
        asyncio.createTask(() => task2(3, ev)),
      ];
      await tasks[1];
      ev.set();
    });
  },
} satisfies Scenario;
