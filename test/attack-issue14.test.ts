// Issue 14's primitives attacked: bad input, cancellation, callbacks that
// throw odd values, clock edges, shutdown races, misuse.
import { expect } from "chai";
import asyncio, { CancelledError, type ExceptionContext, type Loop } from "../modules/asyncio";
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
    let fut: asyncio.Future<number> | null = null;
    let fut2: asyncio.Future<number> | null = null;
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
});
