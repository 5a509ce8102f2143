import asyncio, { type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// CPython 3.13's asyncio.shield(); the expected lines are CPython 3.11's
// output of the same program (shield has not changed since). The last case
// is this library's rule: a caller cancelled after the inner task finished
// keeps the result, and its cancel arrives at its next await.

async function work(print: (...a: unknown[]) => void, name: string, s: number, result?: unknown, fail = false): Promise<unknown> {
  await asyncio.sleep(s);
  print(name, "finished");
  if (fail) throw new ValueError(name);
  return result;
}

export default {
  name: "shield",
  expected: [
    "a finished", "value: 1",
    "caller CancelledError", "caller cancelled: true inner done: false", "b finished", "inner result: 2",
    "inner cancelled: the shield raises CancelledError",
    "waitFor: TimeoutError, inner done: false", "d finished", "inner result: 4",
    "e finished", "error: ValueError(e)",
    "f finished", "kept: 6", "then CancelledError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      print("value:", await asyncio.shield(work(print, "a", 0.1, 1)));

      let inner: Task<unknown> = asyncio.createTask(() => work(print, "b", 0.5, 2));
      const caller = asyncio.createTask(async () => {
        try {
          await asyncio.shield(inner);
        } catch (e) {
          print("caller", (e as Error).name);
          throw e;
        }
      });
      await asyncio.sleep(0.1);
      caller.cancel();
      try {
        await caller;
      } catch {
        print("caller cancelled:", caller.cancelled(), "inner done:", inner.done());
      }
      print("inner result:", await inner);

      inner = asyncio.createTask(() => work(print, "c", 1));
      const c2 = asyncio.createTask(() => asyncio.shield(inner));
      await asyncio.sleep(0.1);
      inner.cancel();
      try {
        await c2;
      } catch (e) {
        if (e instanceof asyncio.CancelledError) print("inner cancelled: the shield raises CancelledError");
      }

      inner = asyncio.createTask(() => work(print, "d", 0.3, 4));
      try {
        await asyncio.waitFor(asyncio.shield(inner), 0.1);
      } catch (e) {
        print("waitFor:", (e as Error).name + ", inner done:", inner.done());
      }
      print("inner result:", await inner);

      try {
        await asyncio.shield(() => work(print, "e", 0.1, undefined, true));
      } catch (e) {
        print("error:", e);
      }

      // Cancelled between the inner task's end and its own resumption.
      inner = asyncio.createTask(() => work(print, "f", 0.2, 6));
      let last: Task<void> | null = null;
      asyncio.createTask(async () => {
        await asyncio.sleep(0.2);
        last!.cancel();
      });
      last = asyncio.createTask(async () => {
        print("kept:", await asyncio.shield(inner));
        try {
          await asyncio.sleep(0);
        } catch (e) {
          print("then", (e as Error).name);
        }
      });
      await last;
    });
  },
} satisfies Scenario;
