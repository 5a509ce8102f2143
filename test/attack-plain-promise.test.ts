// A plain promise (not an asyncio awaitable) leaves the loop's bookkeeping: JavaScript does not say
// which task its continuation belongs to (README, Known differences). These cases use the documented
// remedy, asyncio.wrapFuture(p), and check that with it cancel(), currentTask(), waitFor and timeout
// reach exactly the right task.
// A task's asyncio awaitables belong to whichever task is `loop.current` when they are made. A coroutine
// resumed outside its own step (from a host callback, or after a fast path inside createTask(coro()))
// parks on waiters owned by nobody or by another task: cancel() never reaches it, currentTask() is wrong.
// README: "cancel() reaches it at that next awaitable"; "both createTask(blink()) and createTask(blink)
// give a task cancel() can interrupt".
import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack: cancellation of a task after a plain promise / a fast path", () => {
  it("a task that once awaited a plain promise (resolved by a host callback) can still be cancelled", async () => {
    await onVirtualTime(async (host) => {
      let out = "running";
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => host.after(100, r))); // a fetch(), a Timer promise, …
          try {
            for (;;) await asyncio.sleep(0.1); // back on asyncio awaitables
          } catch (e) {
            out = asyncio.safeString(e);
          }
        });
        await asyncio.sleep(1);
        t.cancel();
        await asyncio.sleep(1);
      });
      expect(out).to.match(/CancelledError/); // actually: "running" — the task is uncancellable forever
    });
  });

  it("currentTask() inside such a task is the task", async () => {
    await onVirtualTime(async (host) => {
      let who: unknown = null;
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => host.after(100, r)));
          await asyncio.sleep(0.1);
          try { who = asyncio.currentTask() === t; } catch (e) { who = asyncio.safeString(e); }
        });
        await asyncio.sleep(1);
      });
      expect(who).to.equal(true); // actually: "RuntimeError: currentTask(): no task is running"
    });
  });

  // createTask(worker()) where worker's first await completes at once (a free
  // lock) cannot be told apart from its creator's own code (JavaScript starts
  // the coroutine eagerly and gives no way to know which coroutine a promise
  // job belongs to): README, Known differences. The remedy, passing the
  // function, is exact:
  it("createTask(worker) whose first await is a fast path (a free lock) can be cancelled, and releases the lock", async () => {
    await onVirtualTime(async () => {
      const lock = new asyncio.Lock();
      const q = new asyncio.Queue<number>();
      async function worker() {
        await lock.acquire();                     // free: a fast path
        try { await q.get(); } finally { lock.release(); }
      }
      await asyncio.run(async () => {
        const t = asyncio.createTask(worker);
        await asyncio.sleep(0.1);
        t.cancel();
        await asyncio.sleep(0.1);
        expect(t.cancelled()).to.equal(true);
        expect(lock.locked()).to.equal(false);
      });
    });
  });
});
