import { expect } from "chai";
import asyncio from "asyncio";
import { MonotonicClock } from "../modules/asyncio/clock";
import { onFakeModdable, type TimerFlavor } from "./fakes/moddable";

// Issue 9, §3: Time.ticks on ESP32 jumps from 2^31−1 to −2^31 after 24.86
// days and wraps every 49.7 days. The Moddable host (hosts/moddable/host.ts,
// run here against a fake "time"/"timer" pair on virtual time) must keep
// every sleep on time across the jump and the wraps.
const DAY = 86_400_000;
const JUMP = 2 ** 31; // where int32 ticks jump to negative

describe("MonotonicClock", () => {
  it("counts on across the int32 jump and the uint32 wrap, and across a near-whole period between readings", () => {
    let raw = JUMP - 5;
    const c = new MonotonicClock(() => raw | 0);
    const t0 = c.now();
    raw += 10; // crosses 2^31: (raw|0) is now negative
    expect(c.now() - t0).to.equal(10);
    for (let i = 0; i < 4; i++) {
      raw += 2 ** 30; // a full wrap later, in steps under half the period
      c.now();
    }
    const before = c.now();
    expect(before - t0).to.equal(10 + 2 ** 32);
    raw += 1000;
    expect(c.now() - before).to.equal(1000);
    let uraw = 2 ** 32 - 3;
    const u = new MonotonicClock(() => uraw >>> 0);
    const u0 = u.now();
    uraw += 7;
    expect(u.now() - u0).to.equal(7);
    // A whole period minus a little between two readings (an idle device) still counts in full.
    let idle = 0;
    const i = new MonotonicClock(() => idle | 0);
    const i0 = i.now();
    idle += 2 ** 32 - 1000;
    expect(i.now() - i0).to.equal(2 ** 32 - 1000);
  });
});

for (const flavor of ["mc", "lin"] as TimerFlavor[]) describe(`the Moddable host on a clock that wraps (fake Time.ticks as on ESP32; the SDK's ${flavor} timers)`, function () {
  this.timeout(30000);



  it("a sleep started 0.5 s before the jump wakes on time, and a 100 ms blink keeps its rate through it", async () => {
    await onFakeModdable(flavor, JUMP - 500, async (fake) => {
      const wakes: number[] = [];
      const blinks: number[] = [];
      let stop = false;
      const done = asyncio.run(async () => {
        asyncio.createTask(async () => {
          while (!stop) {
            blinks.push(fake.time);
            await asyncio.sleep(0.1);
          }
        });
        await asyncio.sleep(1);
        wakes.push(fake.time);
        stop = true;
        await asyncio.sleep(0.2);
      });
      await fake.runUntil(1300);
      await done;
      expect(wakes).to.deep.equal([1000]);
      expect(blinks).to.deep.equal([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    });
  });

  it("sleeps of days work through several wraps (a wrap every 49.7 days), and a blink keeps its rate after them", async () => {
    await onFakeModdable(flavor, JUMP - 1000, async (fake) => {
      const wakes: number[] = [];
      const done = asyncio.run(async () => {
        for (const days of [30, 30, 60]) {
          await asyncio.sleep((days * DAY) / 1000);
          wakes.push(fake.time);
        }
        const beats: number[] = [];
        for (let i = 0; i < 5; i++) {
          beats.push(fake.time);
          await asyncio.sleepMs(100);
        }
        return beats;
      });
      await fake.runUntil(121 * DAY);
      const beats = await done;
      expect(wakes).to.deep.equal([30 * DAY, 60 * DAY, 120 * DAY]);
      expect(beats).to.deep.equal([120 * DAY, 120 * DAY + 100, 120 * DAY + 200, 120 * DAY + 300, 120 * DAY + 400]);
      // Nothing spun: the one timer fired about once an hour while the task slept for days.
      expect(fake.fired).to.be.lessThan(120 * 24 + 100);
    });
  });
});
