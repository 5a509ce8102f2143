import { expect } from "chai";
import asyncio, { CancelledError, RuntimeError, TimeoutError, type Task } from "../modules/asyncio";
import { onVirtualTime } from "./helpers";

async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("bad input: clear, typed errors, and the loop keeps running", () => {
  it("sleep(NaN) and sleep('1') throw TypeError naming the problem", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const nan = await errorOf(() => asyncio.sleep(NaN));
        expect(nan).to.be.instanceOf(TypeError);
        expect((nan as Error).message).to.match(/sleep: .*NaN/);
        const str = await errorOf(() => asyncio.sleep("1" as unknown as number));
        expect(str).to.be.instanceOf(TypeError);
        expect((str as Error).message).to.contain('string "1"');
        expect(await errorOf(() => asyncio.sleepMs(undefined as unknown as number))).to.be.instanceOf(TypeError);
        expect(await errorOf(() => asyncio.sleep(Infinity))).to.be.instanceOf(RangeError);
        await asyncio.sleep(0.01);
      });
    });
  });

  it("negative sleeps mean 0 and still yield to other ready tasks", async () => {
    await onVirtualTime(async (host) => {
      const order: string[] = [];
      await asyncio.run(async () => {
        asyncio.createTask(async () => void order.push("other"));
        await asyncio.sleep(-5);
        order.push(`main at ${host.now()}`);
      });
      expect(order).to.deep.equal(["other", "main at 0"]);
    });
  });

  it("createTask(42) throws TypeError; a task that hits bad input fails alone, others go on", async () => {
    await onVirtualTime(async (host) => {
      const reports: unknown[] = [];
      await asyncio.run(async () => {
        asyncio.getEventLoop().setExceptionHandler((_l, ctx) => void reports.push(ctx.exception));
        expect(() => asyncio.createTask(42 as never)).to.throw(TypeError, /createTask: expected a coroutine .* got number 42/);
        expect(() => asyncio.createTask(null as never)).to.throw(TypeError, /got null/);
        let ticks = 0;
        const steady = asyncio.createTask(async () => {
          for (;;) {
            ticks++;
            await asyncio.sleep(0.1);
          }
        });
        asyncio.createTask(async () => {
          await asyncio.sleep(0.15);
          await asyncio.sleep(NaN);
        });
        await asyncio.sleep(1);
        steady.cancel();
        expect(ticks).to.equal(10);
        expect(host.now()).to.equal(1000);
      });
      expect(reports).to.have.length(1);
      expect(reports[0]).to.be.instanceOf(TypeError);
    });
  });

  it("Lock.release() when not locked throws RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const lock = new asyncio.Lock();
        expect(() => lock.release()).to.throw(RuntimeError, /not acquired/);
        await lock.acquire();
        lock.release();
        expect(() => lock.release()).to.throw(RuntimeError);
        expect(lock.locked()).to.equal(false);
      });
    });
  });

  it("a task awaiting itself gets RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t: Task<unknown> = asyncio.createTask(async () => await t);
        const e = await errorOf(() => t);
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.contain("await itself");
      });
    });
  });

  it("a second waiter on a ThreadSafeFlag gets RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const flag = new asyncio.ThreadSafeFlag();
        const first = asyncio.createTask(() => flag.wait());
        await asyncio.sleep(0);
        expect(() => flag.wait()).to.throw(RuntimeError, /already waiting/);
        flag.set();
        await first;
      });
    });
  });

  it("a closed loop refuses createTask, runForever, runUntilComplete and new awaits", async () => {
    await onVirtualTime(async (_host, loop) => {
      loop.close();
      expect(() => loop.createTask(async () => {})).to.throw(RuntimeError, /closed/);
      expect(() => loop.runForever()).to.throw(RuntimeError, /closed/);
      expect(() => loop.runUntilComplete(async () => {})).to.throw(RuntimeError, /closed/);
      expect(() => asyncio.sleep(1)).to.throw(RuntimeError, /closed/);
    });
  });

  it("running a loop twice at once is refused", async () => {
    await onVirtualTime(async (_host, loop) => {
      const forever = loop.runForever();
      expect(() => loop.runUntilComplete(async () => {})).to.throw(RuntimeError, /already running/);
      loop.stop();
      await forever;
    });
  });

  it("waitFor/gather/setExceptionHandler reject wrong argument types", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        expect(await errorOf(() => asyncio.waitFor(asyncio.sleep(0), "1" as unknown as number))).to.be.instanceOf(TypeError);
        expect(await errorOf(() => asyncio.waitFor(7 as never, 1))).to.be.instanceOf(TypeError);
        expect(() => asyncio.gather(7 as never)).to.throw(TypeError, /array/);
        expect(() => asyncio.getEventLoop().setExceptionHandler(5 as never)).to.throw(TypeError);
      });
    });
  });

  it("ticksAdd/ticksDiff wrap like MicroPython and reject non-numbers", () => {
    const max = 2 ** 30 - 1;
    expect(asyncio.ticksAdd(max, 1)).to.equal(0);
    expect(asyncio.ticksDiff(0, max)).to.equal(1);
    expect(asyncio.ticksDiff(5, 10)).to.equal(-5);
    expect(asyncio.ticksAdd(0, -1)).to.equal(max);
    expect(() => asyncio.ticksAdd(0, 2 ** 29)).to.throw(RangeError);
    expect(() => asyncio.ticksDiff("a" as never, 1)).to.throw(TypeError);
  });

  it("error classes are real classes", () => {
    expect(new CancelledError()).to.be.instanceOf(Error).and.instanceOf(CancelledError);
    expect(new TimeoutError().name).to.equal("TimeoutError");
    expect(new RuntimeError("x")).to.be.instanceOf(Error);
  });
});
