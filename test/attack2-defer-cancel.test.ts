// within() (waitFor/timeout) and raceOf() read the caller as loop.current at the call. For
// createTask(worker()) whose first await is waitFor()/race() (it parks: README says that case is exact),
// that is the CREATOR's step: a cancel of the worker that arrives after the outcome exists is deferred to
// the creator (Task.deferCancel) — the wrong task is cancelled and the worker's cancel is lost.
import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack2: deferCancel lands on the task that created the worker", () => {
  it("createTask(worker()) with waitFor(q.get()) first: cancelling the worker after the get completed", async () => {
    await onVirtualTime(async () => {
      const q = new asyncio.Queue<number>();
      const log: string[] = [];
      const out = await asyncio.run(async () => {
        const t = asyncio.createTask((async () => {
          log.push("got " + await asyncio.waitFor(q.get(), 10));
          try { await asyncio.sleep(1); log.push("worker not cancelled"); } catch (e) { log.push("worker " + asyncio.safeString(e)); }
        })());
        q.putNowait(1);
        await asyncio.sleep(0);
        t.cancel(); // the get has completed, the worker has not resumed: it should get 1, then the cancel
        try { await asyncio.sleep(2); await asyncio.sleep(0); return "main ok"; } catch (e) { return "main " + asyncio.safeString(e); }
      });
      // actually: ["got 1", "worker not cancelled", "main CancelledError: cancelled"] — asyncio.run() fails
      expect([...log, out]).to.deep.equal(["got 1", "worker CancelledError: cancelled", "main ok"]);
    });
  });

  it("createTask(worker()) with race() first: same", async () => {
    await onVirtualTime(async () => {
      const q = new asyncio.Queue<number>();
      const log: string[] = [];
      const out = await asyncio.run(async () => {
        const t = asyncio.createTask((async () => {
          log.push("got " + (await asyncio.race([q.get(), asyncio.sleep(5)])).value);
          try { await asyncio.sleep(1); log.push("worker not cancelled"); } catch (e) { log.push("worker " + asyncio.safeString(e)); }
        })());
        q.putNowait(1);
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        t.cancel();
        try { await asyncio.sleep(2); await asyncio.sleep(0); return "main ok"; } catch (e) { return "main " + asyncio.safeString(e); }
      });
      expect([...log, out]).to.deep.equal(["got 1", "worker CancelledError: cancelled", "main ok"]);
    });
  });
});
