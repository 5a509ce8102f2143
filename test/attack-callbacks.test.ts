// User code the library calls and whose result it ignores: an async exception handler or an async pin irq
// handler that fails leaves an unhandled rejection (README: "nothing is left as an unhandled rejection";
// on XS that aborts the VM). A Barrier action that returns a revoked Proxy (or anything whose `then`
// look-up throws) strands every other party forever.
import { expect } from "chai";
import asyncio, { type Loop } from "asyncio";
import { Pin, setDigitalPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import { onVirtualTime } from "./helpers";

/** Runs body with this test's own unhandled-rejection listener (so the suite's afterEach stays clean); returns what went unhandled. */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const seen: unknown[] = [];
  process.on("unhandledRejection", (r) => void seen.push(r));
  try {
    await body();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of saved) process.on("unhandledRejection", l as (...a: unknown[]) => void);
  }
  return seen;
}

describe("attack: results of user callbacks", () => {
  it("an async exception handler that fails leaves no unhandled rejection", async () => {
    const seen = await unhandledDuring(() => onVirtualTime(async (_host, loop: Loop) => {
      await asyncio.run(async () => {
        loop.setExceptionHandler(async () => { throw new Error("handler failed"); });
        asyncio.createTask(async () => { throw new Error("x"); });
        await asyncio.sleep(0.1);
      });
    }));
    expect(seen.map(String)).to.deep.equal([]);
  });

  it("an async irq handler that fails leaves no unhandled rejection", async () => {
    const seen = await unhandledDuring(() => onVirtualTime(async (host) => {
      const board = new SimulatedBoard(() => host.now());
      const previous = setDigitalPort(board);
      try {
        await asyncio.run(async () => {
          const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
          pin.irq(async () => { throw new Error("irq failed"); }, Pin.IRQ_FALLING);
          host.at(10, () => board.drive(4, 0));
          await asyncio.sleep(0.1);
          pin.close();
        });
      } finally {
        setDigitalPort(previous);
      }
    }));
    expect(seen.map(String)).to.deep.equal([]);
  });

  it("a Barrier action that returns a revoked Proxy does not strand the other party", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const b = new asyncio.Barrier(2, () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; });
        const a = asyncio.createTask(async () => { try { log.push("A " + (await b.wait())); } catch (e) { log.push("A " + asyncio.safeString(e)); } });
        await asyncio.sleep(0.1);
        try { log.push("B " + (await b.wait())); } catch (e) { log.push("B " + asyncio.safeString(e)); }
        await asyncio.sleep(1);
        expect(a.done()).to.equal(true); // actually false: A is out of the barrier's list and never woken
        expect(b.nWaiting).to.equal(0);
      });
    });
  });
});
