// The Moddable side of I2C and UART, under Node with stand-ins for the SDK's
// drivers: hosts/moddable/i2c.ts over embedded:io/i2c and
// hosts/moddable/serial.ts over embedded:io/serial, with the per-platform
// profiles (hosts/moddable/bus-*.ts), as modules/io/i2c/{esp32,esp}/_i2c.c
// and modules/io/serial/{esp32,esp}/serial.c behave: one I2C object per
// device address ("duplicate address", "inUse", an empty write answering 1
// for a NACK, "read failed"); serial callbacks with the FIFO's counts,
// "output full" past the room reported, 8N1 only.
import { expect } from "chai";
import Module = require("module");
import * as path from "path";
import asyncio, { OSError, type Loop } from "../modules/asyncio";
import { RuntimeError } from "../modules/asyncio/errors";
import { I2C, UART, setI2cPort, setSerialPort, type I2cPort, type SerialPort } from "../modules/machine/index";
import { onVirtualTime } from "./helpers";
import { expectReject, expectThrow, latin1 } from "./peripherals-helpers";

// ---- stand-ins for the SDK's drivers -----------------------------------------

let chip: "esp32" | "esp" = "esp32";
const usedPins = new Set<number>(); // builtinUsePin() by something else
const log: string[] = [];

/** What answers on the stand-in bus: address → the bytes it reads back, and after how many written bytes it stops acknowledging. */
const devices = new Map<number, { data: number[]; nackAfter?: number }>();
const openI2c = new Set<FakeI2C>();

class FakeI2C {
  readonly address: number;
  readonly data: number;
  readonly clock: number;
  private open = true;
  constructor(options: { data: number; clock: number; hz: number; address: number; port?: number }) {
    const { data, clock, address, hz } = options;
    if (data === undefined) throw new RangeError("data required");
    if (clock === undefined) throw new RangeError("clock required");
    if (address === undefined) throw new RangeError("address required");
    const sharing = [...openI2c].some((d) => d.data === data && d.clock === clock);
    if (!sharing && (usedPins.has(data) || usedPins.has(clock))) throw new RangeError("inUse");
    if (address < 0 || address > 127) throw new RangeError("invalid address");
    if ([...openI2c].some((d) => d.data === data && d.clock === clock && d.address === address)) throw new RangeError("duplicate address");
    if (chip === "esp32" && (data >= 34 || clock >= 34)) throw new RangeError("unusable pins");
    if (hz <= 0 || hz > 20_000_000) throw new RangeError("invalid hz");
    this.address = address;
    this.data = data;
    this.clock = clock;
    openI2c.add(this);
    log.push(`open ${JSON.stringify(options)}`);
  }
  private failed(what: string): Error {
    return new Error(chip === "esp" ? `i2c ${what} failed` : `${what} failed`);
  }
  read(count: number): ArrayBuffer {
    const d = devices.get(this.address);
    if (!d) throw this.failed("read");
    log.push(`read ${this.address} ${count}`);
    return new Uint8Array(d.data.slice(0, count)).buffer;
  }
  write(buffer: Uint8Array): number | undefined {
    const d = devices.get(this.address);
    if (buffer.length === 0) return d ? undefined : 1;
    if (!d || (d.nackAfter !== undefined && d.nackAfter < buffer.length)) throw this.failed("write");
    log.push(`write ${this.address} ${[...buffer].join(",")}`);
    return undefined;
  }
  writeRead(buffer: Uint8Array, count: number): ArrayBuffer {
    const d = devices.get(this.address);
    if (!d) throw new Error("writeRead failed");
    log.push(`writeRead ${this.address} ${[...buffer].join(",")} ${count}`);
    return new Uint8Array(d.data.slice(0, count)).buffer;
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    openI2c.delete(this);
  }
}

