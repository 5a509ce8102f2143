import { expect } from "chai";
import asyncio, { CancelledError, GlobalTimersHost, type Task } from "../modules/asyncio";
import { onVirtualTime, withHost, CountingTimers } from "./helpers";

describe("cancellation reaches the pending awaitable", () => {
  it("inside nested async helpers, and the task may catch it and go on", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      async function inner() {
        try {
          await asyncio.sleep(10);
        } finally {
          log.push(`inner unwound at ${host.now()}`);
        }
      }
      async function outer() {
        try {
          await inner();
        } catch (e) {
          log.push(`outer caught ${(e as Error).name}`);
        }
        await asyncio.sleep(1);
        log.push(`outer went on to ${host.now()}`);
        return "survived";
      }
      await asyncio.run(async () => {
        const t = asyncio.createTask(outer);
        await asyncio.sleep(0.5);
        expect(t.cancel()).to.equal(true);
        expect(await t).to.equal("survived");
        expect(t.cancelled()).to.equal(false);
      });
      expect(log).to.deep.equal(["inner unwound at 500", "outer caught CancelledError", "outer went on to 1500"]);
    });
  });

  it("works for both createTask forms: a started promise and an async function", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      async function blink(name: string) {
        try {
          for (;;) {
            log.push(`${name} ${host.now()}`);
            await asyncio.sleep(0.5);
          }
        } catch (e) {
          log.push(`${name} ${(e as Error).name} at ${host.now()}`);
          throw e;
        }
      }
      await asyncio.run(async () => {
        const started = asyncio.createTask(blink("started"));
        const lazy = asyncio.createTask(() => blink("lazy"));
        await asyncio.sleep(1.2);
        started.cancel();
        lazy.cancel();
        await asyncio.sleep(0);
        expect(started.cancelled() && lazy.cancelled()).to.equal(true);
      });
      expect(log).to.deep.equal([
        "started 0", "lazy 0", "started 500", "lazy 500", "started 1000", "lazy 1000",
        "started CancelledError at 1200", "lazy CancelledError at 1200",
      ]);
    });
  });

  it("a started coroutine passed at top level (before run) is cancellable too", async () => {
    await onVirtualTime(async () => {
      let caught = "";
      async function worker() {
        try {
          await asyncio.sleep(100);
        } catch (e) {
          caught = (e as Error).name;
          throw e;
        }
      }
      const loop = asyncio.getEventLoop();
      const t = loop.createTask(worker());
      await loop.runUntilComplete(async () => {
        await asyncio.sleep(1);
        t.cancel();
        await asyncio.sleep(0);
      });
      expect(caught).to.equal("CancelledError");
      expect(t.cancelled()).to.equal(true);
    });
  });

  it("a pre-created awaitable stays with its creator (createTask only adopts awaited ones)", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const mine = asyncio.sleep(2);
        const other = asyncio.createTask((async () => { await asyncio.sleep(5); })());
        other.cancel();
        await mine;
        expect(host.now()).to.equal(2000);
        await asyncio.sleep(0);
        expect(other.cancelled()).to.equal(true);
      });
    });
  });

  it("a task parked on several awaitables at once (Promise.race) has all of them cancelled, with no unhandled rejection", async () => {
    await onVirtualTime(async () => {
      const ev = new asyncio.Event();
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => Promise.race([ev.wait(), asyncio.sleep(5)]));
        await asyncio.sleep(1);
        t.cancel();
        await asyncio.sleep(0);
        expect(t.cancelled()).to.equal(true);
        ev.set();
        await asyncio.sleep(6);
      });
    });
  });

  it("a cancelled task nobody awaits is silent: no report, no unhandled rejection", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => asyncio.sleep(10));
        await asyncio.sleep(0);
        t.cancel();
        await asyncio.sleep(1);
      });
      expect(host.reports).to.deep.equal([]);
    });
  });

  it("a cancelled, never-started task never runs; cancel() after done returns false", async () => {
    await onVirtualTime(async () => {
      let ran = false;
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => { ran = true; });
        expect(t.cancel()).to.equal(true);
        await asyncio.sleep(0);
        expect(t.done() && t.cancelled()).to.equal(true);
        expect(t.cancel()).to.equal(false);
      });
      expect(ran).to.equal(false);
    });
  });

  it("gather cancels its children when it is cancelled", async () => {
    await onVirtualTime(async () => {
      const children: Task<unknown>[] = [];
      await asyncio.run(async () => {
        const g = asyncio.createTask(() => {
          const kids = [asyncio.createTask(() => asyncio.sleep(10)), asyncio.createTask(() => asyncio.sleep(20))];
          children.push(...kids);
          return asyncio.gather(kids);
        });
        await asyncio.sleep(1);
        g.cancel();
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        expect(g.cancelled()).to.equal(true);
        expect(children.map((c) => c.cancelled())).to.deep.equal([true, true]);
      });
    });
  });

  it("waitFor cancels on timeout and raises TimeoutError; a swallowing task makes it wait for its end and its outcome wins", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const slow = asyncio.createTask(() => asyncio.sleep(10));
        const e = await asyncio.waitFor(slow, 1).catch((x) => x);
        expect(e).to.be.instanceOf(asyncio.TimeoutError);
        expect(host.now()).to.equal(1000);
        expect(slow.cancelled()).to.equal(true);
        const stubborn = async () => {
          try {
            await asyncio.sleep(10);
          } catch {
            await asyncio.sleep(2);
          }
        };
        // It swallowed the cancel and returned: its outcome wins (CPython 3.12).
        const e2 = await asyncio.waitFor(stubborn, 1).catch((x) => x);
        expect(e2).to.equal(undefined);
        expect(host.now()).to.equal(4000);
        const stubbornFails = async () => {
          try {
            await asyncio.sleep(10);
          } catch {
            await asyncio.sleep(2);
            throw new asyncio.CancelledError();
          }
        };
        const e3 = await asyncio.waitFor(stubbornFails, 1).catch((x) => x);
        expect(e3).to.be.instanceOf(asyncio.TimeoutError);
        expect(host.now()).to.equal(7000);
      });
    });
  });
});

