// Promise.race polling loops: README says a task waiting again on what it already waits on shares its
// parked waiter ("losers never pile up"). The buttons' awaitables (DelayMs.wait, Pushbutton.pressed/…,
// Switch.closed/…) add a waiter every round; Pin.edge() throws on the second round.
import { expect } from "chai";
import asyncio from "asyncio";
import { DelayMs, Pushbutton } from "buttons";
import { Pin, setDigitalPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import { onVirtualTime } from "./helpers";

async function onBoard(body: () => Promise<void>): Promise<void> {
  await onVirtualTime(async (host) => {
    const previous = setDigitalPort(new SimulatedBoard(() => host.now()));
    try { await body(); } finally { setDigitalPort(previous); }
  });
}

describe("attack: Promise.race polling loops over the buttons' awaitables", () => {
  it("DelayMs.wait(): losers do not pile up", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const d = new DelayMs(1000);
        for (let i = 0; i < 1000; i++) await Promise.race([d.wait(), asyncio.sleepMs(1)]);
        expect((d as any).expiries.waiting.length).to.be.at.most(1); // actually 1000
        d.close();
      });
    });
  });

  it("Pushbutton.pressed(): losers do not pile up", async () => {
    await onBoard(async () => {
      await asyncio.run(async () => {
        const b = new Pushbutton(new Pin(0, Pin.IN, Pin.PULL_UP));
        for (let i = 0; i < 1000; i++) await Promise.race([b.pressed(), asyncio.sleepMs(1)]);
        expect((b as any).presses.waiting.length).to.be.at.most(1); // actually 1000
        b.close();
      });
    });
  });

  it("Pin.edge() in a Promise.race loop does not throw on the second round", async () => {
    await onBoard(async () => {
      await asyncio.run(async () => {
        const p = new Pin(4, Pin.IN, Pin.PULL_UP);
        try {
          for (let i = 0; i < 3; i++) await Promise.race([p.edge(), asyncio.sleepMs(1)]); // actually: RuntimeError, another task is waiting
        } finally {
          p.close();
        }
      });
    });
  });
});
