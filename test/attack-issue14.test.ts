// Issue 14's primitives attacked: bad input, cancellation, callbacks that
// throw odd values, clock edges, shutdown races, misuse.
import { expect } from "chai";
import asyncio, { type ExceptionContext, type Future, type Loop, type Queue, type Task } from "../modules/asyncio";
import { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function collect(loop: Loop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void seen.push(ctx));
  return seen;
}

describe("attack: issue 14's primitives", () => {
  it("X1 Broker: an Event or Message agent whose set() throws is reported, publish() does not throw", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        class BadEvent extends asyncio.Event { override set(): void { throw Object.create(null); } }
        class BadMessage extends asyncio.Message { override set(): void { throw revoked(); } }
        const b = new asyncio.Broker();
        const got: unknown[] = [];
        b.subscribe("t", new BadEvent());
        b.subscribe("t", new BadMessage());
        b.subscribe("t", (_t: unknown, m: unknown) => void got.push(m));
        expect(() => b.publish("t", 1)).to.not.throw();
        expect(got).to.deep.equal([1]);
        await asyncio.sleep(0);
        expect(seen.length).to.equal(2);
      });
    });
  });

  it("X2 schedule: an Event target whose set() throws is reported and the schedule goes on", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        let n = 0;
        class BadEvent extends asyncio.Event { override set(): void { n++; throw Object.create(null); } }
        const t = asyncio.schedule(new BadEvent(), { secs: null, mins: null, hrs: null, times: 3, clock: () => host.now() });
        await asyncio.sleep(5);
        expect(n).to.equal(3);
        expect(t.done()).to.equal(true);
        expect(seen.length).to.equal(3);
      });
    });
  });

  it("X3 Future: set from a host callback after its loop closed does not throw into the host", async () => {
    let fut: Future<number> | null = null;
    let fut2: Future<number> | null = null;
    const host = new VirtualHost();
    await withHost(host, async (loop) => {
      await asyncio.run(async () => {
        fut = loop.createFuture<number>();
        fut2 = loop.createFuture<number>();
        fut.addDoneCallback(() => {});
      });
      loop.close();
      expect(() => fut!.setResult(1)).to.not.throw();
      expect(() => fut2!.setException(new Error("late"))).to.not.throw();
    });
  });

  it("X4 every(): a period too large for the clock is a RangeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        expect(() => asyncio.every(Number.MAX_VALUE)).to.throw(RangeError);
        expect(() => asyncio.everyMs(Number.MAX_VALUE)).to.not.throw(); // one tick possible
      });
    });
  });

  it("X5 every(): a loop clock starting at 2^53 − 2^20 ms still ticks at k·period", async () => {
    const host = new VirtualHost({ start: 2 ** 53 - 2 ** 20 });
    await withHost(host, async () => {
      await asyncio.run(async () => {
        const t = asyncio.everyMs(100);
        const start = host.now();
        for (let i = 1; i <= 3; i++) {
          const r = await t.next();
          expect(host.now() - start).to.equal(100 * i);
          expect(r.value!.index).to.equal(i);
        }
        t.stop();
      });
    });
  });

  it("X6 every(1e-6): a microsecond period does not hang the loop and other tasks run", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.every(1e-6);
        let other = 0;
        const o = asyncio.createTask(async () => { for (;;) { other++; await asyncio.sleepMs(1); } });
        for (let i = 0; i < 50; i++) await t.next();
        host.spend(5);
        const r = await t.next();
        expect(r.value!.skipped).to.be.greaterThan(0);
        await asyncio.sleepMs(3);
        expect(other).to.be.greaterThan(0);
        o.cancel();
        t.stop();
      });
    });
  });

  it("X7 launch(): a function that returns a Task gives that very Task, whose failure is still reported once", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        const t = asyncio.createTask(async () => { await asyncio.sleep(0.01); throw Object.create(null); });
        const got = asyncio.launch(() => t);
        expect(got).to.equal(t);
        await asyncio.sleep(0.1);
        expect(seen.length).to.equal(1);
      });
    });
  });

  it("X8 launch(): a function that returns a revoked Proxy gives a TypeError naming launch, or the Proxy itself", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const p = revoked();
        let r: unknown;
        try { r = asyncio.launch(() => p); } catch (e) { r = e; }
        if (r !== p) {
          expect(r).to.be.instanceOf(TypeError);
          expect((r as Error).message).to.match(/launch/);
        }
      });
    });
  });

  it("X9 setGlobalException(): a loop that is not a Loop is a TypeError naming the call", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        for (const bad of [null, 1, "loop", Object.create(null), revoked(), new Proxy({}, { get() { throw new Error("trap"); } })]) {
          expect(() => asyncio.setGlobalException(bad as Loop), String(typeof bad)).to.throw(TypeError, /setGlobalException/);
        }
      });
    });
  });

  it("X10 done callbacks, callLater callbacks and Broker agents that throw odd values: reported once each, the loop runs on", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const loop = asyncio.getEventLoop();
        const seen = collect(loop);
        const f = loop.createFuture<number>();
        f.addDoneCallback(() => { throw Object.create(null); });
        const t = asyncio.createTask(async () => 1);
        t.addDoneCallback(() => { throw revoked(); });
        loop.callLater(0.01, () => { throw revoked(); });
        loop.callSoon(() => { throw Symbol("s"); });
        const b = new asyncio.Broker();
        b.subscribe("x", () => { throw revoked(); });
        b.subscribe("x", async () => { throw Object.create(null); });
        class A extends asyncio.Agent { put(): never { throw Object.create(null); } }
        b.subscribe("x", new A());
        b.publish("x", 1);
        f.setResult(1);
        await asyncio.sleep(0.1);
        expect(seen.length).to.equal(7);
        for (const ctx of seen) expect(String(ctx.message)).to.be.a("string");
      });
    });
  });

  it("X11 Ticker: a task cancelled in next() takes no tick and leaves no heap entry", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const t = asyncio.everyMs(100);
        const a = asyncio.createTask(() => t.next());
        await asyncio.sleepMs(50);
        a.cancel();
        await asyncio.sleep(0);
        expect((loop as unknown as { sleepers: { items: unknown[] } }).sleepers.items.length).to.equal(0);
        const r = await t.next();
        expect(r.value!.index).to.equal(1);
        expect(host.now()).to.equal(100);
        t.stop();
      });
    });
  });

  it("X12 Message: many waiters cancelled leave none behind; a later set() reaches the remaining one", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const m = new asyncio.Message<number>();
        const ts = Array.from({ length: 50 }, () => asyncio.createTask(() => m.wait()));
        await asyncio.sleep(0);
        for (const t of ts.slice(1)) t.cancel();
        await asyncio.sleep(0);
        expect((m as unknown as { waiting: unknown[] }).waiting.length).to.equal(1);
        m.set(7);
        expect(await ts[0]).to.equal(7);
      });
    });
  });

  it("X13 WaitAny over a Message and an Event under waitFor: timed out, no waiter left in either", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const m = new asyncio.Message();
        const e = new asyncio.Event();
        let err: unknown;
        try { await asyncio.waitFor(new asyncio.WaitAny([m, e]).wait(), 0.1); } catch (x) { err = x; }
        expect(err).to.be.instanceOf(asyncio.TimeoutError);
        expect((m as unknown as { waiting: unknown[] }).waiting.length).to.equal(0);
        expect((e as unknown as { waiting: { length: number } }).waiting?.length ?? 0).to.equal(0);
      });
    });
  });

  it("X14 a Future refused as data (Message.set, Queue/PriorityQueue/ThreadSafeQueue puts, Future.setResult) or as aws (asCompleted, ELO) parks nothing on it", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const loop = asyncio.getEventLoop();
        const seen = collect(loop);
        const fut = loop.createFuture<number>();
        const waitingOn = (): number => ((fut as unknown as { waiting: unknown[] | null }).waiting ?? []).length;
        expect(() => new asyncio.Message().set(fut)).to.throw(TypeError);
        expect(() => new asyncio.Queue().putNowait(fut)).to.throw(TypeError);
        expect(() => new asyncio.LifoQueue().putNowait(fut)).to.throw(TypeError);
        expect(() => new asyncio.ThreadSafeQueue(2).putSync(fut)).to.throw(TypeError);
        expect(() => new asyncio.RingbufQueue(2).putNowait(fut)).to.throw(TypeError);
        expect(() => loop.createFuture().setResult(fut)).to.throw(TypeError);
        expect(() => asyncio.asCompleted(fut as unknown as Iterable<never>)).to.throw(TypeError);
        expect(waitingOn()).to.equal(0);
        const elo = new asyncio.ELO(fut as unknown as Promise<number>);
        expect(waitingOn()).to.equal(0);
        // The task that made those calls still sleeps and wakes normally.
        await asyncio.sleep(0.05);
        fut.setResult(1);
        await elo.wait();
        expect(await (elo.task() as Task<number>)).to.equal(1);
        expect(seen).to.deep.equal([]);
      });
    });
  });

  it("X15 huge deadlines (callLater/callAt/timeoutAt/timeout 1e306 s) never fire and do not move the clock", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const loop = asyncio.getEventLoop();
        let fired = 0;
        const h1 = loop.callLater(1e306, () => void fired++);
        const h2 = loop.callAt(1e306, () => void fired++);
        const r = await asyncio.timeoutAt(1e306, async (cm) => { await asyncio.sleep(0.1); return cm.expired(); });
        expect(r).to.equal(false);
        const r2 = await asyncio.timeout(1e306, async () => { await asyncio.sleep(0.1); return 2; });
        expect(r2).to.equal(2);
        await asyncio.sleep(0.1);
        expect(fired).to.equal(0);
        expect(host.now()).to.equal(300);
        h1.cancel();
        h2.cancel();
      });
    });
  });

  it("X16 Queue.shutdown races: a getter woken for an item that another takes, a putter woken for room that shutdown(true) empties", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        for (const Q of [asyncio.Queue, asyncio.LifoQueue, asyncio.PriorityQueue] as (new (maxsize?: number) => Queue<[number, string]>)[]) {
          const q = new Q(1);
          const g = asyncio.createTask(() => q.get());
          await asyncio.sleep(0);
          q.putNowait([1, "a"]);
          expect(q.getNowait()).to.deep.equal([1, "a"]);
          q.shutdown();
          let err: unknown;
          try { await g; } catch (e) { err = e; }
          expect(err).to.be.instanceOf(asyncio.QueueShutDown);
          const q2 = new Q(1);
          q2.putNowait([1, "a"]);
          const p = asyncio.createTask(() => q2.put([2, "b"]));
          await asyncio.sleep(0);
          q2.shutdown(true);
          err = undefined;
          try { await p; } catch (e) { err = e; }
          expect(err).to.be.instanceOf(asyncio.QueueShutDown);
          expect(q2.qsize()).to.equal(0);
          await q2.join();
          // A getter cancelled after it was handed an item passes the wake-up on, shut down or not.
          const q3 = new Q();
          const a = asyncio.createTask(() => q3.get());
          const b = asyncio.createTask(() => q3.get());
          await asyncio.sleep(0);
          q3.putNowait([1, "x"]);
          a.cancel();
          q3.shutdown();
          expect(await b).to.deep.equal([1, "x"]);
        }
      });
    });
  });

  it("X17 asCompleted: duplicates counted once, empty input, timeout 0", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => { await asyncio.sleep(0.05); return 1; });
        const out: unknown[] = [];
        for await (const x of asyncio.asCompleted([t, t, t])) out.push(await x);
        expect(out).to.deep.equal([1]);
        let n = 0;
        for await (const _ of asyncio.asCompleted([])) n++;
        expect(n).to.equal(0);
        const slow = asyncio.createTask(async () => { await asyncio.sleep(1); return 2; });
        const done = asyncio.createTask(async () => 3);
        await asyncio.sleep(0);
        const got: unknown[] = [];
        for (const next of asyncio.asCompleted([slow, done], { timeout: 0 })) {
          try { got.push(await next); } catch (e) { got.push((e as Error).name); }
        }
        expect(got).to.deep.equal([3, "TimeoutError"]);
        expect(slow.done()).to.equal(false);
        expect(await slow).to.equal(2);
      });
    });
  });

  it("X18 Runner misuse: run after close, run from a task, close during a run, a second close", async () => {
    await onVirtualTime(async () => {
      const r = new asyncio.Runner();
      expect(await r.run(async () => 1)).to.equal(1);
      let inner: unknown;
      await r.run(async () => { try { await r.run(async () => 2); } catch (e) { inner = e; } });
      expect(inner).to.be.instanceOf(asyncio.RuntimeError);
      let closing: unknown;
      await r.run(async () => { try { r.close(); } catch (e) { closing = e; } });
      expect(closing).to.be.instanceOf(asyncio.RuntimeError);
      r.close();
      r.close();
      expect(() => r.run(async () => 3)).to.throw(asyncio.RuntimeError);
      expect(await asyncio.run(async () => 4)).to.equal(4);
    });
  });

  it("X19 host callbacks after the loop closed, with tasks still parked: Future, Message, ThreadSafeEvent, ThreadSafeQueue, Broker never throw into the host", async () => {
    const host = new VirtualHost();
    await withHost(host, async (loop) => {
      const fut = loop.createFuture<number>();
      const fut2 = loop.createFuture<number>();
      const msg = new asyncio.Message<number>();
      const tse = new asyncio.ThreadSafeEvent();
      const tsq = new asyncio.ThreadSafeQueue<number>(4);
      const broker = new asyncio.Broker();
      broker.subscribe("t", msg);
      broker.subscribe("t", tsq);
      broker.subscribe("t", async () => 1);
      await asyncio.run(async () => {
        asyncio.createTask(async () => await fut);
        asyncio.createTask(async () => await fut2);
        asyncio.createTask(() => msg.wait());
        asyncio.createTask(() => tse.wait());
        asyncio.createTask(() => tsq.get());
        fut.addDoneCallback(() => {});
        await asyncio.sleep(0.01);
      });
      loop.close();
      expect(() => fut.setResult(1)).to.not.throw();
      expect(() => fut2.setException(new Error("late"))).to.not.throw();
      expect(() => msg.set(1)).to.not.throw();
      expect(() => tse.set()).to.not.throw();
      expect(() => tsq.putSync(1)).to.not.throw();
      expect(() => broker.publish("t", 2)).to.not.throw();
      expect(() => loop.callSoonThreadsafe(() => {})).to.throw(asyncio.RuntimeError);
    });
  });

  it("X20 every(): across the ticks_ms wrap (loop clock from 2^30 − 50 ms) lateness reads 0 with ticksDiff", async () => {
    const host = new VirtualHost({ start: 2 ** 30 - 50 });
    await withHost(host, async () => {
      await asyncio.run(async () => {
        const t = asyncio.everyMs(40);
        for (let i = 0; i < 3; i++) {
          const r = await t.next();
          expect(asyncio.ticksDiff(asyncio.ticksMs(), r.value!.deadline)).to.equal(0);
        }
        host.spend(100);
        const r = await t.next();
        expect(r.value!.skipped).to.equal(1);
        expect(asyncio.ticksDiff(asyncio.ticksMs(), r.value!.deadline)).to.be.within(0, 39);
        t.stop();
        expect((await t.next()).done).to.equal(true);
      });
    });
  });

  it("X21 Broker: a RegExp topic whose matching throws is reported and the other agents still run", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        class Bad extends RegExp { override exec(): RegExpExecArray | null { throw Object.create(null); } }
        const b = new asyncio.Broker();
        const got: unknown[] = [];
        b.subscribe(new Bad("x"), () => void got.push("bad"));
        b.subscribe(/x/, () => void got.push("good"));
        b.subscribe("x", () => void got.push("exact"));
        expect(() => b.publish("x", 1)).to.not.throw();
        expect(got).to.deep.equal(["exact", "good"]);
        expect(seen.length).to.equal(1);
      });
    });
  });

  it("X22 WaitAny/WaitAll: an object whose wait() throws Object.create(null) synchronously: raised once, the other child waits removed", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        const odd = Object.create(null);
        const e = new asyncio.Event();
        const m = new asyncio.Message();
        for (const make of [() => new asyncio.WaitAny([e, { wait(): never { throw odd; } }, m]), () => new asyncio.WaitAll([e, { wait(): never { throw odd; } }, m])]) {
          let err: unknown;
          try { await make().wait(); } catch (x) { err = x; }
          expect(err).to.equal(odd);
          expect((m as unknown as { waiting: unknown[] }).waiting.length).to.equal(0);
          expect((e as unknown as { waiting: { length: number } }).waiting?.length ?? 0).to.equal(0);
        }
        await asyncio.sleep(0.01);
        expect(seen).to.deep.equal([]);
      });
    });
  });

  it("X23 shield: the caller cancelled, the inner task's later failure is reported once; its result kept for a later await", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen = collect(asyncio.getEventLoop());
        const inner = asyncio.createTask(async () => { await asyncio.sleep(0.05); throw Object.create(null); });
        const caller = asyncio.createTask(() => asyncio.shield(inner));
        await asyncio.sleep(0.01);
        caller.cancel();
        let err: unknown;
        try { await caller; } catch (x) { err = x; }
        expect(err).to.be.instanceOf(asyncio.CancelledError);
        await asyncio.sleep(0.1);
        expect(seen.length).to.equal(1);
        const ok = asyncio.createTask(async () => { await asyncio.sleep(0.05); return 5; });
        const c2 = asyncio.createTask(() => asyncio.shield(ok));
        await asyncio.sleep(0.01);
        c2.cancel();
        await asyncio.sleep(0.1);
        expect(await ok).to.equal(5);
      });
    });
  });

  it("X24 Timeout.reschedule: into the past expires the body at once; odd values are TypeErrors naming the call", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const loop = asyncio.getEventLoop();
        let err: unknown;
        try {
          await asyncio.timeout(10, async (cm) => {
            for (const bad of [NaN, "1", Symbol("s"), 10n, Object.create(null)]) expect(() => cm.reschedule(bad as number)).to.throw(TypeError, /reschedule/);
            cm.reschedule(loop.time() - 1);
            await asyncio.sleep(1);
          });
        } catch (x) { err = x; }
        expect(err).to.be.instanceOf(asyncio.TimeoutError);
        expect(host.now()).to.equal(0);
      });
    });
  });
});

