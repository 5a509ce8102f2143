import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// After CPython's test_timeouts.py: in time, too slow, swallowed cancellation, outer cancel, nesting, null.
export default {
  name: "timeout",
  expected: [
    "in time: fast",
    "body CancelledError", "TimeoutError",
    "swallowed: gave up",
    "other error: RangeError",
    "body cancelled from outside", "outer CancelledError",
    "inner TimeoutError", "outer scope: TimeoutError",
    "no limit: 3",
    "first await reached", "timeout(0): TimeoutError",
    "TypeError", "TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      print("in time:", await asyncio.timeout(1, async () => {
        await asyncio.sleep(0.1);
        return "fast";
      }));

      try {
        await asyncio.timeoutMs(100, async () => {
          try {
            await asyncio.sleep(10);
          } catch (e) {
            print("body", (e as Error).name);
            throw e;
          }
        });
      } catch (e) {
        print((e as Error).name);
      }

      print("swallowed:", await asyncio.timeout(0.1, async () => {
        try {
          await asyncio.sleep(10);
          return "finished";
        } catch {
          return "gave up";
        }
      }));

      try {
        await asyncio.timeout(0.1, async () => {
          try {
            await asyncio.sleep(10);
          } catch {
            throw new RangeError("cleanup failed");
          }
        });
      } catch (e) {
        print("other error:", (e as Error).name);
      }

      const t = asyncio.createTask(() => asyncio.timeout(1, async () => {
        try {
          await asyncio.sleep(10);
        } catch (e) {
          print("body cancelled from outside");
          throw e;
        }
      }));
      await asyncio.sleep(0.2);
      t.cancel();
      try {
        await t;
      } catch (e) {
        print("outer", (e as Error).name);
      }

      try {
        await asyncio.timeout(0.5, async () => {
          try {
            await asyncio.timeout(0.1, () => asyncio.sleep(1));
          } catch (e) {
            print("inner", (e as Error).name);
          }
          await asyncio.timeout(5, () => asyncio.sleep(20)); // the outer deadline comes first
        });
      } catch (e) {
        print("outer scope:", (e as Error).name);
      }

      print("no limit:", await asyncio.timeout(null, async () => {
        await asyncio.sleep(0.05);
        return 3;
      }));

      try {
        await asyncio.timeout(0, async () => {
          print("first await reached");
          await asyncio.sleep(1);
          print("never");
        });
      } catch (e) {
        print("timeout(0):", (e as Error).name);
      }

      for (const bad of [NaN, "1"]) {
        try {
          await asyncio.timeout(bad as number, async () => {});
        } catch (e) {
          print((e as Error).name);
        }
      }
    });
  },
} satisfies Scenario;