const openSerial = new Map<number, FakeSerial>();
class FakeSerial {
  readonly options: Record<string, unknown>;
  readonly rx: number[] = [];
  /** What the driver put in the transmit FIFO, in order. */
  readonly sent: number[] = [];
  /** Room in the transmit FIFO (128 bytes on ESP32 and ESP8266). */
  room = 128;
  private onReadable: (count: number) => void;
  private onWritable: (count: number) => void;
  private readonly port: number;
  constructor(options: Record<string, unknown>) {
    this.options = options;
    const tx = options.transmit as number | undefined;
    const rx = options.receive as number | undefined;
    if ((tx !== undefined && usedPins.has(tx)) || (rx !== undefined && usedPins.has(rx))) throw new Error("in use");
    if (tx === undefined && rx === undefined && chip === "esp32") throw new Error("invalid");
    this.port = chip === "esp" ? 0 : (options.port as number);
    if (this.port < 0 || this.port > 2) throw new RangeError("invalid port");
    const baud = options.baud as number;
    if (baud <= 0 || baud > 20_000_000) throw new RangeError("invalid baud");
    if (openSerial.has(this.port)) throw new RangeError("port in use");
    this.onReadable = options.onReadable as (count: number) => void;
    this.onWritable = options.onWritable as (count: number) => void;
    openSerial.set(this.port, this);
  }
  read(): ArrayBuffer | undefined {
    if (this.rx.length === 0) return undefined;
    return new Uint8Array(this.rx.splice(0)).buffer;
  }
  write(buffer: Uint8Array): void {
    if (buffer.length > this.room) throw new Error("output full");
    this.room -= buffer.length;
    this.sent.push(...buffer);
  }
  close(): void {
    openSerial.delete(this.port);
  }
  /** The line brought bytes: onReadable with the count waiting (as serialDeliver does). */
  arrive(bytes: string | number[]): void {
    for (const b of typeof bytes === "string" ? [...bytes].map((c) => c.charCodeAt(0)) : bytes) this.rx.push(b);
    this.onReadable.call(this, this.rx.length);
  }
  /** The transmit FIFO drained (to `left` bytes): onWritable with the room. */
  drained(left = 0): void {
    this.room = 128 - left;
    this.onWritable.call(this, this.room);
  }
}

const root = path.resolve(__dirname, "..");
const fakes: Record<string, object> = {
  "embedded:io/i2c": { __esModule: true, default: FakeI2C },
  "embedded:io/serial": { __esModule: true, default: FakeSerial },
};
type Resolve = (request: string, parent?: { filename?: string }, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };
const original = M._resolveFilename;
M._resolveFilename = function (this: unknown, request, parent, ...rest) {
  const fromModdableHost = !!parent?.filename && parent.filename.startsWith(path.join(root, "hosts", "moddable") + path.sep);
  if (fromModdableHost) {
    if (fakes[request]) {
      const filename = path.join(__dirname, "fakes", `sdk-${request.replace(/[^A-Za-z0-9]+/g, "-")}.js`);
      if (!M._cache[filename]) {
        const m = new Module(filename);
        m.filename = filename;
        m.loaded = true;
        m.exports = fakes[request];
        M._cache[filename] = m;
      }
      return filename;
    }
    if (request === "machine/i2c-ecma419") return original.call(this, path.join(root, "hosts", "moddable", "i2c.ts"), parent, ...rest);
    if (request === "machine/serial-ecma419") return original.call(this, path.join(root, "hosts", "moddable", "serial.ts"), parent, ...rest);
    if (request.startsWith("asyncio/")) return original.call(this, path.join(root, "modules", "asyncio", request.slice(8)), parent, ...rest);
    if (request.startsWith("machine/")) return original.call(this, path.join(root, "modules", "machine", request.slice(8)), parent, ...rest);
  }
  return original.call(this, request, parent, ...rest);
};

// Loaded at run time: they are typechecked against Moddable's typings (tsconfig.moddable.json), not Node's.
type Profile = { i2cProfile: unknown; serialProfile: unknown };
const { Ecma419I2cPort } = require("../hosts/moddable/i2c") as { Ecma419I2cPort: new (p: unknown) => I2cPort };
const { Ecma419SerialPort } = require("../hosts/moddable/serial") as { Ecma419SerialPort: new (p: unknown) => SerialPort };
const profiles: Record<string, Profile> = {
  esp32: require("../hosts/moddable/bus-esp32") as Profile,
  esp: require("../hosts/moddable/bus-esp") as Profile,
  pico: require("../hosts/moddable/bus-pico") as Profile,
};

