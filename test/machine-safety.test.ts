// machine.Pin under abuse (issue 9): any value thrown by an irq handler is
// reported once and the pin keeps working; a closed pin refuses everything
// at once; misuse raises TypeError / RangeError / RuntimeError naming the pin.
import { expect } from "chai";
import asyncio, { RuntimeError, type ExceptionContext, type Loop } from "asyncio";
import { Pin, setDigitalPort, type DigitalLine, type DigitalPort, type LineOptions } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import type { VirtualHost } from "../hosts/virtual";
import { onBoard, onVirtualTime } from "./helpers";
import { hostileValues } from "./xs/thrown-values";


/** Settles p into what it rejected with (or "resolved"), without ever inspecting the value. */
async function outcome(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return e;
  }
}

describe("machine.Pin: any value an irq handler throws is reported once; the pin keeps working", () => {
  for (const { name, value } of hostileValues()) {
    it(`the handler throws ${name}`, async () => {
      await onBoard(async (host, board, loop) => {
        const contexts: ExceptionContext[] = [];
        let calls = 0;
        await asyncio.run(async () => {
          loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
          const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
          pin.irq(() => {
            calls++;
            throw value;
          }, Pin.IRQ_FALLING);
          host.at(10, () => board.drive(4, 0));
          host.at(20, () => board.drive(4, 1));
          host.at(30, () => board.drive(4, 0));
          // An edge() waiter on the same pin is not disturbed by the throwing handler.
          const edge = asyncio.createTask(() => pin.edge(Pin.IRQ_RISING));
          await asyncio.sleep(0.1);
          expect(edge.done()).to.equal(true);
          pin.close();
        });
        expect(calls).to.equal(2);
        expect(contexts.length).to.equal(2);
        for (const ctx of contexts) {
          expect(ctx.message).to.equal("Exception in Pin(4) irq handler");
          expect(ctx.exception === value).to.equal(true);
          expect(ctx.future).to.equal(null);
        }
        expect(host.reports).to.deep.equal([]);
      });
    });
  }

  it("with no exception handler set, each throw is reported through the host, once", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
        const values = hostileValues().map((v) => v.value);
        let i = 0;
        pin.irq(() => {
          throw values[i++];
        }, Pin.IRQ_FALLING);
        values.forEach((_v, k) => {
          host.at(10 + 10 * k, () => board.drive(4, 0));
          host.at(15 + 10 * k, () => board.drive(4, 1));
        });
        await asyncio.sleep(1);
        pin.close();
        expect(i).to.equal(values.length);
      });
      expect(host.reports.length).to.equal(hostileValues().length);
      for (const r of host.reports) expect(r.startsWith("Exception in Pin(4) irq handler")).to.equal(true);
    });
  });
});

describe("machine.Pin after close()", () => {
  it("every method refuses with a RuntimeError naming the pin; irq() does not reopen it; close() is idempotent", async () => {
    await onBoard(async (_host, board) => {
      await asyncio.run(async () => {
        const input = new Pin(4, Pin.IN, Pin.PULL_UP);
        const led = new Pin(14, Pin.OUT);
        input.close();
        led.close();
        input.close();
        led.deinit();
        expect(board.isOpen(4)).to.equal(false);
        expect(() => input.value()).to.throw(RuntimeError, "Pin(4).value(): the pin is closed");
        expect(() => led.value(1)).to.throw(RuntimeError, "Pin(14).value(1): the pin is closed");
        expect(() => led.on()).to.throw(RuntimeError, /^Pin\(14\)\.value\(1\): the pin is closed$/);
        expect(() => led.off()).to.throw(RuntimeError, /Pin\(14\).*closed/);
        expect(() => led.toggle()).to.throw(RuntimeError, /Pin\(14\).*closed/);
        expect(() => input.irq(() => {})).to.throw(RuntimeError, "Pin(4).irq(): the pin is closed");
        expect(board.isOpen(4)).to.equal(false);
        // Removing a handler from a closed pin is harmless (close() removed it already).
        expect(input.irq(null)).to.equal(input);
        const e = await outcome(input.edge());
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.equal("Pin(4).edge(): the pin is closed");
        expect(board.isOpen(4)).to.equal(false);
        expect(String(input)).to.equal("Pin(4, mode=IN, pull=PULL_UP)");
        // The pin number is free again.
        expect(new Pin(4, Pin.IN).value()).to.equal(0);
      });
    });
  });

  it("an edge() pending at close() is rejected at once, and the pin stays closed", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const pin = new Pin(0, Pin.IN, Pin.PULL_UP);
        const waiting = asyncio.createTask(() => pin.edge(Pin.IRQ_FALLING));
        await asyncio.sleep(0.01);
        pin.close();
        const e = await asyncio.waitFor(outcome(waiting), 0.5).catch((x: unknown) => x);
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.equal("Pin(0).edge(): the pin is closed");
        expect(host.now()).to.equal(10);
        expect(board.isOpen(0)).to.equal(false);
      });
    });
  });

  it("close() from inside its own irq handler stops further calls", async () => {
    await onBoard(async (host, board) => {
      const seen: number[] = [];
      await asyncio.run(async () => {
        const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
        pin.irq((p) => {
          seen.push(host.now());
          p.close();
        });
        host.at(10, () => board.drive(4, 0));
        await asyncio.sleep(0.1);
        expect(board.isOpen(4)).to.equal(false);
      });
      expect(seen).to.deep.equal([10]);
    });
  });
});

