import { expect } from "chai";
import asyncio, {
  Barrier, BrokenBarrierError, CancelledError, Event, Queue, RingbufQueue, RuntimeError, TaskGroupError, RINGBUF_MAX_CAPACITY, type Task,
} from "asyncio";
import { onVirtualTime } from "./helpers";
import { thrownValues as hostileValues } from "./xs/thrown-values";

// Issue 9, §2 (any thrown value is safe), §5 (refuse, never hang) and §6
// (limits, items out as put, no pile-up of Promise.race losers; wait/race).


/** The error p raised, boxed: an async function cannot return a revoked Proxy (its `then` is looked up). */
async function caught(p: PromiseLike<unknown>): Promise<{ error: unknown }> {
  try {
    await p;
  } catch (error) {
    return { error };
  }
  return { error: "no error" };
}

async function errorOf(p: PromiseLike<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  return "no error";
}

describe("any thrown value is safe in the loop (issue 9 §2)", () => {
  for (const [label, make] of hostileValues()) {
    describe(label, () => {
      it("a task that throws it is reported once through the handler, and through the host without one; the loop keeps running", async () => {
        await onVirtualTime(async (host, loop) => {
          const seen: unknown[] = [];
          const thrown = make();
          await asyncio.run(async () => {
            loop.setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
            asyncio.createTask(async () => {
              await asyncio.sleep(0.1);
              throw thrown;
            });
            await asyncio.sleep(0.5);
            expect(seen.length).to.equal(1);
            expect(seen[0] === thrown || (Number.isNaN(seen[0]) && Number.isNaN(thrown))).to.equal(true);
            loop.setExceptionHandler(null);
            asyncio.createTask(async () => {
              throw make();
            });
            await asyncio.sleep(0.5);
          });
          expect(host.reports.length).to.equal(1);
          expect(host.reports[0]).to.match(/^Task exception wasn't retrieved\nfuture: <Task/);
        });
      });

      it("an exception handler that throws it is reported by the default handler, with the original report; the loop keeps running", async () => {
        await onVirtualTime(async (host, loop) => {
          let ticks = 0;
          await asyncio.run(async () => {
            loop.setExceptionHandler(() => {
              throw make();
            });
            asyncio.createTask(async () => {
              throw new Error("original");
            });
            for (let i = 0; i < 5; i++) {
              await asyncio.sleep(0.1);
              ticks++;
            }
          });
          expect(ticks).to.equal(5);
          expect(host.reports.length).to.equal(2);
          expect(host.reports[0]).to.match(/^Exception in the loop's exception handler/);
          expect(host.reports[1]).to.match(/^Task exception wasn't retrieved[\s\S]*original/);
        });
      });

      it("run(), waitFor, timeout, gather, TaskGroup and a Barrier action hand it over unchanged", async () => {
        await onVirtualTime(async (host) => {
          const same = (a: unknown, b: unknown) => a === b || (typeof a === "number" && Number.isNaN(a) && Number.isNaN(b as number));
          const v = make();
          const thrower = async () => {
            await asyncio.sleep(0.01);
            throw v;
          };
          expect(same((await caught(asyncio.run(thrower))).error, v)).to.equal(true);
          await asyncio.run(async () => {
            expect(same((await caught(asyncio.waitFor(thrower, 1))).error, v)).to.equal(true);
            expect(same((await caught(asyncio.timeout(1, thrower))).error, v)).to.equal(true);
            expect(same((await caught(asyncio.gather([thrower]))).error, v)).to.equal(true);
            expect(same((await caught(asyncio.race([thrower, () => asyncio.sleep(1)]))).error, v)).to.equal(true);
            const tg = await errorOf(asyncio.taskGroup(async (g) => {
              g.createTask(thrower);
              await asyncio.sleep(1);
            }));
            expect(tg).to.be.instanceOf(TaskGroupError);
            expect(same((tg as TaskGroupError).errors[0], v)).to.equal(true);
            const b = new Barrier(2, () => {
              throw v;
            });
            const other = asyncio.createTask(() => b.wait());
            await asyncio.sleep(0);
            expect(same((await caught(b.wait())).error, v)).to.equal(true);
            expect(await errorOf(other)).to.be.instanceOf(BrokenBarrierError);
            // A coroutine function returning something whose `then` cannot be read.
            const t = asyncio.createTask(() => ({ get then() { throw v; } }) as unknown as Promise<void>);
            expect(same((await caught(t)).error, v)).to.equal(true);
          });
          expect(host.reports).to.deep.equal([]);
        });
      });
    });
  }
});

describe("refusals instead of hangs (issue 9 §5)", () => {
  it("newEventLoop() from a running task raises RuntimeError and the task keeps working", async () => {
    await onVirtualTime(async () => {
      const r = await asyncio.run(async () => {
        const e = await errorOf(() => asyncio.newEventLoop());
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.match(/newEventLoop\(\): the current event loop is running/);
        await asyncio.sleep(0.1);
        return "still here";
      });
      expect(r).to.equal("still here");
    });
  });
});

describe("limits and items (issue 9 §6)", () => {
  it("ticks arithmetic: NaN and non-numbers are TypeErrors, ±Infinity a RangeError (the scheme of durations)", () => {
    expect(() => asyncio.ticksAdd(Infinity, 1)).to.throw(RangeError, /ticksAdd: Infinity is not a finite number/);
    expect(() => asyncio.ticksDiff(1, -Infinity)).to.throw(RangeError);
    expect(() => asyncio.ticksAdd(NaN, 1)).to.throw(TypeError);
    expect(() => asyncio.ticksAdd("1" as unknown as number, 1)).to.throw(TypeError);
    // Not an integer: a TypeError, as MicroPython's for a float (it was truncated without a word).
    expect(() => asyncio.ticksAdd(1.5, 1)).to.throw(TypeError, "ticksAdd: expected an integer number of ms, got 1.5");
    expect(() => asyncio.ticksAdd(1, 0.5)).to.throw(TypeError, "ticksAdd: expected an integer number of ms, got 0.5");
    expect(() => asyncio.ticksDiff(2, 1.25)).to.throw(TypeError, "ticksDiff: expected an integer number of ms, got 1.25");
    // Any integer is taken modulo the period (2^30), as MicroPython's ints are, a huge one included.
    expect(asyncio.ticksAdd(2 ** 40 + 5, 1)).to.equal(6);
    expect(asyncio.ticksAdd(1e300, 1)).to.equal(1);
    expect(asyncio.ticksDiff(2 ** 30 + 3, 1)).to.equal(2);
  });

  it("RingbufQueue refuses a capacity beyond RINGBUF_MAX_CAPACITY with a RangeError naming the class", () => {
    for (const bad of [2 ** 32, 1e8, RINGBUF_MAX_CAPACITY + 1]) {
      expect(() => new RingbufQueue(bad)).to.throw(RangeError, /^RingbufQueue: capacity must be at most 65536/);
    }
    expect(new RingbufQueue(RINGBUF_MAX_CAPACITY).capacity).to.equal(65536);
    expect(() => new Queue(2 ** 53)).to.throw(RangeError, /^Queue: maxsize must be at most/);
  });

  it("queues refuse a Task, a promise or a thenable with a TypeError that says to box it; a box comes out as put", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const task = asyncio.createTask(() => asyncio.sleep(100));
        const thenables: unknown[] = [task, Promise.resolve(1), { then: () => undefined }, { get then() { throw new Error("x"); } }];
        const q = new Queue<unknown>();
        const rq = new RingbufQueue<unknown>(4);
        for (const t of thenables) {
          // (A then that cannot be read is said as that.)
          expect(() => q.putNowait(t)).to.throw(TypeError, /Queue.putNowait\(\): (cannot queue a Task, a promise or another thenable.*box such as \{ task \}|cannot take Object: reading its then threw \(x\))/);
          expect(await errorOf(q.put(t))).to.be.instanceOf(TypeError);
          expect(() => rq.putNowait(t)).to.throw(TypeError, /RingbufQueue.putNowait\(\)/);
          expect(await errorOf(rq.put(t))).to.be.instanceOf(TypeError);
        }
        expect(q.qsize() + rq.qsize()).to.equal(0);
        await q.put({ task });
        expect((await q.get() as { task: Task<void> }).task).to.equal(task);
        rq.putNowait({ task });
        expect((await rq.get() as { task: Task<void> }).task).to.equal(task);
        task.cancel();
      });
    });
  });

  it("20 000 rounds of Promise.race([task, sleepMs(1)]) and Promise.race([event.wait(), sleepMs(1)]) leave one waiter each, not 20 000", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const ev = new Event();
        const slow = asyncio.createTask(() => asyncio.sleep(1e6));
        for (let i = 0; i < 20000; i++) {
          await Promise.race([slow, asyncio.sleepMs(1)]);
          await Promise.race([ev.wait(), asyncio.sleepMs(1)]);
        }
        expect((ev as unknown as { waiting: unknown[] }).waiting.length).to.equal(1);
        expect((slow as unknown as { awaiters: unknown[] }).awaiters.length).to.equal(1);
        const me = asyncio.currentTask() as unknown as { moreWaiting: unknown[] | null };
        expect(me.moreWaiting?.length ?? 0).to.be.lessThan(3);
        ev.set();
        slow.cancel();
      });
    });
  });
});

