// Task.cancel() forwards to the task it awaits (Task.unpark → cancel), recursively, with no guard against
// cycles: two tasks that await each other (for real, or as dangling Promise.race losers — README's polling
// pattern over a task) overflow the stack. README: "task.cancel() never throws into a host callback";
// "Nothing escapes into a host callback (on XS: a VM abort, a reboot)".
import { expect } from "chai";
import asyncio, { type Task } from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack2: cancel() through a cycle of task awaits", () => {
  it("two tasks polling each other with Promise.race([other, sleep]): cancel() does not throw, both end", async () => {
    await onVirtualTime(async () => {
      let err: unknown = "none";
      const log: string[] = [];
      await asyncio.run(async () => {
        let a!: Task<void>, b!: Task<void>;
        const poll = (name: string, other: () => Task<void>) => async () => {
          try { for (;;) await Promise.race([other(), asyncio.sleep(0.1)]); } catch (e) { log.push(name + " " + asyncio.safeString(e)); }
        };
        a = asyncio.createTask(poll("a", () => b));
        b = asyncio.createTask(poll("b", () => a));
        await asyncio.sleep(1);
        try { a.cancel(); } catch (e) { err = asyncio.safeString(e); } // actually: RangeError: Maximum call stack size exceeded
        await asyncio.sleep(1);
      });
      expect(err).to.equal("none");
      expect(log).to.deep.equal(["a CancelledError: cancelled", "b CancelledError: cancelled"]);
    });
  });

  it("a real await cycle cancelled from a host callback: nothing escapes into the callback", async () => {
    await onVirtualTime(async (host) => {
      let err: unknown = "none";
      await asyncio.run(async () => {
        let a!: Task<void>, b!: Task<void>;
        a = asyncio.createTask(async () => { await asyncio.sleep(0); await b; });
        b = asyncio.createTask(async () => { await asyncio.sleep(0); await a; });
        host.at(500, () => { try { a.cancel(); } catch (e) { err = asyncio.safeString(e); } });
        await asyncio.sleep(1);
      });
      expect(err).to.equal("none"); // actually: RangeError: Maximum call stack size exceeded
    });
  });
});
