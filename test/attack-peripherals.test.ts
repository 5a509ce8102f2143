// The peripherals of issue 13 under attack: hostile arguments (Proxies
// whose traps throw, revoked Proxies, throwing getters) get the typed error
// naming the call; closing and cancelling at every await lose and leak
// nothing; callbacks and waveforms failing with any value are reported, the
// loop goes on; PWM and Encoder edges; RingBytes with bad counts; a clock
// far from zero.
import { expect } from "chai";
import asyncio, { OSError, RuntimeError, type ExceptionContext, type Loop } from "asyncio";
import { AADC, ADC, Encoder, I2C, Pin, PWM, UART, setAnalogPort, setPwmPort } from "machine";
import { describe as describeValue } from "../modules/asyncio/format";
import { RingBytes } from "../modules/machine/ringbytes";
import { SIM_WIRING } from "../modules/machine/sim/peripherals";
import { UartPeer } from "../modules/machine/sim/uart";
import { SimulatedBoard } from "../hosts/node/board";
import { VirtualHost } from "../hosts/virtual";
import { withHost } from "./helpers";
import { expectReject, expectThrow, latin1, onPeripherals, onUartStream, type Rig } from "./peripherals-helpers";

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const trapping = (): object => {
  const fail = (): never => {
    throw new Error("trap");
  };
  return new Proxy({}, { get: fail, getPrototypeOf: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail });
};
/** An options object whose `key` getter throws a value that is not even an Error. */
const throwingGetter = (key: string): object =>
  Object.defineProperty({}, key, {
    get() {
      throw Object.create(null);
    },
  });

const HOSTILE: [string, () => unknown][] = [
  ["a Proxy whose traps throw", trapping],
  ["a revoked Proxy", revoked],
];

/** The rig, with the board's ADC and PWM installed too. */
async function onRig(body: (rig: Rig) => Promise<void>): Promise<void> {
  await onPeripherals(async (rig) => {
    const previous = [setAnalogPort(rig.board.analog.adcPort), setPwmPort(rig.board.analog.pwmPort)] as const;
    try {
      await body(rig);
    } finally {
      setAnalogPort(previous[0]);
      setPwmPort(previous[1]);
    }
  });
}

/** Entries in the loop's timer heap (a cancelled wait must leave none behind). */
const timers = (loop: Loop): number => (loop as unknown as { sleepers: { items: unknown[] } }).sleepers.items.length;

function expectTyped(e: unknown, prefix: string): void {
  expect(e instanceof TypeError || e instanceof RangeError || e instanceof RuntimeError, String(e)).to.equal(true);
  expect((e as Error).message.startsWith(prefix), (e as Error).message).to.equal(true);
}

describe("attack: describe() (modules/asyncio/format.ts)", () => {
  it("undefined is 'undefined' once; null, functions by name (not their source), symbols, bigints", () => {
    expect(describeValue(undefined)).to.equal("undefined");
    expect(describeValue(null)).to.equal("null");
    expect(describeValue(function blink() { return "x".repeat(1000); })).to.equal("function blink");
    expect(describeValue(() => 1)).to.equal("function");
    expect(describeValue(Symbol("s"))).to.equal("symbol Symbol(s)");
    expect(describeValue(5n)).to.equal("bigint 5");
    expect(describeValue(NaN)).to.equal("number NaN");
    expect(describeValue(new Proxy(() => 1, { get: () => { throw new Error("trap"); } }))).to.equal("function");
    expect(describeValue(revoked())).to.equal("object");
  });
});

