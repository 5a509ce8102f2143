import { expect } from "chai";
import asyncio, { Event, GlobalTimersHost, type Task } from "asyncio";
import { DelayMs } from "../modules/buttons";
import { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";

// Attacks on the lean scheduler core (b07f791..e9e3237). Each test passes on
// 080b52e (before the change) and fails on e9e3237 (the Host.next test
// passes on 080b52e only because that loop never calls next).

/** p, or "HUNG" if it has not settled after ms of real time. */
function orHung<T>(p: Promise<T>, ms = 400): Promise<T | "HUNG"> {
  let timer: ReturnType<typeof setTimeout>;
  const hung = new Promise<"HUNG">((r) => { timer = setTimeout(() => r("HUNG"), ms); });
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

describe("attack: lean core", () => {
  // 1. The ready queue is now a list through entry.next, "an entry is queued
  // at most once at a time". A LoopTimer is not: start() while its expiry is
  // queued (not yet run) puts it in the heap again, and the next turn's
  // enqueue() of the same object sets its `next` to null, cutting off every
  // entry queued behind it. Before, the Fifo ran it twice (the second run a
  // no-op: `due` false).
  it("DelayMs re-triggered (0) while its expiry is queued: no other task is lost", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      const r = await orHung(asyncio.run(async () => {
        const d = new DelayMs(1000, () => void log.push("fired"));
        d.trigger(0);
        await asyncio.sleep(0); // the expiry is queued behind this task's waiter
        log.push("after 1");
        d.trigger(0); // expiry still queued: the timer goes back into the heap
        await asyncio.sleep(0); // this waiter is queued behind the timer... and cut off
        log.push("after 2");
        await asyncio.sleep(0.01);
        return "ok";
      }));
      if (loop.isRunning()) loop.halt();
      expect(r).to.equal("ok"); // actually "HUNG": the main task's waiter was dropped from the ready queue
      expect(log.slice(0, 3)).to.deep.equal(["after 1", "fired", "after 2"]); // actually ["after 1", "fired"]
    });
  });

  // 2. Task.run() watches the promise its function returned with watch(),
  // which defines an own `constructor` on it. A frozen/sealed promise (SES
  // harden(), a promise made while preloading on Moddable), or one with a
  // non-configurable own `constructor`, makes defineProperty throw: the
  // error escapes the step ("Exception in the event loop") and the task
  // stays running for ever; anything awaiting it hangs.
  for (const [what, make] of [
    ["frozen", () => Object.freeze(Promise.resolve(1))],
    ["sealed", () => Object.seal(Promise.resolve(1))],
    ["non-configurable-constructor", () => Object.defineProperty(Promise.resolve(1), "constructor", { value: Promise })],
  ] as [string, () => Promise<number>][]) {
    it(`createTask(() => a promise, ${what}) finishes with its value`, async () => {
      await onVirtualTime(async (host, loop) => {
        const r = await orHung(asyncio.run(async () => {
          const t = asyncio.createTask(() => make());
          return await t;
        }));
        if (loop.isRunning()) loop.halt();
        expect(r).to.equal(1); // actually "HUNG"
        expect(host.reports).to.deep.equal([]); // actually ["Exception in the event loop\nTypeError: Cannot define property constructor..."]
      });
    });
  }

  it("timeout(null, () => a frozen promise) returns its value", async () => {
    await onVirtualTime(async (_host, loop) => {
      const frozen = Object.freeze(Promise.resolve("v"));
      const r = await orHung(asyncio.run(() => asyncio.timeout(null, () => frozen)));
      if (loop.isRunning()) loop.halt();
      expect(r).to.equal("v"); // actually "HUNG"
    });
  });

  // watch() deletes `constructor` from the promise afterwards, whatever was there.
  it("createTask(() => p) leaves p's own properties alone", async () => {
    await onVirtualTime(async () => {
      const p = Promise.resolve(2);
      // A user's own, ordinary `constructor` property (writable, configurable).
      Object.defineProperty(p, "constructor", { value: Promise, writable: true, configurable: true });
      await asyncio.run(async () => {
        expect(await asyncio.createTask(() => p)).to.equal(2);
      });
      expect(Object.getOwnPropertyDescriptor(p, "constructor")?.value).to.equal(Promise); // actually undefined: deleted
    });
  });

  // 3. Adoption by "waiters of the current task awaited in this step":
  // spawnGroup() no longer takes the waiters it leaves for its deferred
  // pairing (counts differ: a coroutine finished without parking), so a
  // createTask(coro()) later in the same step takes the gather child's
  // waiter too. Before, recent.splice(0) consumed them.
  it("gather([sync(), parks()]) then createTask(other()) in the same step: each keeps its own waiter", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const ev = new Event();
        const ev2 = new Event();
        const log: string[] = [];
        const quick = async (): Promise<string> => "q";
        const waitEv = async (): Promise<string> => {
          try {
            await ev.wait();
            return "ev";
          } catch (e) {
            log.push(`gather child: ${(e as Error).name}`);
            throw e;
          }
        };
        const waitEv2 = async (): Promise<string> => {
          try {
            await ev2.wait();
            return "ev2";
          } catch (e) {
            log.push(`other: ${(e as Error).name}`);
            throw e;
          }
        };
        const g = asyncio.gather([quick(), waitEv()]);
        const t = asyncio.createTask(waitEv2());
        await asyncio.sleep(0.01);
        t.cancel();
        await asyncio.sleep(0.01);
        ev.set();
        const res = await g.catch((e) => `gather failed: ${e}`);
        expect(log).to.deep.equal(["other: CancelledError"]); // actually the gather's child was cancelled too
        expect(res).to.deep.equal(["q", "ev"]); // actually "gather failed: CancelledError: cancelled"
      });
    });
  });

  it("...and cancelling the task awaiting that gather cancels the gather's child", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const child = async (name: string, how: "sync" | "park"): Promise<string> => {
          if (how === "sync") return name;
          try {
            await asyncio.sleep(1);
            log.push(`${name} resumed`);
          } catch (e) {
            log.push(`${name} ${(e as Error).name}`);
            throw e;
          }
          return name;
        };
        const m = asyncio.createTask(async () => {
          const g = asyncio.gather([child("a", "sync"), child("b", "park")]);
          const c = asyncio.createTask(child("c", "park"));
          return [await g, await c];
        });
        await asyncio.sleep(0.5);
        m.cancel();
        await asyncio.sleep(2);
      });
      expect(log).to.include("b CancelledError"); // actually "b resumed": b's waiter went to c, the cancel never reached it
    });
  });

  // 4. Loop.recent() also takes "w.awaited === undefined && w.home instanceof
  // Task" from ANY step: the waiter a mere look at task.then (an
  // isPromiseLike check) parked, steps ago, is counted as awaited now. The
  // count no longer matches the coroutines, pairing is skipped, and the
  // gather's children run as the caller's task.
  it("a look at task.then steps ago does not break gather's pairing of started coroutines", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const me = asyncio.currentTask();
        const never = new Event();
        const T = asyncio.createTask(async () => void (await never.wait()));
        const isPromiseLike = (x: unknown): boolean => x !== null && typeof x === "object" && typeof (x as { then?: unknown }).then === "function";
        expect(isPromiseLike(T)).to.equal(true);
        await asyncio.sleep(0.001);
        const seen: boolean[] = [];
        const child = async (name: string): Promise<string> => {
          await asyncio.sleep(0.005);
          seen.push(asyncio.currentTask() === me);
          return name;
        };
        expect(await asyncio.gather([child("a"), child("b")])).to.deep.equal(["a", "b"]);
        T.cancel();
        expect(seen).to.deep.equal([false, false]); // actually [true, true]: the children resumed as the caller
      });
    });
  });

  // 5. Outside any task, recent() splices the whole `unowned` list, dropping
  // waiters not awaited yet; one awaited later by a coroutine handed to
  // createTask is no longer adopted, so cancel() cannot reach it.
  it("outside any task: a waiter made earlier and awaited by a later createTask(coro()) is adopted", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      const ev = new Event();
      const w = ev.wait(); // outside any task, not awaited yet
      const t1 = asyncio.createTask((async () => { await asyncio.sleep(1); return "a"; })());
      const t2: Task<void> = asyncio.createTask((async () => {
        try {
          await w;
        } catch (e) {
          log.push(`t2 ${(e as Error).name}`);
          throw e;
        }
      })());
      await asyncio.run(async () => {
        await asyncio.sleep(0.5);
        t2.cancel();
        await asyncio.sleep(0.1);
        await t1;
      });
      expect(log).to.deep.equal(["t2 CancelledError"]); // actually []: t2 has no waiter, the cancel waits for ever
      expect(t2.cancelled()).to.equal(true);
    });
  });

  // 6. Host.next is called as a detached function: `this` is the Loop, not
  // the host (arm/disarm/now/report are called as methods).
  it("Host.next is called on the host, like arm()", async () => {
    const thisSeen: unknown[] = [];
    class TurnHost extends VirtualHost {
      next(tick: () => void): void {
        thisSeen.push(this);
        setImmediate(tick);
      }
    }
    const host = new TurnHost();
    await withHost(host, async () => {
      await asyncio.run(async () => {
        await asyncio.sleep(0);
      });
    });
    expect(thisSeen.every((x) => x === host)).to.equal(true); // actually the Loop
  });

  // 7. Host.next cannot be cancelled: the step whose jobs end run() leaves a
  // tick on its way. A run() started right after gets that stale tick AND
  // its own arm(0): two tick chains, so two steps per host turn from then on
  // ("Each host turn runs ONE ready entry").
  it("a run() right after another still runs one step per host turn", async () => {
    await withHost(new GlobalTimersHost(), async (loop) => {
      await loop.runUntilComplete(async () => {
        await asyncio.sleep(0);
      });
      let turns = 0;
      let counting = true;
      const count = (): void => {
        turns++;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      const seen: number[] = [];
      await loop.runUntilComplete(async () => {
        for (let i = 0; i < 50; i++) {
          await asyncio.sleep(0);
          seen.push(turns);
        }
      });
      counting = false;
      const shared = seen.filter((t, i) => i > 0 && t === seen[i - 1]).length;
      expect(shared).to.equal(0); // actually ~25: steps come in pairs within one host turn
    });
  });
});

