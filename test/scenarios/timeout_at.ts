import asyncio, { type Timeout } from "asyncio";
import type { Scenario } from "./scenario";

// CPython 3.13's asyncio.timeout_at() and the Timeout object (when,
// reschedule, expired); the expected lines are CPython 3.11's output of the
// same program (`async with` becomes a body function given the Timeout), on
// virtual time.

export default {
  name: "timeout_at",
  expected: [
    "first step in time",
    "second step: TimeoutError at 1.00",
    "when: 0.50",
    "rescheduled: in time, expired false",
    "no deadline: null",
    "TimeoutError, expired true at 2.00",
    "reschedule after the end: RuntimeError",
    "body runs",
    "past deadline: TimeoutError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      const t0 = loop.time();
      const deadline = t0 + 1;
      await asyncio.timeoutAt(deadline, () => asyncio.sleep(0.4));
      print("first step in time");
      try {
        await asyncio.timeoutAt(deadline, () => asyncio.sleep(1));
      } catch (e) {
        print("second step:", (e as Error).name, "at", (loop.time() - t0).toFixed(2));
      }
      let cm: Timeout | null = null;
      await asyncio.timeout(0.5, async (scope) => {
        cm = scope;
        print("when:", (scope.when()! - loop.time()).toFixed(2));
        scope.reschedule(loop.time() + 1);
        await asyncio.sleep(0.8);
      });
      print("rescheduled: in time, expired", cm!.expired());
      try {
        await asyncio.timeout(null, async (scope) => {
          cm = scope;
          print("no deadline:", scope.when());
          scope.reschedule(loop.time() + 0.2);
          await asyncio.sleep(1);
        });
      } catch (e) {
        print(`${(e as Error).name}, expired`, cm!.expired(), "at", (loop.time() - t0).toFixed(2));
      }
      try {
        cm!.reschedule(null);
      } catch (e) {
        print("reschedule after the end:", (e as Error).name);
      }
      try {
        await asyncio.timeoutAt(loop.time() - 1, async () => {
          print("body runs");
          await asyncio.sleep(0);
          print("never");
        });
      } catch (e) {
        print("past deadline:", (e as Error).name);
      }
    });
  },
} satisfies Scenario;