describe("machine.Pin: typed errors naming the pin", () => {
  it("TypeError for a wrong type, RangeError for a value not allowed, RuntimeError for misuse in the current state", async () => {
    await onBoard(async (_host, board) => {
      await asyncio.run(async () => {
        // Wrong types.
        expect(() => new Pin("14" as never)).to.throw(TypeError, 'Pin: expected the pin number as a number, got string "14"');
        expect(() => new Pin(14, "out" as never)).to.throw(TypeError, 'Pin(14): expected mode as a number (Pin.IN, Pin.OUT or Pin.OPEN_DRAIN), got string "out"');
        expect(() => new Pin(14, Pin.IN, "up" as never)).to.throw(TypeError, /Pin\(14\): expected pull as/);
        expect(() => new Pin(14, Pin.OUT, null, null as never)).to.throw(TypeError, "Pin(14): expected an options object, got null");
        expect(() => new Pin(14, Pin.OUT, null, { value: "1" as never })).to.throw(TypeError, /Pin\(14\) value option: expected a boolean or a number/);
        const input = new Pin(4, Pin.IN);
        expect(() => input.irq(42 as never)).to.throw(TypeError, "Pin(4).irq(): expected the handler as a function or null, got number 42");
        expect(() => input.irq(() => {}, "both" as never)).to.throw(TypeError, /Pin\(4\)\.irq\(\): expected trigger as a number/);
        expect(await outcome(input.edge("x" as never))).to.be.instanceOf(TypeError);
        // Values not allowed.
        expect(() => new Pin(40)).to.throw(RangeError, "Pin: pin number 40 is out of range for the simulated board (0–39)");
        expect(() => new Pin(1.5)).to.throw(RangeError, /pin number 1.5 is out of range/);
        expect(() => new Pin(14, 7)).to.throw(RangeError, "Pin(14): mode must be Pin.IN, Pin.OUT or Pin.OPEN_DRAIN, got 7");
        expect(() => new Pin(14, Pin.IN, 9)).to.throw(RangeError, "Pin(14): pull must be null, Pin.PULL_UP or Pin.PULL_DOWN, got 9");
        expect(() => new Pin(35, Pin.OUT)).to.throw(RangeError, "Pin(35): the pin is input-only on the simulated board (ESP32 GPIO 34–39)");
        expect(board.isOpen(35)).to.equal(false);
        expect(() => input.irq(() => {}, 8)).to.throw(RangeError, "Pin(4).irq(): trigger must be Pin.IRQ_RISING, Pin.IRQ_FALLING or both, got 8");
        const led = new Pin(14, Pin.OUT);
        expect(() => led.value(NaN)).to.throw(RangeError, "Pin(14).value(): NaN is not a level (expected a boolean or a number)");
        // Misuse in the current state.
        expect(() => new Pin(14, Pin.IN)).to.throw(RuntimeError, "Pin(14): the pin is already open on the simulated board");
        expect(() => input.value(1)).to.throw(RuntimeError, "Pin(4).value(1): the pin is an input");
        expect(() => input.on()).to.throw(RuntimeError, "Pin(4).value(1): the pin is an input");
        expect(() => led.irq(() => {})).to.throw(RuntimeError, "Pin(14).irq(): the pin is an output; edges are only reported on input pins");
        expect(await outcome(led.edge())).to.be.instanceOf(RuntimeError);
        const first = asyncio.createTask(() => input.edge());
        await asyncio.sleep(0);
        const second = await outcome(input.edge());
        expect(second).to.be.instanceOf(RuntimeError);
        expect((second as Error).message).to.equal("Pin(4).edge(): another task is already waiting on this pin");
        first.cancel();
        await asyncio.sleep(0);
        expect(first.cancelled()).to.equal(true);
      });
    });
    const previous = setDigitalPort(null);
    try {
      expect(() => new Pin(2, Pin.OUT)).to.throw(RuntimeError, /no digital IO port is installed/);
    } finally {
      setDigitalPort(previous);
    }
  });

  it("a constructor that throws leaves nothing open", async () => {
    await onBoard(async (_host, board) => {
      expect(() => new Pin(14, Pin.OUT, null, { value: "x" as never })).to.throw(TypeError);
      expect(() => new Pin(14, Pin.OUT, 5)).to.throw(RangeError);
      expect(board.isOpen(14)).to.equal(false);
      expect(new Pin(14, Pin.OUT).value()).to.equal(0);
    });
  });
});

