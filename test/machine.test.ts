import { expect } from "chai";
import asyncio, { RuntimeError } from "asyncio";
import { Pin, setDigitalPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import type { VirtualHost } from "../hosts/virtual";
import { onVirtualTime } from "./helpers";

async function onBoard(body: (host: VirtualHost, board: SimulatedBoard) => Promise<void>): Promise<void> {
  await onVirtualTime(async (host) => {
    const board = new SimulatedBoard(() => host.now());
    const previous = setDigitalPort(board);
    try {
      await body(host, board);
    } finally {
      setDigitalPort(previous);
    }
  });
}

describe("machine.Pin on the Node adapter (simulated board)", () => {
  it("outputs read back the last written level; on/off/toggle; value(true/false)", async () => {
    await onBoard(async (_host, board) => {
      const led = new Pin(14, Pin.OUT);
      expect(led.value()).to.equal(0);
      led.on();
      expect([led.value(), board.level(14)]).to.deep.equal([1, 1]);
      led.toggle();
      expect([led.value(), board.level(14)]).to.deep.equal([0, 0]);
      led.value(true);
      expect(board.level(14)).to.equal(1);
      led.value(0);
      led.off();
      expect(board.level(14)).to.equal(0);
      expect(new Pin(15, Pin.OUT, null, { value: 1 }).value()).to.equal(1);
    });
  });

  it("inputs follow their pull until driven", async () => {
    await onBoard(async (_host, board) => {
      expect(new Pin(4, Pin.IN, Pin.PULL_UP).value()).to.equal(1);
      expect(new Pin(5, Pin.IN, Pin.PULL_DOWN).value()).to.equal(0);
      const p = new Pin(6, Pin.IN);
      board.drive(6, 1);
      expect(p.value()).to.equal(1);
      board.drive(6, null);
      expect(p.value()).to.equal(0);
    });
  });

  it("irq() reports both edges, or only the chosen one, from outside any task", async () => {
    await onBoard(async (host, board) => {
      const seen: string[] = [];
      const both = new Pin(4, Pin.IN, Pin.PULL_UP);
      both.irq((p) => seen.push(`both ${p.value()} @${host.now()}`), Pin.IRQ_RISING | Pin.IRQ_FALLING);
      const falling = new Pin(5, Pin.IN, Pin.PULL_UP);
      falling.irq(() => seen.push(`falling @${host.now()}`), Pin.IRQ_FALLING);
      await asyncio.run(async () => {
        host.at(10, () => board.drive(4, 0));
        host.at(20, () => board.drive(4, 1));
        host.at(30, () => board.drive(5, 0));
        host.at(40, () => board.drive(5, 1));
        await asyncio.sleep(0.1);
      });
      expect(seen).to.deep.equal(["both 0 @10", "both 1 @20", "falling @30"]);
    });
  });

  it("await pin.edge() resolves at the next matching edge and is cancellable", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const button = new Pin(0, Pin.IN, Pin.PULL_UP);
        host.at(100, () => board.drive(0, 0));
        await button.edge(Pin.IRQ_FALLING);
        expect(host.now()).to.equal(100);
        const waiting = asyncio.createTask(() => button.edge(Pin.IRQ_RISING));
        await asyncio.sleep(0.05);
        waiting.cancel();
        await asyncio.sleep(0);
        expect(waiting.cancelled()).to.equal(true);
        host.at(300, () => board.drive(0, 1));
        const e = await asyncio.waitFor(button.edge(Pin.IRQ_FALLING), 0.5).catch((x) => x);
        expect(e).to.be.instanceOf(asyncio.TimeoutError);
        expect(host.now()).to.equal(650);
      });
    });
  });

  it("an irq handler that throws is logged through the exception handler; the pin keeps working", async () => {
    await onBoard(async (host, board) => {
      const contexts: string[] = [];
      await asyncio.run(async () => {
        asyncio.getEventLoop().setExceptionHandler((_l, ctx) => contexts.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
        let calls = 0;
        new Pin(4, Pin.IN, Pin.PULL_UP).irq(() => {
          calls++;
          throw new Error("handler bug");
        }, Pin.IRQ_FALLING);
        host.at(10, () => board.drive(4, 0));
        host.at(20, () => board.drive(4, 1));
        host.at(30, () => board.drive(4, 0));
        await asyncio.sleep(0.1);
        expect(calls).to.equal(2);
      });
      expect(contexts).to.deep.equal(["Exception in Pin(4) irq handler: handler bug", "Exception in Pin(4) irq handler: handler bug"]);
    });
  });

  it("bad input: pin out of range, bad mode or pull, value('x'), writing an input, a pin opened twice, no port", async () => {
    await onBoard(async () => {
      expect(() => new Pin(40, Pin.OUT)).to.throw(RangeError, /pin number 40 is out of range for the simulated board \(0–39\)/);
      expect(() => new Pin(-1)).to.throw(RangeError);
      expect(() => new Pin("14" as unknown as number)).to.throw(TypeError, /string "14"/);
      expect(() => new Pin(14, 7)).to.throw(RangeError, /mode must be/);
      expect(() => new Pin(14, Pin.IN, 9)).to.throw(RangeError, /pull must be/);
      const led = new Pin(14, Pin.OUT);
      expect(() => led.value("x" as unknown as number)).to.throw(TypeError, /expected a boolean or a number, got string "x"/);
      expect(() => new Pin(14, Pin.OUT)).to.throw(RuntimeError, /Pin\(14\): the pin is already open on the simulated board/);
      expect(() => new Pin(35, Pin.OUT)).to.throw(RangeError, /input-only/);
      const input = new Pin(4, Pin.IN);
      expect(() => input.value(1)).to.throw(RuntimeError, /is an input/);
      expect(() => led.irq(() => {})).to.throw(RuntimeError, /only reported on input pins/);
      expect(() => input.irq(() => {}, 8)).to.throw(RangeError, /trigger/);
    });
    const previous = setDigitalPort(null);
    try {
      expect(() => new Pin(2, Pin.OUT)).to.throw(RuntimeError, /no digital IO port is installed/);
    } finally {
      setDigitalPort(previous);
    }
  });
});
