import asyncio, { type TaskGroup } from "asyncio";
import type { Scenario } from "./scenario";

// After CPython's test_taskgroups.py: wait for all, fail fast with grouped errors, cancel from outside.
export default {
  name: "taskgroup",
  smoke: true,
  expected: [
    "child 1 done", "child 2 done", "grandchild done", "run returned body",
    "----", "slow CancelledError", "body CancelledError", "TaskGroupError 2 boom, late boom",
    "----", "k1 CancelledError", "k2 CancelledError", "outer CancelledError",
    "----", "cancelled child is not an error: ok",
    "----", "RuntimeError", "TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const v = await new asyncio.TaskGroup().run(async (tg: TaskGroup) => {
        tg.createTask(async () => {
          await asyncio.sleep(0);
          print("child 1 done");
        });
        tg.createTask(async () => {
          await asyncio.sleep(0);
          await asyncio.sleep(0);
          print("child 2 done");
          tg.createTask(async () => {
            await asyncio.sleep(0);
            print("grandchild done");
          });
        });
        return "body";
      });
      print("run returned", v);

      print("----");
      try {
        await asyncio.taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await asyncio.sleep(100);
            } catch (e) {
              print("slow", (e as Error).name);
              throw e;
            }
          });
          tg.createTask(async () => {
            await asyncio.sleep(0);
            throw new Error("boom");
          });
          tg.createTask(async () => {
            try {
              await asyncio.sleep(100);
            } catch {
              throw new Error("late boom");
            }
          });
          try {
            await asyncio.sleep(100);
          } catch (e) {
            print("body", (e as Error).name);
            throw e;
          }
        });
      } catch (e) {
        const errors = (e as AggregateError).errors as Error[];
        print((e as Error).name, errors.length, errors.map((x) => x.message).join(", "));
      }

      print("----");
      const outer = asyncio.createTask(() => asyncio.taskGroup(async (tg) => {
        for (const id of ["k1", "k2"]) {
          tg.createTask(async () => {
            try {
              await asyncio.sleep(100);
            } catch (e) {
              await asyncio.sleep(0);
              print(id, (e as Error).name);
              throw e;
            }
          });
        }
        await asyncio.sleep(100);
      }));
      await asyncio.sleep(0);
      await asyncio.sleep(0);
      outer.cancel();
      try {
        await outer;
      } catch (e) {
        print("outer", (e as Error).name);
      }

      print("----");
      const r = await asyncio.taskGroup(async (tg) => {
        const t = tg.createTask(() => asyncio.sleep(100));
        await asyncio.sleep(0);
        t.cancel();
        return "ok";
      });
      print("cancelled child is not an error:", r);

      print("----");
      const used = new asyncio.TaskGroup();
      await used.run(async () => {});
      try {
        used.createTask(() => asyncio.sleep(0));
      } catch (e) {
        print((e as Error).name);
      }
      try {
        await used.run(42 as never);
      } catch (e) {
        print((e as Error).name);
      }
    });
  },
} satisfies Scenario;
