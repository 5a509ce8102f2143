import asyncio, { type Loop } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_loop_stop.py, asyncio_new_event_loop.py, asyncio_get_event_loop.py
export default {
  name: "loop",
  expected: [
    "run 0", "start", "sleep", "run 1", "run 2", "task", "end",
    "==", "start", "task 0", "stop", "start", "task 0", "stop", "old loop kept its task: false",
    "==", "start", "end", "same loop true",
    "==", "RuntimeError closed", "RuntimeError closed", "RuntimeError closed",
  ],
  async run(print) {
    let loop: Loop = asyncio.newEventLoop();
    async function task() {
      print("task");
    }
    async function main() {
      print("start");
      loop.stop();
      loop.stop();
      print("sleep");
      await asyncio.sleep(0);
      loop.stop();
      asyncio.createTask(task);
      await asyncio.sleep(0);
      print("end");
      loop.stop();
    }
    loop.createTask(main);
    for (let i = 0; i < 3; i++) {
      print("run", i);
      await loop.runForever();
    }

    print("==");
    async function task4() {
      for (let i = 0; i < 4; i++) {
        print("task", i);
        await asyncio.sleep(0);
        await asyncio.sleep(0);
      }
    }
    async function main2() {
      print("start");
      loop.createTask(task4);
      await asyncio.sleep(0);
      print("stop");
      loop.stop();
    }
    loop = asyncio.getEventLoop();
    loop.createTask(main2);
    await loop.runForever();
    loop.close();
    const old = loop;
    loop = asyncio.newEventLoop();
    loop.createTask(main2);
    await loop.runForever();
    loop.close();
    print("old loop kept its task:", old.isRunning());

    print("==");
    asyncio.newEventLoop();
    const l1 = asyncio.getEventLoop();
    await l1.runUntilComplete(async () => {
      print("start");
      await asyncio.sleep(0.01);
      print("end");
    });
    print("same loop", asyncio.getEventLoop() === l1);

    print("==");
    l1.close();
    const closed = (f: () => unknown) => {
      try {
        f();
      } catch (er) {
        print(er instanceof asyncio.RuntimeError ? "RuntimeError closed" : er);
      }
    };
    closed(() => l1.createTask(async () => {}));
    closed(() => l1.runForever());
    closed(() => l1.runUntilComplete(async () => {}));
    asyncio.newEventLoop();
  },
} satisfies Scenario;