describe("attack: hostile arguments to the peripherals get the typed error naming the call", () => {
  for (const [name, make] of HOSTILE) {
    it(`${name} as a pin, an options object, a buffer`, async () => {
      await onRig(async () => {
        const px = new Pin(12, Pin.IN);
        const py = new Pin(13, Pin.IN);
        const adc = new ADC(34);
        const pwm = new PWM(2);
        const i2c = new I2C(0, SIM_WIRING.i2c);
        const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 });
        const calls: [string, () => unknown][] = [
          ["ADC: ", () => new ADC(make() as number)],
          ["PWM: ", () => new PWM(make() as number)],
          ["PWM(3): ", () => new PWM(3, make() as object)],
          ["PWM(2).init(): ", () => pwm.init(make() as object)],
          ["AADC: ", () => new AADC(make() as ADC)],
          ["AADC(ADC(34)): ", () => new AADC(adc, make() as object)],
          ["Encoder: ", () => new Encoder(make() as Pin, py)],
          ["Encoder(Pin(12), Pin(13)): ", () => new Encoder(px, py, make() as object)],
          ["Encoder(Pin(12), Pin(13)): ", () => new Encoder(px, py, { args: make() as unknown[] })],
          ["I2C(1): ", () => new I2C(1, make() as { scl: number; sda: number })],
          ["I2C(0).writeto(0x50, …): ", () => i2c.writeto(0x50, make() as Uint8Array)],
          ["I2C(0).readfromInto(0x50, …): ", () => i2c.readfromInto(0x50, make() as Uint8Array)],
          ["I2C(0).writetoMem(0x50, 0x00, …): ", () => i2c.writetoMem(0x50, 0, make() as Uint8Array)],
          ["I2C(0).readfromMem(0x50, 0x00, 1): ", () => i2c.readfromMem(0x50, 0, 1, make() as object)],
          ["UART(1): ", () => new UART(1, make() as object)],
          ["UART(2).write(): ", () => uart.write(make() as Uint8Array)],
          ["UART(2).readinto(): ", () => uart.readinto(make() as Uint8Array)],
        ];
        for (const [prefix, call] of calls) expectTyped(expectThrow(call), prefix);
        expectTyped(await expectReject(i2c.writetoAsync(0x50, make() as Uint8Array)), "I2C(0).writetoAsync(0x50, …): ");
        // Nothing was opened or taken: the pins and buses work on.
        expect(px.value()).to.be.oneOf([0, 1]);
        expect(i2c.scan()).to.deep.equal([0x44, 0x50]);
        uart.deinit();
        i2c.deinit();
        const again = new I2C(1, SIM_WIRING.i2c);
        again.deinit();
        new PWM(3).deinit();
        new UART(1, { tx: 25, rx: 26 }).deinit();
      });
    });
  }

  it("an options getter that throws Object.create(null): a TypeError naming the call and the option", async () => {
    await onRig(async () => {
      const px = new Pin(12, Pin.IN);
      const py = new Pin(13, Pin.IN);
      const adc = new ADC(34);
      const cases: [string, () => unknown][] = [
        ["PWM(3): reading dutyU16 of the options threw", () => new PWM(3, throwingGetter("dutyU16"))],
        ["AADC(ADC(34)): reading periodMs of the options threw", () => new AADC(adc, throwingGetter("periodMs"))],
        ["Encoder(Pin(12), Pin(13)): reading callback of the options threw", () => new Encoder(px, py, throwingGetter("callback"))],
        ["I2C(0): reading sda of the options threw", () => new I2C(0, throwingGetter("sda") as { scl: number; sda: number })],
        ["UART(2): reading rxbuf of the options threw", () => new UART(2, throwingGetter("rxbuf"))],
      ];
      for (const [prefix, call] of cases) {
        const e = expectThrow(call);
        expect(e).to.be.instanceOf(TypeError);
        expect((e as Error).message).to.match(new RegExp(`^${prefix.replace(/[()]/g, "\\$&")} \\(object\\)$`));
      }
      // The pins are still free for the next try.
      new Encoder(px, py).close();
    });
  });

  it("Encoder args is copied when made: changing the array later changes nothing, as Hinch's tuple", async () => {
    await onRig(async ({ board }) => {
      const px = new Pin(12, Pin.IN, Pin.PULL_UP);
      const py = new Pin(13, Pin.IN, Pin.PULL_UP);
      const seen: unknown[][] = [];
      const args = ["knob"];
      const enc = new Encoder(px, py, { delayMs: 1, callback: (...a) => void seen.push(a), args });
      args[0] = "changed";
      args.push("more");
      for (const [x, y] of [[0, 1], [0, 0]]) {
        board.driveInput(12, x as 0 | 1);
        board.driveInput(13, y as 0 | 1);
      }
      await asyncio.sleepMs(2);
      expect(seen).to.deep.equal([[2, 2, "knob"]]);
      enc.close();
    });
  });

  it("I2C: a register address of 1e300 is shown as a number, not 250 hex digits", async () => {
    await onRig(async () => {
      const i2c = new I2C(0, SIM_WIRING.i2c);
      const e = expectThrow(() => i2c.readfromMem(0x50, 1e300, 1)) as Error;
      expect(e).to.be.instanceOf(RangeError);
      expect(e.message).to.equal("I2C(0).readfromMem(0x50, 1e+300, 1): register address 1e+300 does not fit in 8 bits");
      expect((expectThrow(() => i2c.readfromMem(0x50, 2 ** 32, 1, { addrsize: 32 })) as Error).message).to.match(/^I2C\(0\)\.readfromMem\(0x50, 4294967296, 1\)/);
      // A byte array claiming a billion entries is refused before anything is allocated.
      const e2 = expectThrow(() => i2c.writeto(0x50, { length: 1e9 } as ArrayLike<number>)) as Error;
      expect(e2).to.be.instanceOf(RangeError);
      expect(e2.message).to.equal("I2C(0).writeto(0x50, …): 1000000000 is not a byte count (0–65536)");
      i2c.deinit();
    });
  });
});

