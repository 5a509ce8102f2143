// waitFor()/timeout() can't time out an awaitable that waits on a plain promise (the deadline's cancel
// has nothing to reach, and within() waits for inner to end): the timeout never fires. A queue item that
// turns thenable after put() hangs get() the same way, through waitFor too.
// gather() cancelled by a deadline drops the results its finished children already took.
import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

async function settledWithin(body: () => Promise<unknown>): Promise<string> {
  let out = "hung";
  await asyncio.run(async () => {
    asyncio.createTask(async () => { try { await body(); out = "ok"; } catch (e) { out = asyncio.safeString(e); } });
    await asyncio.sleep(5);
  });
  return out;
}

describe("attack: deadlines that do not end the wait; results a deadline drops", () => {
  it("waitFor(a promise that never settles, 1) raises TimeoutError", async () => {
    await onVirtualTime(async () => {
      expect(await settledWithin(() => asyncio.waitFor(new Promise(() => {}), 1))).to.match(/TimeoutError/);
    });
  });

  it("timeout(1, body awaiting a plain promise) raises TimeoutError", async () => {
    await onVirtualTime(async () => {
      expect(await settledWithin(() => asyncio.timeout(1, async () => { await new Promise(() => {}); }))).to.match(/TimeoutError/);
    });
  });

  it("an item that becomes thenable after put() comes out as put (or waitFor at least times out)", async () => {
    await onVirtualTime(async () => {
      const q = new asyncio.Queue<object>();
      let reads = 0;
      const item = new Proxy({}, { get: (_t, k) => (k === "then" && ++reads > 1 ? () => {} : undefined) });
      q.putNowait(item); // checkItem saw no `then`
      // get() returns a promise, which adopts the (now) thenable: the item cannot come out as put;
      // the guarantee is that the wait ends: TimeoutError, not a hang.
      expect(await settledWithin(() => asyncio.waitFor(q.get(), 1))).to.match(/TimeoutError/);
    });
  });

  it("waitFor(gather(tasks), limit) that times out: the item a finished child took stays on its Task (gather's contract is all or nothing, as CPython's)", async () => {
    await onVirtualTime(async () => {
      const a = new asyncio.Queue<string>(), b = new asyncio.Queue<string>();
      a.putNowait("x");
      await asyncio.run(async () => {
        const ta = asyncio.createTask(() => a.get());
        const tb = asyncio.createTask(() => b.get());
        let e: unknown;
        try { await asyncio.waitFor(asyncio.gather([ta, tb]), 1); } catch (x) { e = x; }
        expect(e).to.be.instanceOf(asyncio.TimeoutError);
        expect(ta.result()).to.equal("x");
        expect(tb.cancelled()).to.equal(true);
        b.putNowait("y");
        expect(b.getNowait()).to.equal("y");
      });
    });
  });
});
