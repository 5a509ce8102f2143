import { expect } from "chai";
import asyncio, { RuntimeError } from "asyncio";
import { AADC, ADC, Encoder, Pin, PWM, setAnalogPort, setDigitalPort, setPwmPort, type AnalogPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import { sine, steps, triangle } from "../hosts/node/analog";
import type { VirtualHost } from "../hosts/virtual";
import { onVirtualTime } from "./helpers";

/** Virtual time, a fresh simulated board installed as the digital, analog and PWM ports (restored after). */
async function onBoard(body: (host: VirtualHost, board: SimulatedBoard) => Promise<void>): Promise<void> {
  await onVirtualTime(async (host) => {
    const board = new SimulatedBoard(() => host.now());
    const previous = [setDigitalPort(board), setAnalogPort(board.analog.adcPort), setPwmPort(board.analog.pwmPort)] as const;
    try {
      await body(host, board);
    } finally {
      setDigitalPort(previous[0]);
      setAnalogPort(previous[1]);
      setPwmPort(previous[2]);
    }
  });
}

/** The error fn throws (fails when it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("nothing was thrown");
}

describe("machine.ADC on the simulated board", () => {
  it("readU16() scales the 12-bit reading to 0 … 65535, readUv() gives µV; the converter clips outside 0 … 3.3 V", async () => {
    await onBoard(async (_host, board) => {
      const adc = new ADC(34);
      expect([adc.readU16(), adc.readUv()]).to.deep.equal([0, 0]); // nobody scripted it: 0 V
      const seen: [number, number, number][] = [];
      for (const v of [1, 1.65, 2.5, 3.3, 5, -1, 0.5]) {
        board.analog.set(34, v);
        seen.push([v, adc.readU16(), adc.readUv()]);
      }
      expect(seen).to.deep.equal([
        [1, 19861, 1000073],
        [1.65, 32776, 1650403],
        [2.5, 49643, 2499780],
        [3.3, 65535, 3300000],
        [5, 65535, 3300000],
        [-1, 0, 0],
        [0.5, 9922, 499634],
      ]);
      expect(String(adc)).to.equal("ADC(34)");
    });
  });

  it("follows its waveform on virtual time: steps, sine, triangle, a function of time", async () => {
    await onBoard(async (host, board) => {
      board.analog.set(32, steps([[0, 1.0], [100, 3.0], [250, 0.3]]));
      board.analog.set(33, sine({ min: 0, max: 3.3, periodMs: 1000 }));
      board.analog.set(35, triangle({ min: 0, max: 2, periodMs: 400 }));
      board.analog.set(36, (ms) => ms / 1000); // 1 V a second
      const [a, b, c, d] = [32, 33, 35, 36].map((p) => new ADC(p));
      const samples: number[][] = [];
      await asyncio.run(async () => {
        for (const t of [0, 100, 250, 500]) {
          await asyncio.sleepMs(t - host.now());
          samples.push([host.now(), a.readUv(), b.readUv(), c.readUv(), d.readUv()]);
        }
      });
      expect(samples).to.deep.equal([
        [0, 1000073, 0, 0, 0],
        [100, 3000220, 315092, 1000073, 99927],
        [250, 299780, 1649597, 1499707, 249817],
        [500, 299780, 3300000, 1000073, 499634],
      ]);
    });
  });

  it("ADC(Pin) takes the pin over: the Pin is closed; the pin is one thing at a time", async () => {
    await onBoard(async (_host, board) => {
      const pin = new Pin(34, Pin.IN);
      expect(() => new ADC(34)).to.throw(RuntimeError, "ADC(34): the pin is in use on the simulated board (open as a Pin)");
      const adc = new ADC(pin);
      expect(() => pin.value()).to.throw(RuntimeError, "Pin(34).value(): the pin is closed");
      expect(() => new Pin(34, Pin.IN)).to.throw(RuntimeError, "Pin(34): the pin is in use on the simulated board (open as an ADC)");
      expect(board.analog.holds(34)).to.equal("ADC");
      adc.close();
      expect(board.analog.holds(34)).to.equal(null);
      new Pin(34, Pin.IN).close();
      // A pin a bus holds (I2C, UART) is refused too, naming the bus.
      const free = board.claim(32, "I2C(0)");
      expect(() => new ADC(32)).to.throw(RuntimeError, "ADC(32): the pin is in use on the simulated board (held by I2C(0))");
      expect(() => new PWM(32)).to.throw(RuntimeError, "PWM(32): the pin is in use on the simulated board (held by I2C(0))");
      free();
      const pwm = new PWM(32);
      expect(() => board.claim(32, "UART(1)")).to.throw(RuntimeError, "UART(1): GPIO32 is in use by PWM on the simulated board");
      pwm.deinit();
    });
  });

  it("bad input and misuse: typed errors naming the pin", async () => {
    await onBoard(async () => {
      expect(() => new ADC("34" as unknown as number)).to.throw(TypeError, 'ADC: expected a pin number or a Pin, got string "34"');
      expect(() => new ADC(-1)).to.throw(RangeError, "ADC: the pin must be a whole number >= 0, got -1");
      expect(() => new ADC(1.5)).to.throw(RangeError, "got 1.5");
      expect(() => new ADC(5)).to.throw(RangeError, "ADC(5): GPIO5 is not an analog input on the simulated board");
      const adc = new ADC(34);
      expect(() => new ADC(34)).to.throw(RuntimeError, "ADC(34): the pin is in use on the simulated board (open as an ADC)");
      adc.close();
      adc.close(); // idempotent
      expect(() => adc.readU16()).to.throw(RuntimeError, "ADC(34).readU16(): the ADC is closed");
      expect(() => adc.readUv()).to.throw(RuntimeError, "ADC(34).readUv(): the ADC is closed");
      expect(adc.isOpen()).to.equal(false);
    });
  });

  it("readUv() where the port gives no voltage, a port's odd resolution, no port installed: RuntimeError", async () => {
    await onVirtualTime(async () => {
      const previous = setAnalogPort(null);
      try {
        expect(() => new ADC(0)).to.throw(RuntimeError, "machine: no analog input port is installed");
        let closed = 0;
        const port: AnalogPort = {
          name: "ten-bit port",
          open: ({ pin }) => ({ resolution: pin === 1 ? 0 : 10, read: () => 1023, close: () => void closed++ }),
        };
        setAnalogPort(port);
        const adc = new ADC(0);
        expect(adc.readU16()).to.equal(65535);
        expect(() => adc.readUv()).to.throw(RuntimeError, "ADC(0).readUv(): the ten-bit port gives no voltage (readU16() works everywhere)");
        expect(() => new ADC(1)).to.throw(RuntimeError, "ADC(1): the ten-bit port reports a resolution of 0 bits");
        expect(closed).to.equal(1); // the refused channel was closed
      } finally {
        setAnalogPort(previous);
      }
    });
  });

  it("the waveform's own failures are typed errors naming the pin; set() checks its input", async () => {
    await onBoard(async (_host, board) => {
      board.analog.set(34, () => {
        throw new Error("script bug");
      });
      expect(() => new ADC(34)).to.throw(RuntimeError, "ADC(34): the simulated board's waveform for GPIO34 failed: script bug");
      expect(board.analog.holds(34)).to.equal(null); // not left half-open
      board.analog.set(34, () => NaN);
      expect(() => new ADC(34)).to.throw(RuntimeError, "gave number NaN, not volts");
      expect(() => board.analog.set(5, 1)).to.throw(RangeError, "set(): GPIO5 is not an analog input");
      expect(() => board.analog.set(34, "1" as unknown as number)).to.throw(TypeError, "set(34): expected volts");
      expect(() => board.analog.set(34, Infinity)).to.throw(RangeError, "set(34): volts must be finite");
      expect(() => steps([])).to.throw(TypeError);
      expect(() => steps([[10, 1], [5, 2]])).to.throw(RangeError, "times must ascend");
      expect(() => sine({ periodMs: 0 })).to.throw(RangeError);
    });
  });
});

describe("machine.PWM on the simulated board", () => {
  it("freq(), dutyU16(), dutyNs(), init(): what was set, on the board, and in its events", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const led = new PWM(2);
        expect([led.freq(), led.dutyU16(), led.dutyNs()]).to.deep.equal([1000, 0, 0]);
        expect(board.analog.pwm(2)).to.deep.equal({ duty: 0, freq: 1000 });
        await asyncio.sleepMs(10);
        led.dutyU16(32768);
        expect([led.dutyU16(), led.dutyNs()]).to.deep.equal([32768, 500008]);
        led.dutyU16(32768); // no change: no event
        led.dutyU16(1000.4); // rounded
        expect(led.dutyU16()).to.equal(1000);
        await asyncio.sleepMs(10);
        led.dutyNs(250000);
        expect(led.dutyU16()).to.equal(16384);
        led.freq(2000); // keeps the duty cycle
        expect([led.freq(), led.dutyU16(), led.dutyNs()]).to.deep.equal([2000, 16384, 125002]);
        led.init({ freq: 500, dutyU16: 65535 });
        expect(board.analog.pwm(2)).to.deep.equal({ duty: 65535, freq: 500 });
        led.init({ dutyNs: 0 });
        expect([led.freq(), led.dutyU16()]).to.deep.equal([500, 0]);
        expect(String(led)).to.equal("PWM(2, freq=500, duty_u16=0)");
        await asyncio.sleepMs(5);
        led.deinit();
        expect(board.analog.pwm(2)).to.equal(undefined);
        expect(String(led)).to.equal("PWM(2, deinit)");
        const fan = new PWM(new Pin(4, Pin.OUT), { freq: 25000, dutyNs: 20000 });
        expect([fan.freq(), fan.dutyU16()]).to.deep.equal([25000, 32768]);
        expect(host.now()).to.equal(25);
      });
      expect(board.analog.history.map((e) => (e.type === "pwm" ? `${e.time} ${e.pin} ${e.duty} ${e.freq}` : ""))).to.deep.equal([
        "0 2 0 1000",
        "10 2 32768 1000",
        "10 2 1000 1000",
        "20 2 16384 1000",
        "20 2 16384 2000",
        "20 2 16384 500",
        "20 2 65535 500",
        "20 2 0 500",
        "25 2 0 500", // deinit: the output stops, low
        "25 4 32768 25000",
      ]);
    });
  });

  it("bad input and misuse: typed errors naming the pin; a refused change changes nothing", async () => {
    await onBoard(async (_host, board) => {
      const led = new PWM(2, { freq: 1000, dutyU16: 100 });
      expect(() => led.dutyU16(70000)).to.throw(RangeError, "PWM(2).dutyU16(): the duty must be 0 … 65535, got 70000");
      expect(() => led.dutyU16(-1)).to.throw(RangeError, "got -1");
      expect(() => led.dutyU16(NaN)).to.throw(RangeError, "got NaN");
      expect(() => led.dutyU16("50" as unknown as number)).to.throw(TypeError, 'PWM(2).dutyU16(): expected the duty as a number 0 … 65535, got string "50"');
      expect(() => led.freq(0)).to.throw(RangeError, "PWM(2).freq(): freq must be a finite number of Hz > 0, got 0");
      expect(() => led.freq(-5)).to.throw(RangeError, "got -5");
      expect(() => led.freq(Infinity)).to.throw(RangeError, "got Infinity");
      expect(() => led.freq("1" as unknown as number)).to.throw(TypeError, 'PWM(2).freq(): expected freq as a number of Hz, got string "1"');
      expect(() => led.freq(50e6)).to.throw(RangeError, "PWM(2): the simulated board makes 1 Hz … 40 MHz, not 50000000 Hz");
      expect(() => led.freq(0.5)).to.throw(RangeError, "not 0.5 Hz");
      expect(() => led.dutyNs(1000001)).to.throw(RangeError, "PWM(2).dutyNs(): the duty must be 0 … 1000000 ns (the period at 1000 Hz), got 1000001");
      expect(() => led.init({ dutyU16: 1, dutyNs: 1 })).to.throw(TypeError, "PWM(2).init(): give dutyU16 or dutyNs, not both");
      expect(() => led.init({ freq: 1000, dutyU16: 70000 })).to.throw(RangeError);
      expect(() => led.init(null as unknown as object)).to.throw(TypeError, "PWM(2).init(): expected an options object, got null");
      expect(board.analog.pwm(2)).to.deep.equal({ duty: 100, freq: 1000 }); // nothing changed
      expect(() => new PWM(3, { dutyU16: 65536 })).to.throw(RangeError, "PWM(3): the duty must be 0 … 65535, got 65536");
      expect(() => new PWM(3, { freq: 0 })).to.throw(RangeError, "PWM(3): freq must be");
      expect(() => new PWM(3, 5 as unknown as object)).to.throw(TypeError, "PWM(3): expected an options object, got number 5");
      expect(board.analog.holds(3)).to.equal(null); // checked before the pin is touched
      expect(() => new PWM(34)).to.throw(RangeError, "PWM(34): the pin is input-only on the simulated board (ESP32 GPIO 34–39)");
      expect(() => new PWM(40)).to.throw(RangeError, "PWM(40): the simulated board has no GPIO40 (0–39)");
      expect(() => new PWM(2)).to.throw(RuntimeError, "PWM(2): the pin is in use on the simulated board (open as a PWM)");
      const others = [4, 5, 12, 13, 14, 15, 16].map((p) => new PWM(p));
      expect(() => new PWM(17)).to.throw(RuntimeError, "PWM(17): no PWM channel left on the simulated board (its 8 are in use)");
      others[0].deinit();
      new PWM(17).deinit();
      led.deinit();
      led.deinit(); // idempotent
      for (const [name, call] of [
        ["freq()", () => led.freq()],
        ["freq(10)", () => led.freq(10)],
        ["dutyU16()", () => led.dutyU16()],
        ["dutyU16(5)", () => led.dutyU16(5)],
        ["dutyNs()", () => led.dutyNs()],
        ["dutyNs(5)", () => led.dutyNs(5)],
        ["init()", () => led.init({})],
      ] as const) {
        expect(thrown(call), name).to.be.instanceOf(RuntimeError).and.have.property("message", `PWM(2).${name}: the PWM is deinitialised`);
      }
    });
  });
});

describe("Encoder (Hinch's, on Pin irqs)", () => {
  /** One quadrature cycle from both pins high: X leads turning clockwise (+4), Y leads anticlockwise (−4). */
  function cycle(host: VirtualHost, board: SimulatedBoard, at: number, cw: boolean, x = 4, y = 5): void {
    const [a, b] = cw ? [x, y] : [y, x];
    host.at(at, () => board.drive(a, 0));
    host.at(at + 2, () => board.drive(b, 0));
    host.at(at + 4, () => board.drive(a, 1));
    host.at(at + 6, () => board.drive(b, 1));
  }
  const pins = (): [Pin, Pin] => [new Pin(4, Pin.IN, Pin.PULL_UP), new Pin(5, Pin.IN, Pin.PULL_UP)];

  it("counts both ways; the callback (value, delta, ...args) runs delayMs after motion starts; changed() resolves with the value", async () => {
    await onBoard(async (host, board) => {
      const calls: string[] = [];
      await asyncio.run(async () => {
        const enc = new Encoder(...pins(), { callback: (v, d, tag) => calls.push(`${host.now()} ${v} ${d} ${tag}`), args: ["knob"] });
        cycle(host, board, 10, true);
        cycle(host, board, 300, false);
        cycle(host, board, 310, false);
        const first = await enc.changed();
        expect([host.now(), first, enc.value()]).to.deep.equal([110, 4, 4]);
        expect(await enc.changed()).to.equal(-4);
        expect(host.now()).to.equal(400);
        enc.close();
      });
      expect(calls).to.deep.equal(["110 4 4 knob", "400 -4 -8 knob"]);
    });
  });

  it("contact bounce adds and takes back: the count is exact", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const enc = new Encoder(...pins(), { delayMs: 50 });
        // X falls with three bounces, then the rest of a clockwise cycle; Y bounces as it falls.
        for (const [t, pin, level] of [[10, 4, 0], [11, 4, 1], [12, 4, 0], [13, 4, 1], [14, 4, 0], [20, 5, 0], [21, 5, 1], [22, 5, 0], [30, 4, 1], [40, 5, 1]] as const) {
          host.at(t, () => board.drive(pin, level));
        }
        expect(await enc.changed()).to.equal(4);
        expect(host.now()).to.equal(60);
        // A bounce alone is no motion: the count comes back, nothing is reported.
        host.at(100, () => board.drive(4, 0));
        host.at(101, () => board.drive(4, 1));
        const r = await asyncio.waitFor(enc.changed(), 0.5).catch((e: unknown) => e);
        expect(r).to.be.instanceOf(asyncio.TimeoutError);
        expect(enc.value()).to.equal(4);
        enc.close();
      });
    });
  });

  it("div (Python's round: halves to even), vmin/vmax, mod, in Hinch's order", async () => {
    await onBoard(async (host, board) => {
      const seen: string[] = [];
      await asyncio.run(async () => {
        const x = [...pins(), new Pin(12, Pin.IN, Pin.PULL_UP), new Pin(13, Pin.IN, Pin.PULL_UP), new Pin(14, Pin.IN, Pin.PULL_UP), new Pin(15, Pin.IN, Pin.PULL_UP)];
        const divided = new Encoder(x[0], x[1], { div: 4, callback: (v, d) => seen.push(`div ${host.now()} ${v} ${d}`) });
        const limited = new Encoder(x[2], x[3], { v: 1, vmin: 0, vmax: 5, callback: (v, d) => seen.push(`lim ${host.now()} ${v} ${d}`) });
        const modular = new Encoder(x[4], x[5], { mod: 6, callback: (v, d) => seen.push(`mod ${host.now()} ${v} ${d}`) });
        // Half a cycle: count 2, and 2 / 4 = 0.5 rounds to 0 (even): nothing.
        host.at(10, () => board.drive(4, 0));
        host.at(12, () => board.drive(5, 0));
        // Another cycle: count 6, and 6 / 4 = 1.5 rounds to 2.
        for (const [t, pin, level] of [[200, 4, 1], [202, 5, 1], [204, 4, 0], [206, 5, 0]] as const) host.at(t, () => board.drive(pin, level));
        cycle(host, board, 10, true, 12, 13);
        cycle(host, board, 20, true, 12, 13); // 1 + 8 = 9, held at 5
        cycle(host, board, 500, false, 12, 13); // 4 back: 5 - 4 = 1
        cycle(host, board, 10, true, 14, 15);
        cycle(host, board, 20, true, 14, 15); // 8 mod 6 = 2
        await asyncio.sleep(1);
        expect([divided.value(), limited.value(), modular.value()]).to.deep.equal([2, 1, 2]);
        for (const e of [divided, limited, modular]) e.close();
      });
      expect(seen).to.deep.equal(["lim 110 5 4", "mod 110 2 2", "div 300 2 2", "lim 600 1 -4"]);
    });
  });

  it("closing the encoder, or either pin, rejects changed() and stops counting; a throwing callback is reported", async () => {
    await onBoard(async (host, board) => {
      const reports: string[] = [];
      await asyncio.run(async () => {
        asyncio.getEventLoop().setExceptionHandler((_l, ctx) => reports.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
        const [x, y] = pins();
        const enc = new Encoder(x, y, {
          delayMs: 10,
          callback: () => {
            throw new Error("callback bug");
          },
        });
        cycle(host, board, 5, true);
        expect(await enc.changed()).to.equal(4);
        const waiting = enc.changed();
        host.at(50, () => enc.close());
        const e = await waiting.catch((err: unknown) => err);
        expect(e).to.be.instanceOf(RuntimeError).and.have.property("message", "Encoder(Pin(4), Pin(5)).changed(): the encoder is closed");
        expect(host.now()).to.equal(50);
        expect(board.edgesOf(4)).to.equal(0); // its irq handlers are gone
        expect(board.edgesOf(5)).to.equal(0);
        await enc.changed().then(
          () => expect.fail("resolved"),
          (err: Error) => expect(err.message).to.equal("Encoder(Pin(4), Pin(5)).changed(): the encoder is closed"),
        );
        const again = new Encoder(x, y);
        const pending = again.changed();
        host.at(70, () => y.close());
        const e2 = await pending.catch((err: unknown) => err);
        expect(e2).to.be.instanceOf(RuntimeError).and.have.property("message", "Encoder(Pin(4), Pin(5)).changed(): the encoder is closed (its pin was closed)");
        expect(board.edgesOf(4)).to.equal(0);
      });
      expect(reports).to.deep.equal(["Exception in Encoder(Pin(4), Pin(5)) callback: callback bug"]);
    });
  });

  it("bad input: typed errors naming the encoder, nothing registered", async () => {
    await onBoard(async (_host, board) => {
      const [x, y] = pins();
      expect(() => new Encoder(x, x)).to.throw(RangeError, "Encoder(Pin(4), Pin(4)): X and Y must be different pins");
      expect(() => new Encoder(x, 5 as unknown as Pin)).to.throw(TypeError, "Encoder: expected two input Pins, got number 5");
      expect(() => new Encoder(x, y, { div: 0 })).to.throw(RangeError, "Encoder(Pin(4), Pin(5)): div must be a whole number >= 1, got 0");
      expect(() => new Encoder(x, y, { div: 1.5 })).to.throw(RangeError, "got 1.5");
      expect(() => new Encoder(x, y, { v: "1" as unknown as number })).to.throw(TypeError, 'expected v as a finite number, got string "1"');
      expect(() => new Encoder(x, y, { v: -1, vmin: 0 })).to.throw(RangeError, "incompatible options: must have vmin <= v <= vmax (v -1, vmin 0, vmax null)");
      expect(() => new Encoder(x, y, { v: 9, vmax: 8 })).to.throw(RangeError, "vmin <= v <= vmax");
      expect(() => new Encoder(x, y, { mod: 0 })).to.throw(RangeError, "mod must be a whole number > 0, got 0");
      expect(() => new Encoder(x, y, { delayMs: -1 })).to.throw(RangeError, "delayMs must be a finite number of milliseconds >= 0, got -1");
      expect(() => new Encoder(x, y, { callback: "f" as unknown as () => void })).to.throw(TypeError, 'expected the callback as a function or null, got string "f"');
      expect(() => new Encoder(x, y, { args: 1 as unknown as [] })).to.throw(TypeError, "expected args as an array");
      expect(() => new Encoder(x, y, null as unknown as object)).to.throw(TypeError, "expected an options object, got null");
      expect([board.edgesOf(4), board.edgesOf(5)]).to.deep.equal([0, 0]);
      const out = new Pin(14, Pin.OUT);
      expect(() => new Encoder(x, out)).to.throw(RuntimeError, "Pin(14).irq(): the pin is an output");
      expect(board.edgesOf(4)).to.equal(0); // X's handler was taken back
      y.close();
      expect(() => new Encoder(x, y)).to.throw(RuntimeError, "Pin(5).value(): the pin is closed");
      expect(board.edgesOf(4)).to.equal(0);
    });
  });
});

