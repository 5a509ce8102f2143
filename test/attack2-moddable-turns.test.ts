// Hosts whose turns fire between promise jobs (Moddable; exactTurns: false). README: "on such hosts the loop
// waits until the step's task has parked on an awaitable or ended before it starts the next step". It takes
// the CREATION of a waiter for parking, and gives up after 32 turns: a task still running is then resumed
// inside the next task's step and belongs to that task.
import { expect } from "chai";
import asyncio, { type Task } from "asyncio";
import { VirtualHost } from "../hosts/virtual";
import { withHost } from "./helpers";

const moddable = () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) });
const who = (a: Task<void>, z: Task<void>) => { const t = asyncio.currentTask(); return t === a ? "itself" : t === z ? "z" : "?"; };

async function scenario(body: (log: string[]) => Promise<void>): Promise<string[]> {
  const log: string[] = [];
  await withHost(moddable(), async () => {
    await asyncio.run(async () => {
      let y!: Task<void>;
      const z = asyncio.createTask(async () => { try { for (;;) await asyncio.sleep(0.001); } catch (e) { log.push("z " + asyncio.safeString(e)); } });
      y = asyncio.createTask(async () => {
        await asyncio.sleep(0.01);
        await body(log);
        log.push("y runs as " + who(y, z));
        try { await asyncio.sleep(5); log.push("y slept"); } catch (e) { log.push("y " + asyncio.safeString(e)); }
      });
      await asyncio.sleep(1);
      z.cancel();
      await asyncio.sleep(5);
    });
  });
  return log;
}

describe("attack2: Moddable-like turns", () => {
  it("Promise.race([ev.wait() (already set), sleep(1)]) — README's polling pattern — keeps the task's identity", async () => {
    const ev = new asyncio.Event();
    ev.set();
    const log = await scenario(async () => { await Promise.race([ev.wait(), asyncio.sleep(1)]); });
    // actually: ["y runs as z", "z CancelledError", "y CancelledError"] — z.cancel() kills y
    expect(log).to.deep.equal(["y runs as itself", "z CancelledError: cancelled", "y slept"]);
  });

  it("40 awaits of settled promises in a row keep the task's identity", async () => {
    const log = await scenario(async () => { for (let i = 0; i < 40; i++) await Promise.resolve(i); });
    expect(log).to.deep.equal(["y runs as itself", "z CancelledError: cancelled", "y slept"]);
  });
});
