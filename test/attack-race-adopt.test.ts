// gather/race/wait pair each started coroutine with "the one awaitable it parked on" by counting the
// waiters awaited in the step. When one coroutine completes without parking (a queue with an item, a set
// Event, a free Lock) the counts differ and no coroutine is paired: the losers can't be cancelled.
// README: "race(aws) cancels the losers and waits for them"; "a losing q.get() takes nothing".
import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack: gather/race/wait of started coroutines when one does not park", () => {
  it("race([a.get(), b.get()]) with an item in a returns at once", async () => {
    await onVirtualTime(async () => {
      const a = new asyncio.Queue<string>(), b = new asyncio.Queue<string>();
      a.putNowait("x");
      let r: unknown = "hung";
      await asyncio.run(async () => {
        asyncio.createTask(async () => { r = await asyncio.race([a.get(), b.get()]); });
        await asyncio.sleep(10);
      });
      expect(r).to.deep.equal({ index: 0, value: "x", alsoDone: [] }); // actually: hangs until b gets an item
    });
  });

  it("waitFor(race([a.get(), b.get()]), 5): the deadline at least ends it", async () => {
    await onVirtualTime(async () => {
      const a = new asyncio.Queue<string>(), b = new asyncio.Queue<string>();
      a.putNowait("x");
      let r: unknown = "hung";
      await asyncio.run(async () => {
        asyncio.createTask(async () => { try { r = await asyncio.waitFor(asyncio.race([a.get(), b.get()]), 5); } catch (e) { r = asyncio.safeString(e); } });
        await asyncio.sleep(20);
      });
      expect(r).to.not.equal("hung"); // actually: still hung after 20 s
    });
  });

  it("race([q.get(), ev.wait()]) with the event set leaves the next item in q", async () => {
    await onVirtualTime(async () => {
      const q = new asyncio.Queue<number>(), ev = new asyncio.Event();
      ev.set();
      let r: any = "hung";
      await asyncio.run(async () => {
        asyncio.createTask(async () => { r = await asyncio.race([q.get(), ev.wait()]); });
        await asyncio.sleep(1);
        expect(r).to.not.equal("hung"); // actually: still waiting for q
        q.putNowait(7);
        await asyncio.sleep(1);
      });
      expect(q.qsize()).to.equal(1);
    });
  });

  it("wait(FIRST_COMPLETED), then cancelling the pending get: it takes nothing", async () => {
    await onVirtualTime(async () => {
      const a = new asyncio.Queue<string>(), b = new asyncio.Queue<string>();
      a.putNowait("x");
      await asyncio.run(async () => {
        const [, pending] = await asyncio.wait([a.get(), b.get()], { returnWhen: asyncio.FIRST_COMPLETED });
        for (const t of pending) t.cancel();
        await asyncio.sleep(0.1);
        b.putNowait("y");
        await asyncio.sleep(0.1);
        expect(b.qsize()).to.equal(1); // actually 0: the "cancelled" get took y, and nobody sees it
      });
    });
  });

  it("waitFor(gather([a.get(), b.get()]), 1) timing out leaves b's next item in b", async () => {
    await onVirtualTime(async () => {
      const a = new asyncio.Queue<string>(), b = new asyncio.Queue<string>();
      a.putNowait("x");
      await asyncio.run(async () => {
        await asyncio.waitFor(asyncio.gather([a.get(), b.get()]), 1).catch(() => {});
        b.putNowait("y");
        await asyncio.sleep(0.1);
        expect(b.qsize()).to.equal(1); // actually 0: y is gone
      });
    });
  });
});