describe("attack: a waveform that fails with any value (the simulated board)", () => {
  for (const [name, make] of [["Object.create(null)", () => Object.create(null)], ["a revoked Proxy", revoked], ["a Symbol", () => Symbol("w")]] as [string, () => unknown][]) {
    it(`throwing ${name}: readU16() raises RuntimeError naming the pin; an AADC's waits reject with it; the loop runs on`, async () => {
      await onRig(async ({ board, loop }) => {
        const adc = new ADC(35);
        const watch = new AADC(adc, { periodMs: 10 });
        board.analog.set(35, (ms) => {
          if (ms >= 25) throw make();
          return 1;
        });
        const waits = [watch.outside(0, 30000), watch.inside(0, 10)];
        const errors = await Promise.all(waits.map(expectReject));
        for (const e of errors) {
          expect(e).to.be.instanceOf(RuntimeError);
          expect((e as Error).message).to.match(/^ADC\(35\): the simulated board's waveform for GPIO35 failed: /);
        }
        expect(loop.now()).to.equal(30);
        expect(timers(loop) >= 0).to.equal(true);
        expect(() => adc.readU16()).to.throw(RuntimeError, /^ADC\(35\): /);
        board.analog.set(35, 3.3);
        expect(await watch.outside(0, 60000)).to.equal(65535);
        adc.close();
      });
    });
  }
});

describe("attack: closing or cancelling at every await loses and leaks nothing", () => {
  it("AADC: a cancelled wait leaves no timer; the other waits go on; closing the ADC rejects the rest", async () => {
    await onRig(async ({ board, loop }) => {
      board.analog.set(34, (ms) => ms / 100); // 0.01 V a ms
      const adc = new ADC(34);
      const watch = new AADC(adc, { periodMs: 10 });
      const base = timers(loop);
      const a = asyncio.createTask(() => watch.outside(0, 60000));
      const b = asyncio.createTask(() => watch.inside(30000, 40000));
      await asyncio.sleepMs(0);
      expect(timers(loop)).to.equal(base + 1);
      a.cancel();
      await asyncio.sleepMs(0);
      expect(b.done()).to.equal(false);
      const v = await b;
      expect(loop.now()).to.equal(160); // 1.6 V is 31 777
      expect(v).to.be.within(30000, 40000);
      expect(timers(loop)).to.equal(base);
      // waitFor() timing out, then task.cancel() during the first poll: nothing stays armed.
      await expectReject(asyncio.waitForMs(watch.inside(0, 1), 25));
      const c = asyncio.createTask(() => watch.outside(0, 65535));
      await asyncio.sleepMs(10);
      c.cancel();
      await expectReject(c);
      expect(timers(loop)).to.equal(base);
      const d = asyncio.createTask(() => watch.inside(0, 1));
      await asyncio.sleepMs(5);
      adc.close();
      const e = await expectReject(d);
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal("AADC(ADC(34)).inside(): the ADC was closed");
      expect(timers(loop)).to.equal(base);
      // The pin opens again, and a new watcher on it works.
      const adc2 = new ADC(34);
      expect(await new AADC(adc2).outside(0, 1000)).to.be.above(1000);
      adc2.close();
    });
  });

  it("Encoder.changed(): cancelled, closed, a pin closed; the pins open again after", async () => {
    await onRig(async ({ board, loop }) => {
      const px = new Pin(12, Pin.IN, Pin.PULL_UP);
      const py = new Pin(13, Pin.IN, Pin.PULL_UP);
      const enc = new Encoder(px, py, { delayMs: 5 });
      const base = timers(loop);
      const c = asyncio.createTask(() => enc.changed());
      await asyncio.sleepMs(0);
      c.cancel();
      await expectReject(c);
      const step = (x: 0 | 1, y: 0 | 1): void => {
        board.driveInput(12, x);
        board.driveInput(13, y);
      };
      const d = asyncio.createTask(() => enc.changed());
      step(0, 1);
      expect(await d).to.equal(1);
      expect(timers(loop)).to.equal(base);
      const e = asyncio.createTask(() => enc.changed());
      await asyncio.sleepMs(1);
      px.close();
      expect(((await expectReject(e)) as Error).message).to.equal("Encoder(Pin(12), Pin(13)).changed(): the encoder is closed (its pin was closed)");
      // An edge on py after the encoder closed counts nothing and arms nothing.
      step(1, 0);
      expect(timers(loop)).to.equal(base);
      py.close();
      const enc2 = new Encoder(new Pin(12, Pin.IN, Pin.PULL_UP), new Pin(13, Pin.IN, Pin.PULL_UP), { delayMs: 0 });
      // The board kept the levels driven last (12 low, 13 low): three steps forward.
      step(1, 1);
      step(0, 1);
      expect(await enc2.changed()).to.equal(3);
      enc2.close();
      await expectReject(enc2.changed());
    });
  });

  it("I2C: deinit() rejects a transfer in flight; a cancelled one leaves the bus usable; a missing address is ENODEV; the bus opens again", async () => {
    await onRig(async () => {
      const i2c = new I2C(0, SIM_WIRING.i2c);
      const t = asyncio.createTask(() => i2c.readfromMemAsync(0x50, 0, 200));
      await asyncio.sleepMs(0);
      i2c.deinit();
      const e = await expectReject(t);
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal("I2C(0).readfromMemAsync(0x50, 0x00, 200): the bus was closed while the transfer was in flight");
      const bus = new I2C(0, SIM_WIRING.i2c);
      for (const make of [() => bus.readfromMemAsync(0x50, 0, 200), () => bus.writetoAsync(0x44, [0x24, 0x00]), () => bus.readfromAsync(0x44, 6)] as (() => Promise<unknown>)[]) {
        const c = asyncio.createTask(make);
        await asyncio.sleepMs(0);
        c.cancel();
        await expectReject(c);
      }
      await expectReject(asyncio.waitForMs(bus.readfromMemAsync(0x50, 0, 255), 1));
      expect(Array.from(await bus.readfromMemAsync(0x50, 0, 2))).to.deep.equal([255, 255]);
      for (const p of [bus.readfromAsync(0x10, 2), bus.writetoAsync(0x77, [1])]) {
        const err = await expectReject(p);
        expect(err).to.be.instanceOf(OSError);
        expect((err as OSError).code).to.equal("ENODEV");
      }
      expect(() => bus.readfrom(0x10, 1)).to.throw(OSError, /^I2C\(0\)\.readfrom\(0x10, 1\): no device acknowledged address 0x10/);
      bus.deinit();
      expect(((await expectReject(bus.readfromAsync(0x44, 2))) as Error).message).to.equal("I2C(0).readfromAsync(0x44, 2): the bus is closed");
    });
  });

  it("UART Stream: drain() cancelled, then drained; deinit() rejects drain() and read() with EBADF; a cancelled readexactly() loses nothing", async () => {
    await onUartStream(
      async (s, dev, uart, { host }) => {
        s.write(new Uint8Array(2000));
        const d = asyncio.createTask(() => s.drain());
        await asyncio.sleepMs(5);
        d.cancel();
        await expectReject(d);
        await s.drain();
        // 2000 bytes at 9600 8N1 (1.0417 ms each); drained when the last 256 fit in the transmit buffer.
        expect(host.now()).to.be.within(1800, 2100);
        const r = asyncio.createTask(() => s.readexactly(5));
        dev.send("abc");
        await asyncio.sleepMs(5);
        r.cancel();
        await expectReject(r);
        dev.send("de");
        expect(latin1(await s.readexactly(5))).to.equal("abcde");
        s.write(new Uint8Array(1000));
        const d2 = asyncio.createTask(() => s.drain());
        const r2 = asyncio.createTask(() => s.read(10));
        await asyncio.sleepMs(5);
        uart.deinit();
        for (const t of [d2, r2]) {
          const e = await expectReject(t);
          expect(e).to.be.instanceOf(OSError);
          expect((e as OSError).code).to.equal("EBADF");
        }
      },
      { baudrate: 9600 },
    );
  });

  it("UART at the wrong baud rate: garbage, never an exception; the line still works at the right one", async () => {
    await onPeripherals(async ({ p }) => {
      const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 115200 });
      const s = new asyncio.Stream(uart);
      const got = await s.read(50);
      expect(got.length).to.be.greaterThan(0);
      expect(latin1(got)).to.not.match(/\$GP/);
      s.close();
      const right = new asyncio.Stream(new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 }));
      void p;
      expect(latin1(await right.readline())).to.match(/^\$GP|\r\n$/);
      right.close();
    });
  });
});