describe("wait() (CPython's asyncio.wait)", () => {
  it("FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED and timeout return [done, pending]; nothing is cancelled", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const napper = (s: number, fail = false) => async () => {
          await asyncio.sleep(s);
          if (fail) throw new Error(`fail ${s}`);
          return s;
        };
        const a = asyncio.createTask(napper(1));
        const b = asyncio.createTask(napper(2, true));
        const c = asyncio.createTask(napper(3));
        let [done, pending] = await asyncio.wait([a, b, c], { returnWhen: asyncio.FIRST_COMPLETED });
        expect([...done]).to.deep.equal([a]);
        expect([...pending]).to.deep.equal([b, c]);
        expect(host.now()).to.equal(1000);
        [done, pending] = await asyncio.wait([a, b, c], { returnWhen: asyncio.FIRST_EXCEPTION });
        expect(host.now()).to.equal(2000);
        expect(done.has(b) && pending.has(c)).to.equal(true);
        expect((b.exception() as Error).message).to.equal("fail 2");
        [done, pending] = await asyncio.wait([c], { timeout: 0.5 });
        expect(host.now()).to.equal(2500);
        expect(pending.has(c) && !c.cancelled()).to.equal(true);
        [done, pending] = await asyncio.wait([a, b, c]);
        expect(host.now()).to.equal(3000);
        expect(done.size).to.equal(3);
        expect(c.result()).to.equal(3);
      });
      expect(host.reports).to.deep.equal([]);
    });
  });

  it("reports an error nobody read; rejects bad input with typed errors", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          throw new Error("unread");
        });
        await asyncio.wait([t]);
        await asyncio.sleep(0.1);
        expect(await errorOf(() => asyncio.wait([]))).to.be.instanceOf(RangeError);
        expect(await errorOf(() => asyncio.wait("x" as unknown as unknown[]))).to.be.instanceOf(TypeError);
        expect(await errorOf(() => asyncio.wait([1]))).to.be.instanceOf(TypeError);
        expect(await errorOf(() => asyncio.wait([() => asyncio.sleep(0)], { returnWhen: "SOON" as "ALL_COMPLETED" }))).to.be.instanceOf(TypeError);
        expect(await errorOf(() => asyncio.wait([() => asyncio.sleep(0)], { timeout: NaN }))).to.be.instanceOf(TypeError);
      });
      expect(host.reports.length).to.equal(1);
      expect(host.reports[0]).to.match(/unread/);
    });
  });
});