/** Runs body as a task on virtual time with the ECMA-419 ports of a platform's profile installed, the stand-ins as that chip. */
async function on(which: "esp32" | "esp" | "pico", body: (loop: Loop) => Promise<void>): Promise<void> {
  const profile = profiles[which];
  chip = which === "esp" ? "esp" : "esp32";
  usedPins.clear();
  log.length = 0;
  devices.clear();
  openI2c.clear();
  openSerial.clear();
  await onVirtualTime(async (_host, loop) => {
    const previous = [setI2cPort(new Ecma419I2cPort(profile.i2cProfile)), setSerialPort(new Ecma419SerialPort(profile.serialProfile))] as const;
    try {
      await loop.runUntilComplete(() => body(loop));
    } finally {
      setI2cPort(previous[0]);
      setSerialPort(previous[1]);
    }
  });
}

describe("machine.I2C over ECMA-419 embedded:io/i2c (hosts/moddable/i2c.ts, stand-in drivers)", () => {
  it("ESP32: the bus holds its pins from the start (a device object at the general call address); one object per device; writeRead for readfromMem; deinit closes them all", async () => {
    await on("esp32", async () => {
      devices.set(0x44, { data: [1, 2, 3, 4, 5, 6] });
      devices.set(0x50, { data: [9, 8, 7] });
      const i2c = new I2C(0, { scl: 22, sda: 21 });
      expect(log).to.deep.equal(['open {"data":21,"clock":22,"hz":400000,"address":0,"port":0}']);
      expect(i2c.scan()).to.deep.equal([0x44, 0x50]);
      expect(openI2c.size, "the probes' objects are closed again").to.equal(1);
      expect([...i2c.readfrom(0x44, 6)]).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(i2c.writeto(0x44, [0x24, 0x00])).to.equal(2);
      expect([...i2c.readfromMem(0x50, 0x10, 2)]).to.deep.equal([9, 8]);
      expect([...(await i2c.readfromMemAsync(0x50, 0x10, 1))]).to.deep.equal([9]);
      expect(log.slice(1).filter((l) => !l.startsWith("open"))).to.deep.equal(["read 68 6", "write 68 36,0", "writeRead 80 16 2", "writeRead 80 16 1"]);
      expect(openI2c.size).to.equal(3);
      i2c.deinit();
      expect(openI2c.size).to.equal(0);
    });
  });

  it("a NACK: ENODEV when nobody answers at the address, EIO when the device refused a byte (told apart by a probe)", async () => {
    await on("esp32", async () => {
      devices.set(0x44, { data: [], nackAfter: 2 });
      const i2c = new I2C(1, { scl: 22, sda: 21 });
      const e1 = expectThrow(() => i2c.readfrom(0x45, 2));
      expect(e1).to.be.instanceOf(OSError);
      expect((e1 as OSError).code).to.equal("ENODEV");
      expect((e1 as Error).message).to.equal("I2C(1).readfrom(0x45, 2): no device acknowledged address 0x45 on the I2C bus scl=22 sda=21 (ECMA-419 embedded:io/i2c)");
      const e2 = expectThrow(() => i2c.writeto(0x44, [1, 2, 3]));
      expect((e2 as OSError).code).to.equal("EIO");
      expect((e2 as Error).message).to.equal("I2C(1).writeto(0x44, …): device 0x44 refused the transfer (write failed) on the ECMA-419 embedded:io/i2c");
      const e3 = await expectReject(i2c.readfromAsync(0x45, 1));
      expect((e3 as OSError).code).to.equal("ENODEV");
      i2c.deinit();
    });
  });

  it("the driver's refusals: unusable pins (RangeError), pins in use (RuntimeError), the same controller twice; ESP8266: one bus, no port option", async () => {
    await on("esp32", async () => {
      const e1 = expectThrow(() => new I2C(0, { scl: 34, sda: 21 }));
      expect(e1).to.be.instanceOf(RangeError);
      expect((e1 as Error).message).to.equal("I2C(0): the ECMA-419 embedded:io/i2c refused scl=34 sda=21 freq=400000 (unusable pins)");
      usedPins.add(21);
      const e2 = expectThrow(() => new I2C(0, { scl: 22, sda: 21 }));
      expect(e2).to.be.instanceOf(RuntimeError);
      expect((e2 as Error).message).to.equal("I2C(0): the ECMA-419 embedded:io/i2c refused scl=22 sda=21 freq=400000 (inUse)");
      usedPins.clear();
      const i2c = new I2C(0, { scl: 22, sda: 21 });
      expect((expectThrow(() => new I2C(0, { scl: 18, sda: 19 })) as Error).message).to.equal("I2C(0): the controller is already open on the ECMA-419 embedded:io/i2c");
      expect(expectThrow(() => new I2C(2, { scl: 18, sda: 19 }))).to.be.instanceOf(RangeError);
      i2c.deinit();
    });
    await on("esp", async () => {
      devices.set(0x44, { data: [7] });
      const i2c = new I2C(0, { scl: 5, sda: 4 });
      expect(log[0]).to.equal('open {"data":4,"clock":5,"hz":400000,"address":0}');
      expect([...i2c.readfrom(0x44, 1)]).to.deep.equal([7]);
      expect((expectThrow(() => i2c.readfrom(0x45, 1)) as OSError).code).to.equal("ENODEV");
      expect((expectThrow(() => new I2C(1, { scl: 12, sda: 13 })) as Error).message).to.equal("I2C: bus id 1 is out of range for the ECMA-419 embedded:io/i2c (0–0)");
      expect((expectThrow(() => new I2C(0, { scl: 17, sda: 4 })) as Error).message).to.equal("I2C(0): scl pin 17 is out of range for the ECMA-419 embedded:io/i2c (0–16)");
      i2c.deinit();
    });
  });
});