describe("machine.Pin: failures of the port underneath", () => {
  it("a port that refuses to reopen a pin (to change its edges) leaves it closed, not half-open; a pending edge() is rejected", async () => {
    await onBoard(async (_host, board) => {
      let refuse = false;
      const flaky: DigitalPort = {
        name: "flaky port",
        maxPin: 39,
        open(o: LineOptions): DigitalLine {
          if (refuse) throw new RuntimeError(`Pin(${o.pin}): the flaky port refused it`);
          return board.open(o);
        },
      };
      const previous = setDigitalPort(flaky);
      try {
        await asyncio.run(async () => {
          const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
          const waiting = asyncio.createTask(() => pin.edge(Pin.IRQ_FALLING));
          await asyncio.sleep(0);
          refuse = true;
          expect(() => pin.irq(() => {}, Pin.IRQ_RISING)).to.throw(RuntimeError, "Pin(4): the flaky port refused it");
          expect(board.isOpen(4)).to.equal(false);
          expect(() => pin.value()).to.throw(RuntimeError, "Pin(4).value(): the pin is closed");
          const e = await asyncio.waitFor(outcome(waiting), 1);
          expect((e as Error).message).to.equal("Pin(4).edge(): the pin is closed");
        });
      } finally {
        setDigitalPort(previous);
      }
    });
  });

  it("a simulated-board listener that throws is reported; the write it observed still happens", async () => {
    await onBoard(async (_host, board, loop) => {
      const contexts: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
      const fault = Object.create(null);
      const led = new Pin(14, Pin.OUT);
      board.onChange(() => {
        throw fault;
      });
      led.on();
      expect(led.value()).to.equal(1);
      expect(board.level(14)).to.equal(1);
      expect(contexts.map((c) => c.message)).to.deep.equal(["Exception in a simulated board change listener"]);
      expect(contexts[0].exception === fault).to.equal(true);
    });
  });

  it("the simulated board's drive() rejects bad input with typed errors", async () => {
    await onBoard(async (_host, board) => {
      new Pin(4, Pin.IN);
      new Pin(14, Pin.OUT);
      expect(() => board.drive(4, 2 as never)).to.throw(TypeError, "drive(): expected the level as 0, 1 or null, got number 2");
      expect(() => board.drive(5, 1)).to.throw(RuntimeError, "drive(): pin number 5 is not open on the simulated board");
      expect(() => board.drive(14, 1)).to.throw(RuntimeError, "drive(): Pin(14) is an output");
    });
  });
});