describe("race(): the first wins, the losers are cancelled and lose nothing", () => {
  it("returns the winner's index and value; losers end cancelled; a losing get() takes no item", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const q = new Queue<string>();
        const loser = asyncio.createTask(() => asyncio.sleep(10));
        const r = await asyncio.race([q.get(), loser, () => asyncio.sleep(1, ), asyncio.sleepMs(500)]);
        expect(r.index).to.equal(3);
        expect(r.alsoDone).to.deep.equal([]);
        expect(host.now()).to.equal(500);
        expect(loser.cancelled()).to.equal(true);
        q.putNowait("kept");
        expect(q.getNowait()).to.equal("kept");
        const ev = new Event();
        setTimeoutOnLoop(() => ev.set(), 0.2);
        const r2 = await asyncio.race([ev.wait(), asyncio.sleep(5)]);
        expect(r2).to.deep.equal({ index: 0, value: true, alsoDone: [] });
        expect((ev as unknown as { waiting: unknown[] }).waiting.length).to.equal(0);
      });
      expect(host.reports).to.deep.equal([]);
    });
  });

  it("two that finish together: the first wins, the other's value is in alsoDone (no item lost)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q1 = new Queue<string>();
        const q2 = new Queue<string>();
        q1.putNowait("one");
        q2.putNowait("two");
        const r = await asyncio.race([q1.get(), q2.get()]);
        expect(r).to.deep.equal({ index: 0, value: "one", alsoDone: [{ index: 1, value: "two" }] });
      });
    });
  });

  it("a cancelled caller cancels every awaitable and gets CancelledError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const a = asyncio.createTask(() => asyncio.sleep(10));
        const racer = asyncio.createTask(() => asyncio.race([a, () => asyncio.sleep(10)]));
        await asyncio.sleep(1);
        racer.cancel();
        expect(await errorOf(racer)).to.be.instanceOf(CancelledError);
        expect(a.cancelled()).to.equal(true);
        expect(await errorOf(() => asyncio.race([]))).to.be.instanceOf(RangeError);
      });
    });
  });
});