describe("attack: a board script's model failing (the simulated board)", () => {
  it("gps.fix throwing Object.create(null) as the UART opens: reported, the UART opens all the same and closes (was: thrown raw from new UART(), UART 2 left open for good)", async () => {
    await onPeripherals(async ({ p, loop }) => {
      const contexts: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
      const bad = Object.create(null);
      p.gps.fix = () => {
        throw bad;
      };
      const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 });
      expect(contexts.map((c) => c.message)).to.deep.equal(["Exception in the simulated UART(2)'s peer, as the UART opened"]);
      expect(contexts[0].exception === bad).to.equal(true);
      expect(uart.any()).to.equal(0);
      uart.deinit();
      p.gps.fix = true;
      const again = new asyncio.Stream(new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 }));
      expect(latin1(await again.readline())).to.match(/\r\n$/);
      again.close();
    });
  });
});

describe("attack: callbacks failing with any value go to the exception handler, the encoder goes on", () => {
  for (const [name, make] of [["Object.create(null)", () => Object.create(null)], ["a revoked Proxy", revoked]] as [string, () => unknown][]) {
    for (const how of ["throws", "returns", "rejects with"]) {
      it(`the callback ${how} ${name}`, async () => {
        await onRig(async ({ board, loop }) => {
          const contexts: ExceptionContext[] = [];
          loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
          const callback = how === "throws" ? () => { throw make(); } : how === "returns" ? () => make() : async () => { throw make(); };
          const enc = new Encoder(new Pin(12, Pin.IN, Pin.PULL_UP), new Pin(13, Pin.IN, Pin.PULL_UP), { delayMs: 1, callback });
          const seq: [0 | 1, 0 | 1][] = [[0, 1], [0, 0], [1, 0], [1, 1]];
          for (const [x, y] of seq) {
            board.driveInput(12, x);
            board.driveInput(13, y);
            await asyncio.sleepMs(2);
          }
          expect(enc.value()).to.equal(4);
          // A plain object returned is a value, not an error; a revoked Proxy returned can't be looked at: reported.
          const expected = how === "returns" && name === "Object.create(null)" ? 0 : 4;
          expect(contexts.length).to.equal(expected);
          enc.close();
        });
      });
    }
  }
});

