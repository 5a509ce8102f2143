import asyncio from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_exception.py + asyncio_await_return.py

export default {
  name: "exception",
  smoke: true,
  expected: ["main start", "ValueError 1", "main start", "task start", "ValueError 2", "main start", "ValueError 3", "42", "42", "42"],
  async run(print) {
    const report = (er: unknown) => {
      if (er instanceof ValueError) print("ValueError", er.message);
      else throw er;
    };
    await asyncio
      .run(async () => {
        print("main start");
        throw new ValueError("1");
      })
      .catch(report);
    await asyncio
      .run(async () => {
        print("main start");
        const t = asyncio.createTask(async () => {
          print("task start");
          throw new ValueError("2");
        });
        await t;
        print("main done");
      })
      .catch(report);
    await asyncio
      .run(async () => {
        print("main start");
        asyncio.createTask(async () => print("task run (never: main ends first)"));
        throw new ValueError("3");
      })
      .catch(report);
    asyncio.newEventLoop();
    const foo = async () => 42;
    await asyncio.run(async () => {
      print(await foo());
      print(await asyncio.createTask(foo));
      print(await asyncio.createTask(foo()));
    });
  },
} satisfies Scenario;