describe("AADC (Hinch's asynchronous ADC)", () => {
  it("outside(lo, hi) and inside(lo, hi) resolve with the reading, at the poll that sees it, every periodMs", async () => {
    await onBoard(async (host, board) => {
      board.analog.set(34, steps([[0, 1.0], [95, 3.0], [250, 1.2]]));
      await asyncio.run(async () => {
        const watch = new AADC(new ADC(34), { periodMs: 10 });
        expect(await watch.outside(0, 40000)).to.equal(59582);
        expect(host.now()).to.equal(100);
        expect(await watch.inside(0, 40000)).to.equal(23829);
        expect(host.now()).to.equal(250);
        expect(watch.readU16(true)).to.equal(23829);
        // Already inside: at once.
        expect(await watch.inside(20000, 30000)).to.equal(23829);
        expect(host.now()).to.equal(250);
      });
    });
  });

  it("outside(delta): relative to the last reading (Hinch's await aadc(delta)); bounds are inclusive", async () => {
    await onBoard(async (host, board) => {
      // 1 V a second from 1 V: 19861 at 0; 2 V (39721) at 1000 ms.
      board.analog.set(34, (ms) => 1 + ms / 1000);
      await asyncio.run(async () => {
        const watch = new AADC(new ADC(34), { periodMs: 100 });
        expect(watch.readU16(true)).to.equal(null);
        const v1 = await watch.outside(19861, 39721);
        expect([host.now(), v1]).to.deep.equal([1100, 41706]);
        const v2 = await watch.outside(3000);
        expect(host.now()).to.equal(1300);
        expect(v2).to.be.above(v1 + 3000);
      });
    });
  });

  it("cancellable: a wait that times out or is cancelled leaves no polling behind; several waits share one poll", async () => {
    await onBoard(async (host, board) => {
      let reads = 0;
      board.analog.set(34, () => {
        reads++;
        return 1.0;
      });
      await asyncio.run(async () => {
        const watch = new AADC(new ADC(34), { periodMs: 10 }); // opening reads once
        const r = await asyncio.waitFor(watch.outside(0, 40000), 0.05).catch((e: unknown) => e);
        expect(r).to.be.instanceOf(asyncio.TimeoutError);
        expect(reads).to.equal(1 + 1 + 4); // the open, the first check, polls at 10 … 40 (the one at 50 lost to the timeout)
        await asyncio.sleep(1);
        expect(reads).to.equal(6);
        const a = asyncio.createTask(() => watch.outside(0, 40000));
        const b = asyncio.createTask(() => watch.inside(50000, 60000));
        await asyncio.sleepMs(35);
        expect(reads).to.equal(6 + 2 + 3); // two first checks, then one read per poll for both
        a.cancel();
        await asyncio.sleepMs(20);
        expect(reads).to.equal(13);
        b.cancel();
        await asyncio.sleep(0);
        expect([a.cancelled(), b.cancelled()]).to.deep.equal([true, true]);
        await asyncio.sleep(1);
        expect(reads).to.equal(13);
      });
    });
  });

  it("closing the ADC or the watcher rejects pending waits at once; later waits reject", async () => {
    await onBoard(async (host) => {
      await asyncio.run(async () => {
        const adc = new ADC(34);
        const watch = new AADC(adc);
        const w1 = watch.outside(0, 100).catch((e: unknown) => e);
        const w2 = watch.inside(60000, 65535).catch((e: unknown) => e);
        host.at(30, () => adc.close());
        const [e1, e2] = await Promise.all([w1, w2]);
        expect(host.now()).to.equal(30);
        expect(e1).to.be.instanceOf(RuntimeError).and.have.property("message", "AADC(ADC(34)).outside(): the ADC was closed");
        expect(e2).to.be.instanceOf(RuntimeError).and.have.property("message", "AADC(ADC(34)).inside(): the ADC was closed");
        const e3 = await watch.outside(0, 1).catch((e: unknown) => e);
        expect(e3).to.be.instanceOf(RuntimeError).and.have.property("message", "AADC(ADC(34)).outside(): the ADC was closed");

        const other = new AADC(new ADC(35));
        const w3 = other.inside(60000, 65535).catch((e: unknown) => e);
        host.at(40, () => other.close());
        expect(await w3).to.be.instanceOf(RuntimeError).and.have.property("message", "AADC(ADC(35)).inside(): the watcher is closed");
        expect(other.adc.isOpen()).to.equal(true);
        expect(() => new AADC(adc)).to.throw(RuntimeError, "AADC(ADC(34)): the ADC is closed");
      });
    });
  });

  it("bad bounds and options: typed errors naming the watcher", async () => {
    await onBoard(async () => {
      await asyncio.run(async () => {
        const watch = new AADC(new ADC(34));
        const cases: [() => Promise<unknown>, new (...a: any[]) => Error, string][] = [
          [() => watch.outside("1" as unknown as number, 5), TypeError, 'AADC(ADC(34)).outside(): expected lo as a number, got string "1"'],
          [() => watch.outside(5, 1), RangeError, "AADC(ADC(34)).outside(): lo must be <= hi, got 5 … 1"],
          [() => watch.inside(-1, 10), RangeError, "AADC(ADC(34)).inside(): bounds must be within 0 … 65535, got -1 … 10"],
          [() => watch.inside(0, 70000), RangeError, "bounds must be within 0 … 65535"],
          [() => watch.inside(5, undefined as unknown as number), TypeError, "AADC(ADC(34)).inside(): expected hi as a number, got undefined"],
          [() => watch.outside(-5), RangeError, "AADC(ADC(34)).outside(): delta must be >= 0, got -5"],
          [() => watch.outside(NaN), TypeError, "expected delta as a number, got number NaN"],
          [() => watch.outside(0, Infinity), RangeError, "hi must be finite"],
        ];
        for (const [call, cls, message] of cases) {
          const e = await call().catch((x: unknown) => x);
          expect(e, message).to.be.instanceOf(cls);
          expect((e as Error).message).to.contain(message);
        }
        expect(() => new AADC({} as ADC)).to.throw(TypeError, "AADC: expected a machine.ADC, got Object");
        expect(() => new AADC(watch.adc, { periodMs: 0 })).to.throw(RangeError, "AADC(ADC(34)): periodMs must be a finite number of milliseconds > 0, got 0");
        expect(() => new AADC(watch.adc, { periodMs: "5" as unknown as number })).to.throw(TypeError);
      });
    });
  });
});