describe("attack: PWM and Encoder edges", () => {
  it("PWM duty 0 and 65535 are allowed, 65536, -1 and 65535.4 are not, 65534.6 rounds; freq 1 Hz and 40 MHz are, 0.5 Hz and 40 MHz + 1 are not (output unchanged)", async () => {
    await onRig(async ({ board }) => {
      const pwm = new PWM(2, { freq: 1, dutyU16: 65535 });
      expect(board.analog.pwm(2)).to.deep.equal({ duty: 65535, freq: 1 });
      pwm.dutyU16(0);
      expect(pwm.dutyU16()).to.equal(0);
      pwm.dutyU16(65534.6);
      expect(pwm.dutyU16()).to.equal(65535);
      for (const bad of [65536, -1, 65535.4]) expect(() => pwm.dutyU16(bad)).to.throw(RangeError, /^PWM\(2\)\.dutyU16\(\): the duty must be 0 … 65535, got /);
      pwm.freq(40e6);
      expect(pwm.freq()).to.equal(40e6);
      expect(pwm.dutyNs()).to.equal(25);
      for (const bad of [0.5, 40e6 + 1]) expect(() => pwm.freq(bad)).to.throw(RangeError, /^PWM\(2\): the simulated board makes 1 Hz … 40 MHz/);
      for (const bad of [0, -1, NaN, Infinity]) expect(() => pwm.freq(bad)).to.throw(RangeError, /^PWM\(2\)\.freq\(\): freq must be a finite number of Hz > 0/);
      expect(board.analog.pwm(2)).to.deep.equal({ duty: 65535, freq: 40e6 });
      expect(() => pwm.init({ freq: 2000, dutyU16: 70000 })).to.throw(RangeError);
      expect(pwm.freq()).to.equal(40e6); // checked before anything changed
      pwm.deinit();
      expect(() => pwm.dutyU16(1)).to.throw(RuntimeError, /deinitialised/);
      // The pin is free again, as a Pin and as a PWM.
      new Pin(2, Pin.OUT).close();
      new PWM(2).deinit();
    });
  });

  // Hinch's _run (v3/primitives/encoder.py), as written there, for the value each movement leaves.
  function hinch(counts: number[], o: { v: number; div: number; vmin: number | null; vmax: number | null; mod: number | null }): number[] {
    const pyRound = (x: number): number => {
      const r = Math.round(x);
      return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
    };
    let pv = o.v * o.div;
    let pcv = o.v;
    let lcv = pcv;
    let plcv = pcv;
    const out: number[] = [];
    for (const hv of counts) {
      if (hv !== pv) {
        pv = hv;
        const cv = pyRound(hv / o.div);
        const dv = cv - pcv;
        if (dv !== 0) {
          lcv += dv;
          if (o.vmax !== null) lcv = Math.min(o.vmax, lcv);
          if (o.vmin !== null) lcv = Math.max(o.vmin, lcv);
          if (o.mod !== null) lcv = ((lcv % o.mod) + o.mod) % o.mod;
          pcv = cv;
          plcv = lcv;
        }
      }
      out.push(plcv);
    }
    return out;
  }

  const COMBOS = [
    { v: 0, div: 1, vmin: null, vmax: null, mod: null },
    { v: 0, div: 4, vmin: null, vmax: null, mod: null },
    { v: 5, div: 2, vmin: 0, vmax: 10, mod: null },
    { v: 3, div: 1, vmin: null, vmax: null, mod: 7 },
    { v: 0, div: 4, vmin: -3, vmax: 3, mod: 5 },
    { v: -2, div: 3, vmin: -2, vmax: -2, mod: null },
  ];
  for (const o of COMBOS) {
    it(`Encoder ${JSON.stringify(o)}: a random walk of movements gives Hinch's values`, async () => {
      await onRig(async ({ board }) => {
        const enc = new Encoder(new Pin(12, Pin.IN, Pin.PULL_UP), new Pin(13, Pin.IN, Pin.PULL_UP), { ...o, delayMs: 3 });
        // Gray code positions of the two pins; a step forward or back, bursts of 1–9 steps per movement.
        const GRAY: [0 | 1, 0 | 1][] = [[1, 1], [0, 1], [0, 0], [1, 0]];
        let phase = 0;
        let count = o.v * o.div;
        let seed = 12345;
        const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
        const counts: number[] = [];
        const values: number[] = [];
        for (let move = 0; move < 40; move++) {
          const dir = rand(2) ? 1 : -1;
          for (let k = 1 + rand(9); k > 0; k--) {
            phase = (phase + dir + 4) % 4;
            count += dir;
            board.driveInput(12, GRAY[phase][0]);
            board.driveInput(13, GRAY[phase][1]);
          }
          await asyncio.sleepMs(5);
          counts.push(count);
          values.push(enc.value());
        }
        expect(values).to.deep.equal(hinch(counts, o));
        enc.close();
      });
    });
  }
});

