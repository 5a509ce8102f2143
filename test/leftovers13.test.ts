// Issue 13's leftovers, as a tester found them: Pins given to I2C and UART
// (MicroPython's idiom), a Pin left usable when a peripheral is refused,
// hostile arguments to Stream, utf8Decode.
import { expect } from "chai";
import asyncio, { RuntimeError, Stream, openConnection, startServer, streamOf, utf8Decode, utf8Encode } from "asyncio";
import { ADC, I2C, Pin, PWM, UART, setAnalogPort, setPwmPort } from "machine";
import { SIM_WIRING } from "../modules/machine/sim/peripherals";
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

describe("leftovers 13: I2C and UART take Pins, as ADC and PWM do", () => {
  it("new I2C(0, { scl: new Pin(5), sda: new Pin(4) }): the bus works, the Pins are taken over (closed)", async () => {
    await onRig(async () => {
      const scl = new Pin(SIM_WIRING.i2c.scl);
      const sda = new Pin(SIM_WIRING.i2c.sda);
      const i2c = new I2C(0, { scl, sda });
      expect([i2c.scl, i2c.sda]).to.deep.equal([5, 4]);
      expect(i2c.scan()).to.deep.equal([0x44, 0x50]);
      expect(() => scl.value()).to.throw(RuntimeError, "Pin(5).value(): the pin is closed");
      expect(() => sda.value()).to.throw(RuntimeError, "Pin(4).value(): the pin is closed");
      i2c.deinit();
      // Released with the bus: the pins open again.
      new Pin(5).close();
    });
  });

  it("new UART(2, { tx: new Pin(17), rx: new Pin(16) }): the GPS is heard, the Pins are taken over", async () => {
    await onRig(async ({ loop }) => {
      const tx = new Pin(SIM_WIRING.gps.tx, Pin.OUT);
      const rx = new Pin(SIM_WIRING.gps.rx);
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      expect([uart.tx, uart.rx]).to.deep.equal([17, 16]);
      expect(() => rx.value()).to.throw(RuntimeError, "Pin(16).value(): the pin is closed");
      expect(() => tx.on()).to.throw(RuntimeError, "Pin(17).value(1): the pin is closed");
      await asyncio.sleep(2);
      expect(latin1(uart.read())).to.match(/\$GP/);
      expect(loop.now()).to.equal(2000);
      uart.deinit();
    });
  });

  it("a Pin of the wrong kind is a TypeError naming the option", async () => {
    await onRig(async () => {
      expect(() => new I2C(0, { scl: "5" as unknown as number, sda: 4 })).to.throw(TypeError, 'I2C(0): expected scl as a pin number or a Pin, got string "5"');
      expect(() => new UART(2, { tx: {} as unknown as number })).to.throw(TypeError, "UART(2): expected tx as a pin number, a Pin or null, got Object");
    });
  });
});

