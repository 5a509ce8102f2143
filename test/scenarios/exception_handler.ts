import asyncio, { type ExceptionContext, type Loop } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_set_exception_handler.py, plus the default handler and a failing handler.

export default {
  name: "exception_handler",
  smoke: true,
  expected: [
    "null", "true", "sleep", "custom_handler ValueError(0) Task exception wasn't retrieved true", "sleep",
    "custom_handler ValueError(1) Task exception wasn't retrieved true", "custom_handler ValueError(2) Task exception wasn't retrieved true",
    "ValueError(3)", "done",
    "default handler reported: Task exception wasn't retrieved | the task | ValueError: 4",
    "handler that throws: still reported, loop alive true",
  ],
  async run(print) {
    const task = async (i: number) => {
      throw new ValueError(String(i));
    };
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      print(loop.getExceptionHandler());
      const custom = (l: Loop, ctx: ExceptionContext) => print("custom_handler", ctx.exception, ctx.message, l === loop);
      loop.setExceptionHandler(custom);
      print(loop.getExceptionHandler() === custom);
      asyncio.createTask(() => task(0));
      print("sleep");
      for (let i = 0; i < 2; i++) await asyncio.sleep(0);
      asyncio.createTask(() => task(1));
      asyncio.createTask(() => task(2));
      print("sleep");
      for (let i = 0; i < 2; i++) await asyncio.sleep(0);
      const t = asyncio.createTask(() => task(3));
      await asyncio.sleep(0);
      try {
        await t;
      } catch (er) {
        print(er);
      }
      print("done");
    });

    // Default handler: reported through the host, the loop goes on.
    const loop = asyncio.newEventLoop();
    const reports: string[] = [];
    // An own property shadows the host's method (assigning would fail on a
    // preloaded, frozen class prototype in Moddable).
    const host = loop.host;
    Object.defineProperty(host, "report", { value: (text: string) => void reports.push(text), configurable: true, writable: true });
    try {
      await loop.runUntilComplete(async () => {
        const boom = asyncio.createTask(async () => {
          throw new ValueError("4");
        });
        for (let i = 0; i < 3; i++) await asyncio.sleep(0);
        const lines = reports[0].split("\n");
        print("default handler reported:", [lines[0], lines[1] === `future: ${String(boom)}` ? "the task" : lines[1], lines[2]].join(" | "));
        reports.length = 0;
        loop.setExceptionHandler(() => {
          throw new Error("handler bug");
        });
        asyncio.createTask(async () => {
          throw new ValueError("5");
        });
        for (let i = 0; i < 3; i++) await asyncio.sleep(0);
        await asyncio.sleep(0.01);
        print("handler that throws: still reported, loop alive", reports.some((r) => r.includes("ValueError: 5")) && reports.some((r) => r.includes("handler bug")));
      });
    } finally {
      Reflect.deleteProperty(host, "report");
    }
  },
} satisfies Scenario;
