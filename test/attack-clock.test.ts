// hosts/moddable/host.ts: the loop reads the clock only when something sleeps (turn() reads now() only
// if the timer heap is non-empty). While the app only waits on a ThreadSafeFlag / Pin edge / button,
// MonotonicClock goes unread; after more than 2^31 ms (24.86 days) its next difference looks negative and
// is ignored: the clock stands still until Time.ticks comes round again (up to another 24.8 days), so the
// first sleep after a long idle spell does not end. README: "sleeps across the jump wake on time".
import { expect } from "chai";
import asyncio from "asyncio";
import { onFakeModdable } from "./fakes/moddable";

const DAY = 86_400_000;

describe("attack: Moddable host, clock not read while idle", function () {
  this.timeout(60000);
  it("a device idle for 30 days (nothing scheduled: waiting on a flag an interrupt sets) then sleeps 100 ms: wakes 100 ms later (actually: stalls ~19.7 days, until Time.ticks comes round again)", async () => {
    await onFakeModdable("mc", 0, async (fake) => {
      const flag = new asyncio.ThreadSafeFlag();
      let woke = -1, slept = -1;
      const done = asyncio.run(async () => {
        await asyncio.sleepMs(10);
        await flag.wait();            // nothing scheduled while waiting for the "button"
        woke = fake.time;
        await asyncio.sleepMs(100);   // e.g. a debounce
        slept = fake.time;
      });
      fake.Timer.set(() => flag.set(), 30 * DAY); // the interrupt, 30 days later
      await fake.runUntil(30 * DAY + 1000);
      expect(woke).to.equal(30 * DAY);
      expect(slept, `timer fired ${fake.fired} times`).to.equal(30 * DAY + 100);
      await done;
    });
  });
});