function setTimeoutOnLoop(fn: () => void, seconds: number): void {
  asyncio.createTask(async () => {
    await asyncio.sleep(seconds);
    fn();
  });
}

describe("messages that say what happened (a new user's finds)", () => {
  it("an item whose then cannot be read is refused as that, not as a thenable: queues, Message, Future", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const trap = new Proxy({}, { get() { throw new Error("trap"); } });
        const tail = (fn: () => unknown): string => {
          try {
            fn();
          } catch (e) {
            expect(e).to.be.instanceOf(TypeError);
            return (e as Error).message;
          }
          return "no error";
        };
        for (const [fn, call] of [
          ["Queue.putNowait()", () => new asyncio.Queue().putNowait(trap)],
          ["RingbufQueue.putNowait()", () => new asyncio.RingbufQueue(2).putNowait(trap)],
          ["Message.set()", () => new asyncio.Message().set(trap)],
          ["Future.setResult()", () => loop.createFuture().setResult(trap)],
        ] as const) {
          expect(tail(call)).to.match(new RegExp(`^${fn.replace(/[.()]/g, "\\$&")}: cannot take .*: reading its then threw \\(trap\\), so a promise resolved with it would fail`));
        }
        // A real thenable is still refused as one.
        expect(tail(() => new asyncio.Queue().putNowait(Promise.resolve(1)))).to.match(/cannot queue a Task, a promise or another thenable/);
      });
    });
  });

  it("asyncio.run() from a running loop names run(), as CPython's does, and says what to do", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        expect(() => asyncio.run(async () => 1)).to.throw(asyncio.RuntimeError, "run: cannot be called from a running event loop (in a task: await main(), or asyncio.createTask(main))");
      });
    });
  });
});