describe("awaiting tasks", () => {
  it("createTask(coro()) whose first await is a task: cancel() reaches it", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const other = asyncio.createTask(() => asyncio.sleep(10));
        const t = asyncio.createTask((async () => { await other; })());
        await asyncio.sleep(1);
        t.cancel();
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        expect(t.cancelled()).to.equal(true);
        expect(other.cancelled()).to.equal(true); // forwarded, as MicroPython does
      });
    });
  });

  it("cancel() from a host callback while the last-run task is parked is not 'cancel self'", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => asyncio.sleep(10));
        await asyncio.sleep(0);
        let result: unknown = "not called";
        host.after(1000, () => {
          try {
            result = t.cancel();
          } catch (e) {
            result = e;
          }
        });
        await asyncio.sleep(2);
        expect(result).to.equal(true);
        expect(t.cancelled()).to.equal(true);
      });
    });
  });

  it("looking at task.then (typeof checks) does not tie the looker to the task", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const target = asyncio.createTask(() => asyncio.sleep(10));
        const looker = asyncio.createTask(async () => {
          if (typeof (target as PromiseLike<unknown>).then !== "function") throw new Error("not a thenable");
          await asyncio.sleep(5);
        });
        await asyncio.sleep(1);
        looker.cancel();
        await asyncio.sleep(1);
        expect(looker.cancelled()).to.equal(true);
        expect(target.done()).to.equal(false);
        target.cancel();
      });
    });
  });
});

describe("Lock.with(fn)", () => {
  it("returns fn's result and releases when fn returns, throws, or is cancelled", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const lock = new asyncio.Lock();
        expect(await lock.with(async () => 42)).to.equal(42);
        expect(lock.locked()).to.equal(false);
        const e = await lock.with(() => { throw new RangeError("inside"); }).catch((x) => x);
        expect(e).to.be.instanceOf(RangeError);
        expect(lock.locked()).to.equal(false);
        const holder = asyncio.createTask(() => lock.with(() => asyncio.sleep(10)));
        await asyncio.sleep(1);
        expect(lock.locked()).to.equal(true);
        holder.cancel();
        await asyncio.sleep(0);
        expect(holder.cancelled()).to.equal(true);
        expect(lock.locked()).to.equal(false);
      });
    });
  });
});