// The same regressions inside XS (xsnap), on XsHost (real time, Host.next = setImmediate).
describe("attack: lean core inside XS (xsnap)", function () {
  this.timeout(60000);
  let output = "";
  before(async () => {
    const path = await import("path");
    const { bundle } = await import("../hosts/xs/bundle");
    const { findXsnapWorker, XsnapWorker } = await import("../hosts/xs/worker");
    const worker = new XsnapWorker(findXsnapWorker()!);
    try {
      await worker.evaluate(bundle(path.join(__dirname, "xs", "prelude.ts")));
      const run = await worker.evaluate(bundle(path.join(__dirname, "xs", "attack-core-entry.ts")));
      output = run.output;
    } finally {
      await worker.close();
    }
  });
  it("the entry ran to the end", () => expect(output).to.contain("DONE"));
  it("DelayMs re-triggered while its expiry is queued loses no task", () => expect(output).to.contain('R1 DelayMs retrigger: "ok"'));
  it("createTask(() => a frozen promise) finishes", () => {
    expect(output).to.contain("R2 frozen promise: 1");
    expect(output).to.not.contain("Exception in the event loop");
  });
  it("gather child keeps its waiter when createTask(coro()) follows in the same step", () => {
    expect(output).to.contain('R3 gather+createTask: {"res":["q","gather child"],"log":["other cancelled"]}');
  });
});
