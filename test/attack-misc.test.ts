import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack: misc", () => {
  // Task's `then` getter parks an awaiter; finish() marks the outcome retrieved for every parked awaiter,
  // awaited or not. README: "Errors nobody retrieves are reported exactly once".
  it("looking at task.then (an isPromiseLike check) does not swallow the task's error", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => { await asyncio.sleep(0.1); throw new Error("boom"); });
        const isPromiseLike = (x: any) => x !== null && typeof x === "object" && typeof x.then === "function";
        expect(isPromiseLike(t)).to.equal(true);
        await asyncio.sleep(1);
      });
      expect(host.reports.length).to.equal(1); // actually 0: the error is lost silently
    });
  });

  // BoundedSemaphore checks value >= bound but ignores a permit being handed to a woken waiter.
  it("BoundedSemaphore refuses an over-release while a permit is handed over", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const s = new asyncio.BoundedSemaphore(1);
        await s.acquire();
        const w = asyncio.createTask(() => s.acquire());
        await asyncio.sleep(0);
        s.release(); // handed to w
        expect(() => s.release()).to.throw(asyncio.RuntimeError); // actually accepted: value 1 + w's permit = 2 holders
        expect(() => w.cancel()).not.to.throw(); // and then cancel() throws RuntimeError from BoundedSemaphore.release
      });
    });
  });
});
