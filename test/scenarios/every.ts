import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// every()/everyMs() (issue 14): ticks at their times when each turn takes
// time (turnCost), skip and burst when behind, cancel, stop, bad input.
export default {
  name: "every",
  turnCost: 1,
  expected: [
    "ticker 1 on time", "ticker 2 on time", "ticker 3 on time", "ticker 4 on time", "ticker 5 on time",
    "ticker 1 on time", "ticker 2 on time", "ticker 3 on time", "ticker 4 on time", "ticker 5 on time",
    "ticker 1 on time", "ticker 2 on time", "ticker 3 on time", "ticker 4 on time", "ticker 5 on time",
    "stopped by break true",
    "skip 1 0", "skip 4 2", "skip 5 0",
    "burst 1 0 0", "burst 2 0 2", "burst 3 0 1", "burst 4 0 0", "burst 5 0 0",
    "cancelled", "after cancel 1",
    "stopped true", "after stop true",
    "TypeError", "RangeError", "TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      for (let k = 1; k <= 3; k++) {
        const start = loop.now();
        const ticker = asyncio.everyMs(100);
        for await (const tick of ticker) {
          // Each host turn costs 1 ms here: a tick may come a turn after its time, the next one no later.
          const late = loop.now() - start - tick.index * 100;
          print("ticker", tick.index, late >= 0 && late <= 1 ? "on time" : `late ${late}`);
          if (tick.index === 5) break;
        }
        if (k === 3) print("stopped by break", (await ticker.next()).done);
      }

      let t = asyncio.everyMs(50);
      let tick = (await t.next()).value!;
      print("skip", tick.index, tick.skipped);
      await asyncio.sleepMs(160);
      tick = (await t.next()).value!;
      print("skip", tick.index, tick.skipped);
      tick = (await t.next()).value!;
      print("skip", tick.index, tick.skipped);

      t = asyncio.everyMs(50, { missed: "burst" });
      for (let i = 0; i < 5; i++) {
        tick = (await t.next()).value!;
        print("burst", tick.index, tick.skipped, tick.backlog);
        if (i === 0) await asyncio.sleepMs(160);
      }

      t = asyncio.everyMs(50);
      const waiting = asyncio.createTask(() => t.next());
      await asyncio.sleepMs(20);
      waiting.cancel();
      try {
        await waiting;
      } catch (e) {
        print((e as Error).name === "CancelledError" ? "cancelled" : e);
      }
      print("after cancel", (await t.next()).value!.index);

      const pending = asyncio.createTask(() => t.next());
      await asyncio.sleep(0);
      t.stop();
      print("stopped", (await pending).done);
      print("after stop", (await t.next()).done);

      for (const bad of [() => asyncio.every(NaN), () => asyncio.every(0), () => asyncio.everyMs(10, { missed: "late" as never })]) {
        try {
          bad();
        } catch (e) {
          print((e as Error).name);
        }
      }
    });
  },
} satisfies Scenario;
