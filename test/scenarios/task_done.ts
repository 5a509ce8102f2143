import asyncio from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_task_done.py, plus result()/exception()/cancelled().

export default {
  name: "task_done",
  smoke: true,
  expected: [
    "==========", "false", "task start", "task done", "true", "true",
    "==========", "false", "task start", "false", "task done", "true",
    "==========", "false", "task start", "true", "ValueError()", "true",
    "==========", "false", "task start", "false", "ValueError()", "true",
    "==========", "result() early: RuntimeError", "result 7 exception null cancelled false",
    "cancelled true result(): CancelledError exception(): CancelledError",
    "failed: exception() ValueError(x) result() throws ValueError(x)",
  ],
  async run(print) {
    async function task(t: number, exc?: () => Error) {
      print("task start");
      if (t >= 0) await asyncio.sleep(t);
      if (exc) throw exc();
      print("task done");
    }
    await asyncio.run(async () => {
      print("=".repeat(10));
      let t = asyncio.createTask(() => task(-1));
      print(t.done());
      await asyncio.sleep(0);
      print(t.done());
      await t;
      print(t.done());

      print("=".repeat(10));
      t = asyncio.createTask(() => task(0.01));
      print(t.done());
      await asyncio.sleep(0);
      print(t.done());
      await t;
      print(t.done());

      print("=".repeat(10));
      t = asyncio.createTask(() => task(-1, () => new ValueError()));
      print(t.done());
      await asyncio.sleep(0);
      print(t.done());
      try {
        await t;
      } catch (er) {
        print(er);
      }
      print(t.done());

      print("=".repeat(10));
      t = asyncio.createTask(() => task(0.01, () => new ValueError()));
      print(t.done());
      await asyncio.sleep(0);
      print(t.done());
      try {
        await t;
      } catch (er) {
        print(er);
      }
      print(t.done());

      print("=".repeat(10));
      const ok = asyncio.createTask(async () => 7);
      try {
        ok.result();
      } catch (er) {
        print("result() early:", er instanceof asyncio.RuntimeError ? "RuntimeError" : er);
      }
      await asyncio.sleep(0);
      print("result", ok.result(), "exception", ok.exception(), "cancelled", ok.cancelled());
      const c = asyncio.createTask(() => asyncio.sleep(1));
      await asyncio.sleep(0);
      c.cancel();
      await asyncio.sleep(0);
      const name = (f: () => unknown) => {
        try {
          f();
          return "no error";
        } catch (er) {
          return er instanceof asyncio.CancelledError ? "CancelledError" : String(er);
        }
      };
      print("cancelled", c.cancelled(), "result():", name(() => c.result()), "exception():", name(() => c.exception()));
      const f = asyncio.createTask(async () => {
        throw new ValueError("x");
      });
      await asyncio.sleep(0);
      let thrown: unknown;
      try {
        f.result();
      } catch (er) {
        thrown = er;
      }
      print("failed: exception()", f.exception(), "result() throws", thrown);
    });
  },
} satisfies Scenario;
