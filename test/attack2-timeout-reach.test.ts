// A plain promise (not an asyncio awaitable) leaves the loop's bookkeeping: JavaScript does not say
// which task its continuation belongs to (README, Known differences). These cases use the documented
// remedy, asyncio.wrapFuture(p), and check that with it cancel(), currentTask(), waitFor and timeout
// reach exactly the right task.
// waitFor/timeout around work a cancel cannot reach. README Guarantees: "A cancel that cannot reach its
// target (a task awaiting a plain promise …) cannot stop it: waitFor/timeout then stop waiting and raise
// TimeoutError (or CancelledError) at once". Scope.forward only looks at whether the inner task itself has no
// parked waiter right after the cancel.
import { expect } from "chai";
import asyncio, { type Task } from "asyncio";
import { onVirtualTime } from "./helpers";

async function settled(body: () => Promise<unknown>, secs = 50): Promise<unknown> {
  let out: unknown = "hung";
  await asyncio.run(async () => {
    asyncio.createTask(async () => { try { out = await body(); } catch (e) { out = asyncio.safeString(e); } });
    await asyncio.sleep(secs);
  });
  return out;
}
const never = () => new Promise(() => {}); // a fetch() that never answers

describe("attack2: waitFor/timeout when the cancel cannot reach", () => {
  it("timeout(1, body) whose body lost a Promise.race on event.wait() and then awaits a plain promise", async () => {
    await onVirtualTime(async () => {
      const ev = new asyncio.Event();
      const out = await settled(() => asyncio.timeout(1, async () => {
        await Promise.race([ev.wait(), asyncio.sleep(0.01)]); // README's polling pattern; the loser stays parked
        await asyncio.wrapFuture(never());
      }));
      expect(out).to.match(/TimeoutError/); // actually: hangs (the deadline's cancel lands on the dangling loser)
    });
  });

  it("cancel() of a task with a dangling Promise.race loser, while it awaits a plain promise, is not lost", async () => {
    await onVirtualTime(async (host) => {
      const ev = new asyncio.Event();
      let out = "running";
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await Promise.race([ev.wait(), asyncio.sleep(0.01)]);
          try {
            await asyncio.wrapFuture(new Promise<void>((r) => host.at(500, r)));
            for (;;) await asyncio.sleep(0.1);
          } catch (e) { out = asyncio.safeString(e); }
        });
        await asyncio.sleep(0.1);
        t.cancel();
        await asyncio.sleep(1);
      });
      expect(out).to.match(/CancelledError/); // actually: "running" for ever
    });
  });

  it("timeout(1, body awaiting a task that awaits a plain promise) raises TimeoutError", async () => {
    await onVirtualTime(async () => {
      const out = await settled(async () => {
        const t = asyncio.createTask(async () => { await asyncio.wrapFuture(never()); });
        return asyncio.timeout(1, async () => { await t; });
      });
      expect(out).to.match(/TimeoutError/); // actually: hangs
    });
  });

  it("timeout(1, TaskGroup with a child awaiting a plain promise) raises TimeoutError", async () => {
    await onVirtualTime(async () => {
      const out = await settled(() => asyncio.timeout(1, () => asyncio.taskGroup(async (tg) => { tg.createTask(async () => { await asyncio.wrapFuture(never()); }); })));
      expect(out).to.match(/TimeoutError/); // actually: hangs
    });
  });

  it("waitFor(inner, null) whose caller is cancelled by inner's own step, inner then awaiting a plain promise", async () => {
    await onVirtualTime(async () => {
      let out = "hung";
      await asyncio.run(async () => {
        let caller!: Task<unknown>;
        const inner = asyncio.createTask(async () => { await asyncio.sleep(0.1); caller.cancel(); await asyncio.wrapFuture(never()); });
        caller = asyncio.createTask(async () => {
          try { await asyncio.waitFor(inner, null); out = "ok"; } catch (e) { out = asyncio.safeString(e) + " at " + asyncio.getEventLoop().now(); }
        });
        await asyncio.sleep(50);
      });
      // forward() sees inner === loop.current, defers inner.cancel() to a later step (cancelSafely) and never
      // looks again: the caller waits for ever (with a limit, until the deadline)
      expect(out).to.equal("CancelledError: cancelled at 100");
    });
  });
});
