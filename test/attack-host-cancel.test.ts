// Task.cancel() from a host callback (a Timer, a socket callback, VirtualHost.at) throws
// RuntimeError("can't cancel self") when the task's step was the last to run (loop.current stays set
// until the next turn) and it is not parked: its waiter was already woken, or cancelled once already,
// or it awaits a plain promise. On XS an exception escaping a host callback aborts the VM.
import { expect } from "chai";
import asyncio from "asyncio";
import { onVirtualTime } from "./helpers";

describe("attack: cancel() from a host callback", () => {
  it("twice in a row (the second throws)", async () => {
    await onVirtualTime(async (host) => {
      let err: unknown = "none";
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          host.after(0, () => {
            try { t.cancel(); t.cancel(); } catch (e) { err = asyncio.safeString(e); }
          });
          await asyncio.sleep(1);
        });
        await asyncio.sleep(2);
      });
      expect(err).to.equal("none"); // actually: "RuntimeError: can't cancel self"
    });
  });

  it("after setting the Event the task waits on", async () => {
    await onVirtualTime(async (host) => {
      const ev = new asyncio.Event();
      let err: unknown = "none";
      let out = "";
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          host.after(0, () => {
            ev.set();
            try { t.cancel(); } catch (e) { err = asyncio.safeString(e); }
          });
          try { await ev.wait(); out = "woke"; } catch (e) { out = asyncio.safeString(e); }
        });
        await asyncio.sleep(1);
      });
      expect(err).to.equal("none");
      expect(out).to.match(/CancelledError/);
    });
  });

  it("of a task awaiting a plain promise", async () => {
    await onVirtualTime(async (host) => {
      let err: unknown = "none";
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await new Promise<void>((r) => host.after(0, () => {
            try { t.cancel(); } catch (e) { err = asyncio.safeString(e); }
            r();
          }));
        });
        await asyncio.sleep(1);
      });
      expect(err).to.equal("none");
    });
  });
});