describe("leftovers 13: a peripheral the host refuses leaves the Pin usable (MicroPython does)", () => {
  it("ADC(Pin(5)) (not an analog pin), PWM(Pin(34)) (input-only), PWM(Pin(2), 1 GHz): RangeError, the Pin reads, drives and keeps its irq", async () => {
    await onRig(async ({ board }) => {
      const input = new Pin(5, Pin.IN);
      const edges: number[] = [];
      input.irq((p) => void edges.push(p.value()));
      expect(() => new ADC(input)).to.throw(RangeError, /^ADC\(5\): GPIO5 is not an analog input/);
      board.driveInput(5, 1);
      expect(input.value()).to.equal(1);
      expect(edges).to.deep.equal([1]);

      const only = new Pin(34, Pin.IN);
      expect(() => new PWM(only)).to.throw(RangeError, /^PWM\(34\): the pin is input-only/);
      expect(only.value()).to.be.oneOf([0, 1]);

      const led = new Pin(2, Pin.OUT, null, { value: 1 });
      expect(() => new PWM(led, { freq: 1e9 })).to.throw(RangeError, /^PWM\(2\): the simulated board makes/);
      expect(led.value()).to.equal(1);
      expect(board.level(2)).to.equal(1);
      led.off();
      expect(board.level(2)).to.equal(0);
      // Taken over for good once the host says yes.
      const pwm = new PWM(led, { freq: 1000, dutyU16: 100 });
      expect(() => led.on()).to.throw(RuntimeError, "Pin(2).value(1): the pin is closed");
      pwm.deinit();
      input.close();
      only.close();
    });
  });

  it("I2C and UART refused (controller or UART in use): their Pins are left open and usable", async () => {
    await onRig(async () => {
      const first = new I2C(0, SIM_WIRING.i2c);
      const scl = new Pin(22, Pin.OUT);
      const sda = new Pin(21, Pin.OUT);
      expect(() => new I2C(0, { scl, sda })).to.throw(RuntimeError, /^I2C\(0\): the controller is already open/);
      scl.on();
      sda.on();
      expect([scl.value(), sda.value()]).to.deep.equal([1, 1]);
      first.deinit();

      const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 });
      const tx = new Pin(25, Pin.OUT);
      const rx = new Pin(26);
      expect(() => new UART(2, { tx, rx })).to.throw(RuntimeError, /^UART\(2\): the UART is already open/);
      tx.toggle();
      expect(tx.value()).to.equal(1);
      expect(rx.value()).to.be.oneOf([0, 1]);
      uart.deinit();
      // And once the host agrees, they are taken over.
      const other = new UART(1, { tx, rx });
      expect(() => tx.on()).to.throw(RuntimeError, "Pin(25).value(1): the pin is closed");
      other.deinit();
      scl.close();
      sda.close();
    });
  });

  it("a refused ADC keeps a task waiting in edge() waiting: the next edge wakes it", async () => {
    await onRig(async ({ board }) => {
      const input = new Pin(5, Pin.IN);
      const waiting = asyncio.createTask(input.edge(Pin.IRQ_RISING));
      await asyncio.sleep(0);
      expect(expectThrow(() => new ADC(input))).to.be.instanceOf(RangeError);
      board.driveInput(5, 1);
      await asyncio.waitFor(waiting, 1);
      input.close();
    });
  });
});

describe("leftovers 13: hostile arguments to Stream get the typed error naming the call", () => {
  it("new Stream(x) / streamOf(x) of a trapping or revoked Proxy, Object.create(null), {}, null, 42: TypeError naming the call; the UART is left free", async () => {
    await onRig(async () => {
      const bad: unknown[] = [trapping(), revoked(), Object.create(null), {}, null, 42, "uart", { openStream: 1 }];
      for (const v of bad) {
        const e = expectThrow(() => new Stream(v as UART)) as Error;
        expect(e, String(e)).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/^Stream: expected a stream source \(a machine\.UART\), got /);
        const f = expectThrow(() => streamOf(v as UART)) as Error;
        expect(f, String(f)).to.be.instanceOf(TypeError);
        expect(f.message).to.match(/^streamOf: expected a stream source \(a machine\.UART\), got /);
      }
      expect((expectThrow(() => new Stream(Object.create(null))) as Error).message).to.equal("Stream: expected a stream source (a machine.UART), got object");
      const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 });
      // Bad extra info: refused before the UART is touched.
      for (const extra of [trapping(), 5]) expect(expectThrow(() => new Stream(uart, extra as Record<string, unknown>))).to.be.instanceOf(TypeError);
      expect(uart.any()).to.equal(0);
      const s = new Stream(uart, { name: "gps" });
      expect(s.getExtraInfo("name")).to.equal("gps");
      s.close();
      await s.waitClosed();
    });
  });

  it("write(), readinto(), read(), readexactly(), readline() of hostile values: TypeError naming the method; nothing taken, the stream works on", async () => {
    await onUartStream(async (s, dev) => {
      const values: [string, () => unknown][] = [
        ["a trapping Proxy", trapping],
        ["a revoked Proxy", revoked],
        ["a Proxy of a Uint8Array", () => new Proxy(new Uint8Array(4), {})],
      ];
      for (const [name, make] of values) {
        const e = expectThrow(() => s.write(make() as Uint8Array)) as Error;
        expect(e, name).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/^Stream\.write: expected a Uint8Array or a string, got /);
        for (const [method, call] of [
          ["readinto", () => s.readinto(make() as Uint8Array)],
          ["read", () => s.read(make() as number)],
          ["readexactly", () => s.readexactly(make() as number)],
          ["readline", () => s.readline(make() as number)],
        ] as [string, () => Promise<unknown>][]) {
          const r = (await expectReject(call())) as Error;
          expect(r, `${method} ${name}`).to.be.instanceOf(TypeError);
          expect(r.message).to.match(new RegExp(`^Stream\\.${method}: expected a `));
        }
      }
      dev.send(utf8Encode("ok\n"));
      expect(latin1(await s.readline(10))).to.equal("ok\n");
      s.write("hi");
      await s.drain();
      await asyncio.sleep(0.01);
      expect(dev.receivedText()).to.equal("hi");
    });
  });

  it("openConnection() and startServer() with hostile arguments: TypeError naming the call (before any port is asked)", async () => {
    await onRig(async () => {
      for (const make of [trapping, revoked]) {
        for (const [prefix, call] of [
          ["openConnection: ", () => openConnection(make() as unknown as string, 80)],
          ["openConnection: ", () => openConnection("example.com", make() as unknown as number)],
          ["startServer: ", () => startServer(make() as () => void, "0.0.0.0", 80)],
          ["startServer: ", () => startServer(() => {}, make() as unknown as string, 80)],
          ["startServer: ", () => startServer(() => {}, "0.0.0.0", make() as unknown as number)],
          ["startServer: ", () => startServer(() => {}, "0.0.0.0", 80, make() as unknown as number)],
        ] as [string, () => Promise<unknown>][]) {
          const e = (await expectReject(call())) as Error;
          expect(e instanceof TypeError || e instanceof RangeError, String(e)).to.equal(true);
          expect(e.message.startsWith(prefix), e.message).to.equal(true);
        }
      }
    });
  });
});

