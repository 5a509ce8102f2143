import { expect } from "chai";
import asyncio, { CancelledError, RuntimeError, Ticker, every, everyMs, newEventLoop, ticksDiff, ticksMs, type Tick } from "../modules/asyncio";
import { CountingTimers, onVirtualTime, withHost } from "./helpers";
import { GlobalTimersHost } from "../modules/asyncio/host";
import * as path from "path";
import { runApp } from "../hosts/node/runner";

// Every wake-up here is late by `late` ms (a step that computes that long):
// a sleep loop adds it to every later toggle, a Ticker to none.
describe("every(): periodic ticks that do not drift (issue 14)", () => {
  it("a blink on every(0.5) toggles at exactly k·500 ms even when each wake-up is 7 ms late; a sleep loop drifts 7 ms a period", async () => {
    const times = await onVirtualTime(async (host) => {
      const ticker: number[] = [];
      const sleeper: number[] = [];
      await asyncio.run(async () => {
        const a = asyncio.createTask(async () => {
          for await (const tick of every(0.5)) {
            ticker.push(host.now());
            expect(tick.index).to.equal(ticker.length);
            host.spend(7);
            if (ticker.length === 10) break;
          }
        });
        const b = asyncio.createTask(async () => {
          while (sleeper.length < 10) {
            await asyncio.sleep(0.5);
            sleeper.push(host.now());
            host.spend(7);
          }
        });
        await asyncio.gather([a, b]);
      });
      return { ticker, sleeper };
    });
    // The two tasks share the loop: one's 7 ms lands on the other when both are due together.
    expect(times.ticker.map((t, i) => t - 500 * (i + 1)).every((late) => late >= 0 && late <= 7)).to.equal(true);
    expect(times.ticker.filter((t, i) => t === 500 * (i + 1)).length).to.be.at.least(1);
    expect(times.sleeper[9] - 5000).to.be.at.least(63);
  });

  it("alone on the loop, tick k arrives at exactly start + k·period, deadline and index included", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        await asyncio.sleepMs(13);
        const t = everyMs(250);
        const got: [number, Tick][] = [];
        for (let i = 0; i < 4; i++) {
          const r = await t.next();
          expect(r.done).to.equal(false);
          got.push([host.now(), r.value as Tick]);
          host.spend(3);
        }
        expect(got.map(([now]) => now)).to.deep.equal([263, 513, 763, 1013]);
        expect(got.map(([, tick]) => tick)).to.deep.equal([
          { index: 1, deadline: 263, skipped: 0, backlog: 0 },
          { index: 2, deadline: 513, skipped: 0, backlog: 0 },
          { index: 3, deadline: 763, skipped: 0, backlog: 0 },
          { index: 4, deadline: 1013, skipped: 0, backlog: 0 },
        ]);
      });
    });
  });

  it('"skip" (the default): a consumer 1.2 s late gets the latest tick due at once, says how many it skipped, and the next keeps its place', async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = every(0.5);
        const got: [number, Tick][] = [];
        const take = async () => {
          const tick = (await t.next()).value as Tick;
          got.push([host.now(), tick]);
        };
        await take();
        await asyncio.sleep(1.2); // now 1700: ticks 2 (1000) and 3 (1500) are due
        await take();
        await take();
        expect(got).to.deep.equal([
          [500, { index: 1, deadline: 500, skipped: 0, backlog: 0 }],
          [1700, { index: 3, deadline: 1500, skipped: 1, backlog: 0 }],
          [2000, { index: 4, deadline: 2000, skipped: 0, backlog: 0 }],
        ]);
        expect(t.skippedTotal).to.equal(1);
      });
    });
  });

  it('"burst": every tick is delivered, those already due one per turn, with the backlog left', async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = every(0.5, { missed: "burst" });
        const got: [number, Tick][] = [];
        const take = async () => {
          const tick = (await t.next()).value as Tick;
          got.push([host.now(), tick]);
        };
        await take();
        await asyncio.sleep(1.2);
        await take();
        await take();
        await take();
        expect(got).to.deep.equal([
          [500, { index: 1, deadline: 500, skipped: 0, backlog: 0 }],
          [1700, { index: 2, deadline: 1000, skipped: 0, backlog: 1 }],
          [1700, { index: 3, deadline: 1500, skipped: 0, backlog: 0 }],
          [2000, { index: 4, deadline: 2000, skipped: 0, backlog: 0 }],
        ]);
        expect(t.skippedTotal).to.equal(0);
      });
    });
  });

  it("a tick already due still waits for a turn: an always-late consumer does not starve another task", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = everyMs(10, { missed: "burst" });
        await t.next();
        host.spend(1000); // now 1010: ticks 2 … 101 are due
        let other = 0;
        const bystander = asyncio.createTask(async () => {
          for (;;) {
            other++;
            await asyncio.sleep(0);
          }
        });
        const before = other;
        for (let i = 0; i < 5; i++) expect((await t.next()).value!.backlog).to.equal(99 - i);
        expect(other - before).to.equal(5);
        bystander.cancel();
      });
    });
  });

  it("cancelling a task that waits in next() takes no tick: the next call gets it", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = every(1);
        const waiter = asyncio.createTask(() => t.next());
        await asyncio.sleep(0.7);
        waiter.cancel();
        await asyncio.sleep(0);
        expect(waiter.cancelled()).to.equal(true);
        const r = await t.next();
        expect([host.now(), r.value]).to.deep.equal([1000, { index: 1, deadline: 1000, skipped: 0, backlog: 0 }]);
        // Cancelled at the very turn its tick was due: still not taken.
        const w2 = asyncio.createTask(() => t.next());
        await asyncio.sleep(1);
        w2.cancel();
        await asyncio.sleep(0);
        expect(w2.cancelled() || (w2.result() as IteratorResult<Tick>).value.index === 2).to.equal(true);
        if (w2.cancelled()) expect((await t.next()).value!.index).to.equal(2);
      });
    });
  });

  it("stop() ends a wait in progress (done, at once) and every later next(); a break out of for-await stops the ticker", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = every(1);
        const waiting = asyncio.createTask(() => t.next());
        await asyncio.sleep(0.25);
        t.stop();
        expect(await waiting).to.deep.equal({ value: undefined, done: true });
        expect(host.now()).to.equal(250);
        expect(await t.next()).to.deep.equal({ value: undefined, done: true });
        t.stop();

        const u = everyMs(100);
        let n = 0;
        for await (const tick of u) if (++n === 2 || tick.index > 5) break;
        expect(await u.next()).to.deep.equal({ value: undefined, done: true });
        expect(host.now()).to.equal(450);
        expect(String(u)).to.equal("<Ticker every 100 ms>");
      });
    });
  });

  it("two tasks on one ticker share its ticks: each tick goes to one of them, in order, none early, none twice", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = everyMs(100);
        const seen: string[] = [];
        const consumer = (name: string) => async () => {
          for (let i = 0; i < 3; i++) {
            const tick = (await t.next()).value!;
            seen.push(`${name} ${tick.index} at ${host.now()}`);
          }
        };
        await asyncio.gather([asyncio.createTask(consumer("a")), asyncio.createTask(consumer("b"))]);
        expect(seen.map((line) => line.slice(2))).to.deep.equal(["1 at 100", "2 at 200", "3 at 300", "4 at 400", "5 at 500", "6 at 600"]);
        expect(seen.filter((line) => line.startsWith("a")).length).to.equal(3);
      });
    });
  });

  it("deadline is on MicroPython's ticks_ms clock, across its 2³⁰ wrap", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = everyMs(400);
        const ticks: Tick[] = [];
        for (let i = 0; i < 3; i++) ticks.push((await t.next()).value!);
        expect(ticks.map((k) => k.deadline)).to.deep.equal([2 ** 30 - 100, 300, 700]);
        expect(ticksDiff(ticksMs(), ticks[2].deadline)).to.equal(0);
        expect(host.now()).to.equal(2 ** 30 + 700);
      });
    }, { start: 2 ** 30 - 500 } as never);
  });

  it("bad input: typed errors that name the call and the value", () => {
    newEventLoop();
    const bad: [() => unknown, Function, RegExp][] = [
      [() => every("1" as never), TypeError, /^every: expected a number of seconds, got a string "1"|^every: expected a number of seconds, got/],
      [() => every(NaN), TypeError, /every: .*NaN/],
      [() => every(0), RangeError, /every: the period must be more than 0 seconds, got 0/],
      [() => every(-1), RangeError, /every: the period must be more than 0 seconds, got -1/],
      [() => every(Infinity), RangeError, /every: Infinity seconds is not a finite duration/],
      [() => every(1e-9), RangeError, /every: the period must be at least 0.000001 seconds, got 1e-9/],
      [() => everyMs(0), RangeError, /everyMs: the period must be more than 0 milliseconds/],
      [() => everyMs(undefined as never), TypeError, /everyMs: expected a number of milliseconds, got undefined/],
      [() => every(1, null as never), TypeError, /every: expected options as an object such as \{ missed: "burst" \}, got null/],
      [() => every(1, 5 as never), TypeError, /every: expected options as an object/],
      [() => every(1, { missed: "drop" as never }), TypeError, /every: options.missed must be "skip" or "burst", got a string "drop"|options.missed must be "skip" or "burst", got/],
      [() => every(1, { missed: Object.create(null) }), TypeError, /options.missed must be "skip" or "burst"/],
    ];
    for (const [call, type, message] of bad) expect(call).to.throw(type as never, message);
    expect(every(1, {})).to.be.instanceOf(Ticker);
  });

  it("next() from another loop than the ticker's is a RuntimeError; the ticker's own loop keeps going", async () => {
    await onVirtualTime(async () => {
      const t = await asyncio.run(async () => everyMs(10));
      newEventLoop();
      await asyncio.run(async () => {
        let error: unknown;
        try {
          await t.next();
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(RuntimeError);
        expect(String((error as Error).message)).to.equal("Ticker.next(): the ticker belongs to another event loop");
        expect((await everyMs(10).next()).value!.index).to.equal(1);
      });
    });
  });

  it("a cancelled for-await loop over a ticker surfaces CancelledError, leaves no sleeper behind, and the ticker can go on", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const t = everyMs(100);
        const task = asyncio.createTask(async () => {
          for await (const _ of t) void _;
        });
        await asyncio.sleepMs(250);
        task.cancel();
        let error: unknown;
        try {
          await task;
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(CancelledError);
        expect((loop as unknown as { sleepers: { items: unknown[] } }).sleepers.items.length).to.equal(0);
        // A next() that rejects does not close the iterator (JavaScript's rule): the ticker goes on, and the cancel took no tick.
        const tick = (await t.next()).value!;
        expect([loop.now(), tick.index, tick.skipped]).to.deep.equal([300, 3, 0]);
      });
    });
  });

  it("100 tickers on real time share the loop's one host timer", async () => {
    const timers = new CountingTimers();
    await withHost(new GlobalTimersHost(timers as never), async () => {
      await asyncio.run(async () => {
        const tickers = Array.from({ length: 100 }, (_, i) => everyMs(5 + (i % 7)));
        await asyncio.gather(tickers.map((t) => asyncio.createTask(async () => {
          for (let i = 0; i < 3; i++) await t.next();
        })));
      });
    });
    expect(timers.maxLive).to.equal(1);
  });

  it("examples/sampler.ts on virtual time: the LED toggles at exactly k·500 ms, 50 samples a second, their means printed each second", async () => {
    const printed: string[] = [];
    const run = runApp({ entry: path.join(__dirname, "..", "examples", "sampler.ts"), duration: 3.9, virtual: true, view: false });
    run.feed.subscribe((e) => {
      if (e.type === "print") printed.push(`${e.time} ${e.line}`);
    });
    await run.finished;
    const toggles = run.board.history.filter((c) => c.pin === 14).map((c) => `${c.time} ${c.level}`);
    expect(toggles).to.deep.equal(["0 0", "500 1", "1000 0", "1500 1", "2000 0", "2500 1", "3000 0", "3500 1"]); // opened low, then a toggle each tick
    expect(printed).to.deep.equal([
      "1000 1 s: 0.755 V mean of 50 samples",
      "2000 2 s: 1.255 V mean of 50 samples",
      "3000 3 s: 1.755 V mean of 50 samples",
    ]);
  });
});


describe("getRunningLoop() (CPython's get_running_loop)", () => {
  it("is the running loop inside a task and a callback; outside any run it is a RuntimeError", async () => {
    await onVirtualTime(async (_host, loop) => {
      expect(() => asyncio.getRunningLoop()).to.throw(RuntimeError, "getRunningLoop(): no running event loop");
      await asyncio.run(async () => {
        expect(asyncio.getRunningLoop()).to.equal(loop);
        await new Promise<void>((resolve) => loop.callSoon(() => {
          expect(asyncio.getRunningLoop()).to.equal(loop);
          resolve();
        }));
      });
      expect(() => asyncio.getRunningLoop()).to.throw(RuntimeError);
    });
  });
});
