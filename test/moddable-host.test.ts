import { expect } from "chai";
import asyncio from "asyncio";
import { FakeModdable, onFakeModdable } from "./fakes/moddable";

// hosts/moddable/host.ts on a model of the SDK's own timer code
// (test/fakes/moddable.ts): "mc" is modules/base/timer/mc/timer.c (ESP32,
// ESP8266), "lin" is modules/base/timer/lin/timer.c on GLib (the desktop
// simulator). Issue 10 §1: a loop with nothing due must not run at all;
// rescheduling a lin timer from its own callback left a 0 ms GLib source
// behind that fired ~490 000 times a second once the loop went idle. The
// loop's turns alternate between two timers made once: lin/timer.c drops the
// timer whose 16-bit id wraps to 0, so a fresh timer per turn hung the loop
// after ~65 000 turns in the simulator.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;


for (const flavor of ["lin", "mc"] as const) {
  describe(`the Moddable host on the SDK's ${flavor === "lin" ? "Linux simulator timers (lin/timer.c on GLib)" : "device timers (mc/timer.c: ESP32, ESP8266)"}`, function () {
    this.timeout(30000);

    it("an idle loop (every task waiting on an Event) leaves no timer scheduled and fires none; a button wakes it", async () => {
      await onFakeModdable(flavor, 0, async (fake) => {
        const restart = new asyncio.Event();
        const woke: number[] = [];
        const blinks: number[] = [];
        void asyncio.run(async () => {
          asyncio.createTask(async () => {
            await restart.wait();
            woke.push(fake.time);
          });
          for (let i = 0; i < 5; i++) {
            blinks.push(fake.time);
            await asyncio.sleepMs(100);
          }
          await restart.wait();
          woke.push(fake.time);
          await asyncio.sleepMs(100);
          blinks.push(fake.time);
          await restart.wait(); // set already: goes on
          restart.clear();
          await restart.wait(); // idle again
        });
        await fake.runUntil(1000);
        expect(blinks).to.deep.equal([0, 100, 200, 300, 400]);
        // On the simulator the SDK re-adds the last timer's repeat (~12 days) after its callback, whatever the callback does.
        expect(fake.pending(), "timers scheduled while idle").to.equal(flavor === "mc" ? 0 : 1);
        expect(fake.dueWithin(12 * DAY), "timers due while idle").to.equal(0);
        expect(fake.allocated(), "timer records the SDK holds: the loop's two, made once").to.equal(2);
        const fired = fake.fired;
        await fake.runUntil(10 * HOUR);
        expect(fake.fired - fired, "timer callbacks while idle for 10 hours").to.equal(0);
        // The button: a host callback (a pin interrupt, the simulator's button) sets the Event.
        fake.Timer.set(() => restart.set(), 10);
        await fake.runUntil(10 * HOUR + 1000);
        expect(woke).to.deep.equal([10 * HOUR + 10, 10 * HOUR + 10]);
        expect(blinks.slice(5)).to.deep.equal([10 * HOUR + 110]);
        expect(fake.dueWithin(12 * DAY), "timers due once idle again").to.equal(0);
        expect(fake.allocated()).to.equal(2);
      });
    });

    it("a busy loop has at most one timer due at a time, two timer records in all, never a high-priority timer (it would run ahead of promise jobs), and runs none after it stops", async () => {
      await onFakeModdable(flavor, 0, async (fake) => {
        let most = 0;
        let records = 0;
        const watch = (): void => {
          most = Math.max(most, fake.dueWithin(DAY));
          records = Math.max(records, fake.allocated());
        };
        const done = asyncio.run(async () => {
          const tasks = [];
          for (let t = 0; t < 5; t++) {
            tasks.push(
              asyncio.createTask(async () => {
                for (let i = 0; i < 20; i++) {
                  watch();
                  await asyncio.sleepMs(i % 3 === 0 ? 0 : 7 * (t + 1));
                }
              }),
            );
          }
          await asyncio.gather(tasks);
          return "done";
        });
        await fake.runUntil(5000);
        expect(await done).to.equal("done");
        expect(most).to.equal(1);
        expect(records).to.equal(2);
        expect(fake.highPriorityTimers).to.equal(0);
        expect(fake.dueWithin(12 * DAY)).to.equal(0);
        expect(fake.allocated()).to.equal(2);
        const fired = fake.fired;
        await fake.runUntil(DAY);
        expect(fake.fired).to.equal(fired);
      });
    });

    it("a wake from a host callback moves the pending timer earlier; runForever() stopped by loop.stop() leaves nothing", async () => {
      await onFakeModdable(flavor, 0, async (fake) => {
        const flag = new asyncio.ThreadSafeFlag();
        const log: string[] = [];
        const loop = asyncio.getEventLoop();
        loop.createTask(async () => {
          await asyncio.sleep(3600); // the timer is pending for an hour
          log.push(`slept ${fake.time}`);
        });
        loop.createTask(async () => {
          await flag.wait();
          log.push(`flag ${fake.time}`);
          loop.stop();
        });
        const forever = loop.runForever();
        fake.Timer.set(() => flag.set(), 250);
        await fake.runUntil(2 * HOUR);
        await forever;
        expect(log).to.deep.equal(["flag 250"]);
        expect(fake.dueWithin(12 * DAY)).to.equal(0);
        expect(fake.allocated()).to.equal(2);
      });
    });

    it("turns go on across the simulator's 16-bit timer id wrapping to 0 (that timer never fires): 70 000 turns, two timer records", async () => {
      await onFakeModdable(flavor, 0, async (fake) => {
        // The app made timers before: the next ids wrap past 0.
        fake.timersMadeBefore(65_530);
        let turns = 0;
        const done = asyncio.run(async () => {
          const tasks = [];
          for (let t = 0; t < 7; t++) {
            tasks.push(
              asyncio.createTask(async () => {
                for (let i = 0; i < 10_000; i++) {
                  turns++;
                  await asyncio.sleepMs(0);
                }
              }),
            );
          }
          await asyncio.gather(tasks);
          return "done";
        });
        await fake.runUntil(1000);
        expect(turns).to.equal(70_000);
        expect(await done).to.equal("done");
        expect(fake.allocated()).to.equal(2);
      });
    });

    it("the app's own timers run beside the loop's and are left alone", async () => {
      await onFakeModdable(flavor, 0, async (fake) => {
        const beats: number[] = [];
        const mine = fake.Timer.repeat(() => {}, 1000);
        const done = asyncio.run(async () => {
          for (let i = 0; i < 4; i++) {
            beats.push(fake.time);
            await asyncio.sleepMs(300);
          }
        });
        await fake.runUntil(2500);
        await done;
        expect(beats).to.deep.equal([0, 300, 600, 900]);
        expect(fake.dueWithin(DAY), "the app's own repeating timer is still there").to.equal(1);
        fake.Timer.clear(mine);
        expect(fake.dueWithin(12 * DAY)).to.equal(0);
      });
    });
  });
}