describe("ordering (MicroPython's)", () => {
  it("ready tasks run FIFO, sleep(0) yields to every other ready task, equal deadlines wake in sleep order", async () => {
    await onVirtualTime(async () => {
      const order: string[] = [];
      await asyncio.run(async () => {
        for (const name of ["a", "b", "c"]) {
          asyncio.createTask(async () => {
            order.push(`${name}0`);
            await asyncio.sleep(0);
            order.push(`${name}1`);
            await asyncio.sleep(0.1);
            order.push(`${name}2`);
          });
        }
        await asyncio.sleep(0.2);
      });
      expect(order).to.deep.equal(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
    });
  });
});

describe("run() and the exception handler", () => {
  it("run(main) resolves with main's value and rejects with main's error", async () => {
    await onVirtualTime(async () => {
      expect(await asyncio.run(async () => 7)).to.equal(7);
      const e = await asyncio.run(async () => { throw new RangeError("boom"); }).catch((x) => x);
      expect(e).to.be.instanceOf(RangeError);
    });
  });

  it("the loop stops scheduling when main ends; leftover tasks wait for the next run", async () => {
    await onVirtualTime(async () => {
      let steps = 0;
      await asyncio.run(async () => {
        asyncio.createTask(async () => { for (;;) { steps++; await asyncio.sleep(0); } });
        await asyncio.sleep(0);
        await asyncio.sleep(0);
      });
      const after = steps;
      expect(after).to.equal(2);
      await asyncio.run(async () => { await asyncio.sleep(0); });
      expect(steps).to.equal(after + 2);
    });
  });

  it("an exception in a task nobody awaits goes to the handler with message, exception and task; the loop lives on", async () => {
    await onVirtualTime(async (host) => {
      const contexts: unknown[][] = [];
      await asyncio.run(async () => {
        asyncio.getEventLoop().setExceptionHandler((loop, ctx) => contexts.push([loop === asyncio.getEventLoop(), ctx.message, (ctx.exception as Error).message, String(ctx.future)]));
        asyncio.createTask(async function blinker() { throw new Error("led on fire"); });
        await asyncio.sleep(1);
      });
      expect(contexts).to.deep.equal([[true, "Task exception wasn't retrieved", "led on fire", "<Task blinker>"]]);
      expect(host.reports).to.deep.equal([]);
    });
  });
});

describe("cost: one host timer, at most", () => {

  it("1 000 tasks sleeping at different deadlines hold one host timer", async () => {
    const timers = new CountingTimers();
    await withHost(new GlobalTimersHost(timers), async () => {
      await asyncio.run(async () => {
        const tasks = [];
        for (let i = 0; i < 1000; i++) tasks.push(asyncio.createTask(() => asyncio.sleepMs(20 + (i % 37))));
        await asyncio.gather(tasks);
      });
    });
    expect(timers.maxLive).to.equal(1);
  });

  it("cancelling a long sleeper removes it from the timer heap at once", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => asyncio.sleep(3600));
        await asyncio.sleep(0);
        t.cancel();
        await asyncio.sleep(0);
      });
      expect(host.now()).to.equal(0);
    });
  });
});

describe("asyncio.run(main()) vs asyncio.run(main): where main's start runs", () => {
  it("main() runs up to its first await before the loop starts: currentTask() and getRunningLoop() there say so; run(main) is main's first task", async () => {
    await onVirtualTime(async () => {
      const seen: string[] = [];
      const main = async (): Promise<void> => {
        for (const call of [() => asyncio.currentTask().getName(), () => String(asyncio.getRunningLoop() !== null)]) {
          try {
            seen.push(call());
          } catch (e) {
            seen.push((e as Error).message);
          }
        }
        await asyncio.sleep(0);
        seen.push(asyncio.currentTask().getName());
      };
      await asyncio.run(main());
      await asyncio.run(main);
      const advice = " (no loop is running; if this is main's start, asyncio.run(main()) runs main up to its first await before the loop starts: pass the function, asyncio.run(main))";
      expect(seen).to.deep.equal([
        `currentTask(): no task is running${advice}`, `getRunningLoop(): no running event loop${advice}`, "",
        "main", "true", "main",
      ]);
    });
  });
});