describe("machine.UART over ECMA-419 embedded:io/serial (hosts/moddable/serial.ts, stand-in drivers)", () => {
  it("ESP32: UART2 on its default pins; writes wait for the first onWritable, then go as the FIFO has room; reads come with onReadable", async () => {
    await on("esp32", async () => {
      const uart = new UART(2, { baudrate: 9600 });
      const fake = openSerial.get(2)!;
      expect(fake.options).to.include({ port: 2, baud: 9600, format: "buffer", transmit: 17, receive: 16 });
      expect(uart.write("$PMTK220,1000*1F\r\n")).to.equal(18);
      expect(fake.sent).to.deep.equal([]);
      expect(uart.txdone()).to.equal(false);
      fake.drained();
      expect(latin1(new Uint8Array(fake.sent))).to.equal("$PMTK220,1000*1F\r\n");
      expect(uart.txdone()).to.equal(true);
      expect(uart.any()).to.equal(0);
      fake.arrive("$GPGGA,1*00\r\n$GP");
      expect(uart.any()).to.equal(16);
      expect(latin1(uart.readline())).to.equal("$GPGGA,1*00\r\n");
      expect(uart.readline()).to.equal(null);
      expect(latin1(uart.read())).to.equal("$GP");
      uart.deinit();
      expect(openSerial.size).to.equal(0);
    });
  });

  it("a Stream over it: drain() waits for the FIFO's room, readline() for the bytes; past rxbuf arriving bytes are lost", async () => {
    await on("esp32", async () => {
      const uart = new UART(2, { baudrate: 115200, tx: 17, rx: 16, txbuf: 256, rxbuf: 64 });
      const fake = openSerial.get(2)!;
      const s = asyncio.streamOf(uart);
      fake.drained();
      const data = new Uint8Array(600).fill(0x55);
      s.write(data);
      expect(fake.sent.length, "the FIFO's 128").to.equal(128);
      let drained = false;
      const drainer = asyncio.createTask(async () => {
        await s.drain();
        drained = true;
      });
      for (let i = 0; i < 5 && !drained; i++) {
        await asyncio.sleepMs(1);
        fake.drained(10);
      }
      await drainer;
      expect(fake.sent.length).to.be.at.least(600 - 256);
      while (fake.sent.length < 600) {
        fake.drained();
        await asyncio.sleepMs(0);
      }
      expect(fake.sent.length).to.equal(600);
      const line = asyncio.createTask(() => s.readline());
      await asyncio.sleepMs(1);
      fake.arrive("hello ");
      fake.arrive("world\n");
      expect(latin1(await line)).to.equal("hello world\n");
      s.close();
      await s.waitClosed();
      expect(openSerial.size).to.equal(0);
      // rxbuf 64: of 100 bytes at once, 36 are lost.
      const u = new UART(2, { baudrate: 115200, tx: 17, rx: 16, rxbuf: 64 });
      openSerial.get(2)!.arrive(new Array(100).fill(0x41));
      expect(u.any()).to.equal(64);
      u.deinit();
    });
  });

  it("8N1 only; the driver's refusals typed; ESP8266: one UART on fixed pins", async () => {
    await on("esp32", async () => {
      for (const init of [{ bits: 7 }, { parity: 0 as const }, { stop: 2 as const }]) {
        const e = expectThrow(() => new UART(2, { baudrate: 9600, ...init }));
        expect(e).to.be.instanceOf(RangeError);
        expect((e as Error).message).to.equal("UART(2): the ECMA-419 embedded:io/serial frames bytes as 8N1 only (8 data bits, no parity, 1 stop bit)");
      }
      usedPins.add(16);
      const e1 = expectThrow(() => new UART(2, { baudrate: 9600 }));
      expect(e1).to.be.instanceOf(RuntimeError);
      expect((e1 as Error).message).to.equal("UART(2): the ECMA-419 embedded:io/serial refused it (in use)");
      usedPins.clear();
      const u = new UART(1, { baudrate: 9600, tx: 4, rx: 5 });
      const e2 = expectThrow(() => new UART(1, { baudrate: 9600, tx: 12, rx: 13 }));
      expect((e2 as Error).message).to.equal("UART(1): the UART is already open on the ECMA-419 embedded:io/serial");
      expect(expectThrow(() => new UART(0, { baudrate: 9600 }))).to.be.instanceOf(TypeError); // no default pins for the console's UART
      u.deinit();
    });
    await on("esp", async () => {
      const u = new UART(0, { baudrate: 9600 });
      expect(openSerial.get(0)!.options).to.include({ transmit: 1, receive: 3, baud: 9600 });
      u.deinit();
      const e = expectThrow(() => new UART(0, { baudrate: 9600, tx: 2, rx: 3 }));
      expect((e as Error).message).to.equal("UART(0): the ECMA-419 embedded:io/serial here has its pins fixed: tx=1, rx=3");
      expect((expectThrow(() => new UART(2, { baudrate: 9600 })) as Error).message).to.equal("UART: id 2 is out of range for the ECMA-419 embedded:io/serial (0–0)");
    });
    await on("pico", async () => {
      const u = new UART(1, { baudrate: 9600 });
      expect(openSerial.get(1)!.options).to.include({ port: 1, transmit: 4, receive: 5 });
      u.deinit();
    });
  });

  it("a driver that throws inside its callback: reported through the loop's exception handler, nothing escapes into the driver", async () => {
    await on("esp32", async (loop) => {
      const seen: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => void seen.push(ctx.message));
      const uart = new UART(2, { baudrate: 9600 });
      const fake = openSerial.get(2)!;
      fake.read = () => {
        throw new Error("bus fault");
      };
      expect(() => fake.arrive("x")).to.not.throw();
      expect(seen).to.deep.equal(["Exception in UART(2) input (ECMA-419 embedded:io/serial)"]);
      uart.deinit();
    });
  });
});
