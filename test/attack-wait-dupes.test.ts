// race()/wait() with the same task twice hang forever (finished.length never reaches tasks.length);
// waitFor/gather/race on the calling task, or two tasks waitFor-ing each other with deadlines, hang or
// overflow the stack instead of raising RuntimeError / TimeoutError.
import { expect } from "chai";
import asyncio, { type Task } from "asyncio";
import { onVirtualTime } from "./helpers";

async function outcome(host: unknown, f: () => Promise<unknown>): Promise<unknown> {
  let out: unknown = "hung";
  await asyncio.run(async () => {
    asyncio.createTask(async () => { try { out = await f(); } catch (e) { out = asyncio.safeString(e); } });
    await asyncio.sleep(5);
  });
  return out;
}

describe("attack: wait()/race() with duplicates, waits on oneself", () => {
  it("race([t, t]) resolves when t finishes", async () => {
    await onVirtualTime(async (host) => {
      const t = asyncio.createTask(async () => { await asyncio.sleep(0.1); return 5; });
      expect(await outcome(host, () => asyncio.race([t, t]))).to.deep.equal({ index: 0, value: 5, alsoDone: [] });
    });
  });

  it("wait([t, t]) resolves when t finishes", async () => {
    await onVirtualTime(async (host) => {
      const t = asyncio.createTask(async () => { await asyncio.sleep(0.1); return 5; });
      const out: any = await outcome(host, () => asyncio.wait([t, t]));
      expect(out).to.not.equal("hung");
      expect(out[0].size).to.equal(1);
    });
  });

  it("waitFor(currentTask(), 1) raises RuntimeError (no stack overflow, no hang)", async () => {
    await onVirtualTime(async (host) => {
      expect(await outcome(host, () => asyncio.waitFor(asyncio.currentTask(), 1))).to.match(/RuntimeError/);
      expect(host.reports).to.deep.equal([]); // actually: "Exception in the event loop / RangeError: Maximum call stack size exceeded"
    });
  });

  it("gather([currentTask()]) raises RuntimeError instead of hanging", async () => {
    await onVirtualTime(async (host) => {
      expect(await outcome(host, () => asyncio.gather([asyncio.currentTask()]))).to.match(/RuntimeError/);
    });
  });

  it("two tasks waitFor-ing each other with deadlines: the deadline ends it, no stack overflow", async () => {
    await onVirtualTime(async (host) => {
      const out: string[] = [];
      await asyncio.run(async () => {
        let b: Task<unknown>;
        const a = asyncio.createTask(async () => {
          await asyncio.sleep(0);
          try { await asyncio.waitFor(b, 1); } catch (e) { out.push("a " + asyncio.safeString(e)); }
        });
        b = asyncio.createTask(async () => { try { await asyncio.waitFor(a, 2); } catch (e) { out.push("b " + asyncio.safeString(e)); } });
        await asyncio.sleep(3);
        // Both end (no hang): a's deadline ends a's wait; b then has a's outcome (a returned), which wins (CPython 3.12).
        expect(a.done() && b.done()).to.equal(true);
      });
      expect(host.reports).to.deep.equal([]); // was: two "Maximum call stack size exceeded" reports
      expect(out).to.deep.equal(["a CancelledError: cancelled"]);
    });
  });
});