describe("leftovers 13: utf8Decode (MicroPython's bytes.decode(); no TextDecoder on Moddable)", () => {
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  it("ASCII, 2-, 3- and 4-byte characters (a surrogate pair), round trip with utf8Encode; a BOM is kept", () => {
    const text = "GPS $GPGGA é € 𝄞 😀 ok";
    expect(utf8Decode(utf8Encode(text))).to.equal(text);
    expect(utf8Decode(bytes(0xf0, 0x9f, 0x98, 0x80))).to.equal("\u{1F600}");
    expect(utf8Decode(bytes(0xf4, 0x8f, 0xbf, 0xbf))).to.equal("\u{10FFFF}");
    expect(utf8Decode(bytes(0xef, 0xbb, 0xbf, 0x41))).to.equal("\ufeffA");
    expect(utf8Decode(new Uint8Array(0))).to.equal("");
    const long = "ab€😀".repeat(3000);
    expect(utf8Decode(utf8Encode(long))).to.equal(long);
    expect(asyncio.utf8Decode).to.equal(utf8Decode);
  });

  it("malformed sequences become U+FFFD, one per maximal subpart, as TextDecoder's default", () => {
    const cases: [number[], string][] = [
      [[0x80], "\ufffd"], // a stray continuation byte
      [[0x41, 0xc3], "A\ufffd"], // cut short at the end
      [[0xe2, 0x82], "\ufffd"], // 2 of 3 bytes
      [[0xe2, 0x82, 0x41], "\ufffdA"], // cut short by ASCII
      [[0xf0, 0x9f, 0x98], "\ufffd"], // 3 of 4
      [[0xc0, 0xaf], "\ufffd\ufffd"], // overlong "/"
      [[0xe0, 0x80, 0xaf], "\ufffd\ufffd\ufffd"], // overlong
      [[0xed, 0xa0, 0x80], "\ufffd\ufffd\ufffd"], // a surrogate (U+D800)
      [[0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], "\ufffd".repeat(6)], // a surrogate pair in CESU-8
      [[0xf4, 0x90, 0x80, 0x80], "\ufffd".repeat(4)], // past U+10FFFF
      [[0xf5, 0xff, 0xfe], "\ufffd".repeat(3)],
      [[0xe2, 0xf0, 0x9f, 0x98, 0x80], "\ufffd\u{1F600}"], // a new lead byte ends the old sequence
    ];
    for (const [b, want] of cases) {
      expect(utf8Decode(bytes(...b)), b.map((x) => x.toString(16)).join(" ")).to.equal(want);
      expect(decoder.decode(bytes(...b))).to.equal(want);
    }
  });

  it("agrees with TextDecoder on 3000 random byte strings (weighted towards UTF-8's edges)", () => {
    let seed = 13;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    for (let k = 0; k < 3000; k++) {
      const b = new Uint8Array(rand(12));
      for (let i = 0; i < b.length; i++) b[i] = rand(2) ? edges[rand(edges.length)] : rand(256);
      expect(utf8Decode(b), Array.from(b, (x) => x.toString(16)).join(" ")).to.equal(decoder.decode(b));
    }
  });

  it("fatal: a TypeError naming the byte; bad input is a TypeError naming utf8Decode", () => {
    expect(utf8Decode(bytes(0x41), { fatal: true })).to.equal("A");
    expect(() => utf8Decode(bytes(0x41, 0x80), { fatal: true })).to.throw(TypeError, "utf8Decode: byte 1 (0x80) is not valid UTF-8");
    expect(() => utf8Decode(bytes(0x41, 0xe2, 0x82), { fatal: true })).to.throw(TypeError, "utf8Decode: byte 1 (0xe2) is not valid UTF-8");
    expect(() => utf8Decode("abc" as unknown as Uint8Array)).to.throw(TypeError, 'utf8Decode: expected a Uint8Array, got string "abc"');
    expect(() => utf8Decode([65] as unknown as Uint8Array)).to.throw(TypeError, "utf8Decode: expected a Uint8Array, got Array");
    expect(() => utf8Decode(trapping() as Uint8Array)).to.throw(TypeError, /^utf8Decode: expected a Uint8Array, got /);
    expect(() => utf8Decode(bytes(), null as unknown as { fatal: boolean })).to.throw(TypeError, "utf8Decode: expected options { fatal }, got null");
    expect(() => utf8Decode(bytes(), { fatal: 1 as unknown as boolean })).to.throw(TypeError, "utf8Decode: expected fatal as a boolean, got number 1");
    expect(() => utf8Decode(bytes(), trapping() as { fatal: boolean })).to.throw(TypeError, /^utf8Decode: reading the options threw \(/);
    expect(() => utf8Decode(bytes(), { get fatal(): boolean { throw new Error("getter"); } })).to.throw(TypeError, "utf8Decode: reading fatal of the options threw (getter)");
    expect(() => utf8Decode(bytes(), { fatl: true } as never)).to.throw(TypeError, 'utf8Decode: unknown option "fatl" (expected one of fatal)');
  });
});

describe("leftovers 13: the simulated GPS, joined mid-sentence", () => {
  it("a UART opened while the GPS is sending hears the rest of the sentence: the first line starts without '$'", async () => {
    await onRig(async ({ loop }) => {
      await asyncio.sleepMs(50);
      const s = streamOf(new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 }));
      const first = latin1(await s.readline(100));
      expect(first.startsWith("$"), first).to.equal(false);
      expect(first).to.match(/\*[0-9A-F]{2}\r\n$/);
      expect(latin1(await s.readline(100))).to.match(/^\$GPRMC,120000\.00,/);
      expect(loop.now()).to.be.below(1000);
      s.close();
      await s.waitClosed();
    });
  });
});

describe("utf8Encode / utf8Decode on XS builds whose strings hold whole code points (the Moddable simulator)", () => {
  it("a charCodeAt() above 0xFFFF (what Moddable's lin build gives for an emoji) is encoded as 4 bytes, not 3 garbage ones", () => {
    const xsLike = { length: 3, charCodeAt: (i: number) => [0x61, 0x1f600, 0x62][i] } as unknown as string;
    expect(Array.from(utf8Encode(xsLike))).to.deep.equal([0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62]);
  });
  it("decoding builds the string from code points, equal to the literal on every engine", () => {
    expect(utf8Decode(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).to.equal("😀");
    expect(utf8Decode(utf8Encode("a😀b°"))).to.equal("a😀b°");
  });
});