describe("attack: RingBytes with bad counts keeps its contents", () => {
  it("take()/skip() of NaN, -1, 1.5, Infinity; push() past its capacity takes what fits", () => {
    const r = new RingBytes(4);
    expect(r.push(new Uint8Array([1, 2, 3, 4, 5, 6]))).to.equal(4);
    expect(r.pushByte(7)).to.equal(false);
    expect(Array.from(r.take(NaN))).to.deep.equal([]);
    expect(Array.from(r.take(-1))).to.deep.equal([]);
    r.skip(NaN);
    r.skip(-3);
    expect(r.length).to.equal(4);
    expect(Array.from(r.take(1.5))).to.deep.equal([1]);
    expect(r.length).to.equal(3);
    expect(r.push(new Uint8Array([8]))).to.equal(1);
    expect(r.indexOf(8)).to.equal(3);
    expect(Array.from(r.take(Infinity))).to.deep.equal([2, 3, 4, 8]);
    expect(r.length).to.equal(0);
  });
});

describe("attack: a clock far from zero (the loop's ms past 2^30 and 2^32, where ticksMs() wraps)", () => {
  for (const start of [2 ** 30 - 7, 2 ** 32 - 3]) {
    it(`starting at ${start} ms: AADC polls and the Encoder's delay are exact`, async () => {
      const host = new VirtualHost({ start });
      await withHost(host, async (loop) => {
        const board = new SimulatedBoard(() => host.now());
        const { setDigitalPort } = await import("machine");
        const previous = [setDigitalPort(board), setAnalogPort(board.analog.adcPort), setPwmPort(board.analog.pwmPort)] as const;
        try {
          await loop.runUntilComplete(async () => {
            board.analog.set(34, (ms) => (ms >= start + 50 ? 3.3 : 0));
            const watch = new AADC(new ADC(34), { periodMs: 10 });
            expect(await watch.outside(0, 1000)).to.equal(65535);
            expect(host.now() - start).to.equal(50);
            const enc = new Encoder(new Pin(12, Pin.IN, Pin.PULL_UP), new Pin(13, Pin.IN, Pin.PULL_UP), { delayMs: 100 });
            const t0 = host.now();
            board.driveInput(12, 0);
            expect(await enc.changed()).to.equal(1);
            expect(host.now() - t0).to.equal(100);
            enc.close();
            watch.adc.close();
          });
        } finally {
          setDigitalPort(previous[0]);
          setAnalogPort(previous[1]);
          setPwmPort(previous[2]);
        }
      });
    });
  }
});
