// machine.I2C on the simulated board (virtual time, exact): the SHT3x and
// 24C02 models, every method, bad input, closed buses and cancelled awaits.
import { expect } from "chai";
import asyncio, { OSError } from "../modules/asyncio";
import { I2C } from "../modules/machine/i2c";
import { setI2cPort, setDefaultI2cPort, type I2cBus, type I2cPort } from "../modules/machine/i2cport";
import { Pin } from "../modules/machine/pin";
import { EEPROM_WRITE_MS } from "../modules/machine/sim/eeprom";
import { STRETCH_TIMEOUT_MS, transactionBits, type SimI2cDevice } from "../modules/machine/sim/i2c";
import { crc8, SHT3X, SHT3X_DURATION_MS, SHT3X_RESET_MS, sht3xHumidity, sht3xTemperature, Sht3x } from "../modules/machine/sim/sht3x";
import { SIM_WIRING } from "../modules/machine/sim/peripherals";
import { expectReject, expectThrow, onPeripherals } from "./peripherals-helpers";

const { scl, sda } = SIM_WIRING.i2c;
const BIT_MS = 1000 / 400_000;
const cmd = (c: number): number[] => [c >> 8, c & 0xff];

/** Temperature and humidity from an SHT3x result, CRCs checked. */
function decode(d: Uint8Array): { t: number; rh: number } {
  expect(crc8(d, 0, 2), "temperature CRC").to.equal(d[2]);
  expect(crc8(d, 3, 5), "humidity CRC").to.equal(d[5]);
  return { t: sht3xTemperature((d[0] << 8) | d[1]), rh: sht3xHumidity((d[3] << 8) | d[4]) };
}

function oserror(e: unknown, code: string, text: RegExp): void {
  expect(e).to.be.instanceOf(OSError);
  expect((e as OSError).code).to.equal(code);
  expect((e as Error).message).to.match(text);
}

describe("machine.I2C on the simulated board", () => {
  it("Sensirion's CRC-8: crc8(0xBEEF) is 0x92 (the datasheet's example)", () => {
    expect(crc8([0xbe, 0xef])).to.equal(0x92);
  });

  it("scan() finds the SHT3x (0x44) and the 24C02 (0x50), and only what is plugged in", async () => {
    await onPeripherals(async ({ p }) => {
      const i2c = new I2C(0, { scl, sda });
      expect(i2c.scan()).to.deep.equal([0x44, 0x50]);
      p.i2c.detach(p.eeprom);
      expect(i2c.scan()).to.deep.equal([0x44]);
      // 112 probes, each an address alone.
      expect(p.i2c.transactions.filter((t) => t.write.length === 0 && t.read.length === 0).length).to.equal(224);
      i2c.deinit();
    });
  });

  it("SHT3x single shot without clock stretching: NACK while it measures (15 ms), then 6 bytes with CRCs; read once", async () => {
    await onPeripherals(async ({ host, p }) => {
      p.sensor.temperature = 21.37;
      p.sensor.humidity = 48.2;
      const i2c = new I2C(0, { scl, sda, freq: 400_000 });
      expect(i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH))).to.equal(2);
      const early = expectThrow(() => i2c.readfrom(0x44, 6));
      oserror(early, "ENODEV", /^I2C\(0\)\.readfrom\(0x44, 6\): device 0x44 did not acknowledge its address for reading on the I2C bus scl=5 sda=4 \(simulated board\)$/);
      await asyncio.sleepMs(SHT3X_DURATION_MS.high - 1);
      oserror(expectThrow(() => i2c.readfrom(0x44, 6)), "ENODEV", /readfrom/);
      // Writing meanwhile is not acknowledged either.
      oserror(expectThrow(() => i2c.writeto(0x44, cmd(SHT3X.READ_STATUS))), "ENODEV", /no device acknowledged address 0x44/);
      await asyncio.sleepMs(1);
      expect(host.now()).to.equal(15);
      const { t, rh } = decode(i2c.readfrom(0x44, 6));
      expect(t).to.be.closeTo(21.37, 175 / 65535);
      expect(rh).to.be.closeTo(48.2, 100 / 65535);
      // The result was taken: a second read has nothing to give.
      oserror(expectThrow(() => i2c.readfrom(0x44, 6)), "ENODEV", /for reading/);
      expect(p.sensor.measurements).to.deep.equal([{ start: 0, at: 15, temperature: t, humidity: rh }]);
      i2c.deinit();
    });
  });

  it("SHT3x values scripted as functions of time are sampled when the measurement completes; medium and low repeatability take 6 and 4 ms", async () => {
    await onPeripherals(async ({ p }) => {
      p.sensor.temperature = (ms) => 20 + ms / 1000;
      p.sensor.humidity = (ms) => 30 + ms / 100;
      const i2c = new I2C(0, { scl, sda });
      await asyncio.sleepMs(1000);
      i2c.writeto(0x44, [0x24, 0x0b]); // medium
      await asyncio.sleepMs(5);
      oserror(expectThrow(() => i2c.readfrom(0x44, 6)), "ENODEV", /for reading/);
      await asyncio.sleepMs(1);
      const m = decode(i2c.readfrom(0x44, 6));
      expect(m.t).to.be.closeTo(21.006, 0.003);
      expect(m.rh).to.be.closeTo(40.06, 0.002);
      i2c.writeto(0x44, [0x24, 0x16]); // low
      await asyncio.sleepMs(4);
      expect(decode(i2c.readfrom(0x44, 6)).t).to.be.closeTo(21.010, 0.003);
      // Out of the sensor's range: clamped to what 16 bits can say.
      p.sensor.temperature = 200;
      p.sensor.humidity = -5;
      i2c.writeto(0x44, [0x24, 0x16]);
      await asyncio.sleepMs(4);
      const c = decode(i2c.readfrom(0x44, 6));
      expect(c.t).to.equal(130);
      expect(c.rh).to.equal(0);
      i2c.deinit();
    });
  });

  it("SHT3x with clock stretching: readfromAsync() is held until the result (15 ms) while another task runs; the synchronous read blocks the clock instead", async () => {
    await onPeripherals(async ({ host, p }) => {
      const i2c = new I2C(0, { scl, sda });
      const ticks: number[] = [];
      const other = asyncio.createTask(async () => {
        for (;;) {
          ticks.push(host.now());
          await asyncio.sleepMs(5);
        }
      });
      await i2c.writetoAsync(0x44, cmd(SHT3X.MEASURE_HIGH_STRETCH));
      const writeMs = transactionBits(2, 0) * BIT_MS;
      expect(host.now()).to.equal(writeMs);
      const data = await i2c.readfromAsync(0x44, 6);
      expect(decode(data).t).to.be.closeTo(22.5, 0.003);
      // Held from when the read started until the measurement was ready (15 ms after the command), then 6 bytes.
      expect(host.now()).to.be.closeTo(15 + transactionBits(0, 6) * BIT_MS, 1e-9);
      expect(ticks).to.deep.equal([0, 5, 10, 15]);
      const tx = p.i2c.transactions.slice(-1)[0];
      expect(tx.read).to.deep.equal([...data]);
      // Synchronously, the loop is blocked for the stretch: virtual time jumps by it.
      const t0 = host.now();
      i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH_STRETCH));
      decode(i2c.readfrom(0x44, 6));
      expect(host.now()).to.be.closeTo(t0 + 15, 1e-9);
      other.cancel();
      i2c.deinit();
    });
  });

  it("SHT3x status register through readfromMem() with a 16-bit command: 0x8010 at power-on, clear, heater, soft reset (1.5 ms of silence)", async () => {
    await onPeripherals(async () => {
      const i2c = new I2C(0, { scl, sda });
      const status = (): number => {
        const s = i2c.readfromMem(0x44, SHT3X.READ_STATUS, 3, { addrsize: 16 });
        expect(crc8(s, 0, 2)).to.equal(s[2]);
        return (s[0] << 8) | s[1];
      };
      expect(status()).to.equal(0x8010);
      i2c.writeto(0x44, cmd(SHT3X.CLEAR_STATUS));
      expect(status()).to.equal(0x0000);
      i2c.writeto(0x44, cmd(SHT3X.HEATER_ON));
      expect(status()).to.equal(0x2000);
      // The heater warms what the sensor reads.
      i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH));
      await asyncio.sleepMs(15);
      expect(decode(i2c.readfrom(0x44, 6)).t).to.be.closeTo(25.5, 0.003);
      i2c.writetoMem(0x44, SHT3X.HEATER_OFF, [], { addrsize: 16 });
      expect(status()).to.equal(0x0000);
      i2c.writeto(0x44, cmd(SHT3X.SOFT_RESET));
      oserror(expectThrow(() => status()), "ENODEV", /^I2C\(0\)\.readfromMem\(0x44, 0xf32d, 3\): no device acknowledged address 0x44/);
      await asyncio.sleepMs(SHT3X_RESET_MS);
      expect(status()).to.equal(0x8010);
      i2c.deinit();
    });
  });

  it("SHT3x refuses what it does not know: an unknown command's second byte and a third byte are not acknowledged (EIO); the status says so", async () => {
    await onPeripherals(async () => {
      const i2c = new I2C(0, { scl, sda });
      oserror(expectThrow(() => i2c.writeto(0x44, [0x12, 0x34])), "EIO", /^I2C\(0\)\.writeto\(0x44, …\): device 0x44 did not acknowledge byte 1 of 2 on the I2C bus/);
      const s = i2c.readfromMem(0x44, SHT3X.READ_STATUS, 3, { addrsize: 16 });
      expect(((s[0] << 8) | s[1]) & 0x0002).to.equal(0x0002);
      oserror(expectThrow(() => i2c.writeto(0x44, [0x24, 0x00, 0x00])), "EIO", /did not acknowledge byte 2 of 3/);
      i2c.deinit();
    });
  });

  it("SHT3x periodic mode: one measurement a second, fetched with 0xE000; nothing new is a NACK; break stops it", async () => {
    await onPeripherals(async ({ p }) => {
      p.sensor.temperature = (ms) => ms / 100;
      const i2c = new I2C(0, { scl, sda });
      i2c.writeto(0x44, [0x21, 0x30]); // 1 mps, high repeatability
      const fetch = (): Uint8Array => i2c.readfromMem(0x44, SHT3X.FETCH, 6, { addrsize: 16 });
      oserror(expectThrow(fetch), "ENODEV", /for reading/); // the first one completes at 15 ms
      await asyncio.sleepMs(15);
      expect(decode(fetch()).t).to.be.closeTo(0.15, 0.003);
      oserror(expectThrow(fetch), "ENODEV", /for reading/);
      await asyncio.sleepMs(2500);
      // Two more completed (at 1015 and 2015 ms): the latest is what a fetch gets.
      expect(decode(fetch()).t).to.be.closeTo(20.15, 0.003);
      // A single shot is refused in periodic mode.
      oserror(expectThrow(() => i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH))), "EIO", /byte 1 of 2/);
      i2c.writeto(0x44, cmd(SHT3X.BREAK));
      await asyncio.sleepMs(1000);
      oserror(expectThrow(() => i2c.writeto(0x44, cmd(SHT3X.FETCH))), "EIO", /byte 1 of 2/);
      i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH));
      await asyncio.sleepMs(15);
      expect(decode(i2c.readfrom(0x44, 6)).t).to.be.closeTo(35.30, 0.003);
      i2c.deinit();
    });
  });

  it("24C02 EEPROM: writetoMem(), 5 ms write cycle (acknowledge polling), readfromMem(), readfromMemInto(), page wrap, readfrom() from the pointer", async () => {
    await onPeripherals(async ({ host, p }) => {
      const i2c = new I2C(1, { scl, sda, freq: 100_000 });
      i2c.writetoMem(0x50, 0x10, new Uint8Array([1, 2, 3]));
      oserror(expectThrow(() => i2c.readfromMem(0x50, 0x10, 3)), "ENODEV", /^I2C\(1\)\.readfromMem\(0x50, 0x10, 3\): no device acknowledged address 0x50/);
      // Acknowledge polling: probe until it answers.
      let polls = 0;
      while (!i2c.scan().includes(0x50)) {
        polls++;
        await asyncio.sleepMs(1);
      }
      expect(polls).to.equal(EEPROM_WRITE_MS);
      expect(host.now()).to.equal(5);
      expect([...i2c.readfromMem(0x50, 0x10, 4)]).to.deep.equal([1, 2, 3, 0xff]);
      // The pointer ran on: a plain read continues from 0x14.
      expect([...i2c.readfrom(0x50, 2)]).to.deep.equal([0xff, 0xff]);
      // A page is 8 bytes: writing past its end wraps to its start.
      i2c.writetoMem(0x50, 0x1e, [0xa, 0xb, 0xc, 0xd]);
      await asyncio.sleepMs(5);
      const buf = new Uint8Array(8);
      i2c.readfromMemInto(0x50, 0x18, buf);
      expect([...buf]).to.deep.equal([0xc, 0xd, 0xff, 0xff, 0xff, 0xff, 0xa, 0xb]);
      expect([...p.eeprom.memory.subarray(0x18, 0x20)]).to.deep.equal([...buf]);
      // Reads wrap at the end of the memory.
      p.eeprom.memory[0] = 0x42;
      const into = new Uint8Array(2);
      i2c.readfromMem(0x50, 0xff, 0);
      i2c.readfromInto(0x50, into);
      expect([...into]).to.deep.equal([0xff, 0x42]);
      i2c.deinit();
    });
  });

  it("awaitable forms take their time on the wire (bits / freq) and run one after the other", async () => {
    await onPeripherals(async ({ host, p }) => {
      const i2c = new I2C(0, { scl, sda, freq: 100_000 });
      const bit = 1000 / 100_000;
      const done: [string, number][] = [];
      const a = asyncio.createTask(async () => {
        await i2c.writetoMemAsync(0x50, 0x00, [9, 8, 7]);
        done.push(["write", host.now()]);
      });
      const b = asyncio.createTask(async () => {
        oserror(await expectReject(i2c.readfromMemAsync(0x50, 0x00, 3)), "ENODEV", /^I2C\(0\)\.readfromMemAsync\(0x50, 0x00, 3\): no device acknowledged/);
        done.push(["refused", host.now()]);
      });
      await asyncio.gather([a, b]);
      const writeEnd = transactionBits(4, 0) * bit;
      expect(done).to.deep.equal([["write", writeEnd], ["refused", writeEnd + 11 * bit]]);
      await asyncio.sleepMs(EEPROM_WRITE_MS);
      const t0 = host.now();
      expect([...(await i2c.readfromMemAsync(0x50, 0x00, 3))]).to.deep.equal([9, 8, 7]);
      expect(host.now() - t0).to.be.closeTo(transactionBits(1, 3) * bit, 1e-9);
      expect(await i2c.writetoAsync(0x50, [0x00])).to.equal(1);
      expect([...(await i2c.readfromAsync(0x50, 2))]).to.deep.equal([9, 8]);
      expect(p.i2c.transactions.map((t) => t.error)).to.deep.equal(["", "ENODEV", "", "", ""]);
      i2c.deinit();
    });
  });

  it("a device that holds the clock past 50 ms: ETIMEDOUT", async () => {
    await onPeripherals(async ({ host, p }) => {
      const slow: SimI2cDevice = { address: 0x33, write: () => 0, read: (n, now) => ({ data: new Uint8Array(n), until: now + 80 }) };
      p.i2c.attach(slow, { scl, sda });
      const i2c = new I2C(0, { scl, sda });
      oserror(await expectReject(i2c.readfromAsync(0x33, 1)), "ETIMEDOUT", /held the clock longer than 50 ms/);
      expect(host.now()).to.be.closeTo(STRETCH_TIMEOUT_MS + transactionBits(0, 1) * BIT_MS, 1e-9);
      oserror(expectThrow(() => i2c.readfrom(0x33, 1)), "ETIMEDOUT", /^I2C\(0\)\.readfrom\(0x33, 1\)/);
      i2c.deinit();
    });
  });

  it("deinit() while tasks await transfers: each await rejects with RuntimeError naming its call; every method then refuses; the pins are free again", async () => {
    await onPeripherals(async ({ p }) => {
      const i2c = new I2C(0, { scl, sda });
      i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH_STRETCH));
      const reading = asyncio.createTask(() => i2c.readfromAsync(0x44, 6));
      const writing = asyncio.createTask(() => i2c.writetoMemAsync(0x50, 0, [1]));
      await asyncio.sleepMs(5);
      i2c.deinit();
      i2c.deinit();
      const e1 = await expectReject(reading);
      expect(e1).to.be.instanceOf(asyncio.RuntimeError);
      expect((e1 as Error).message).to.equal("I2C(0).readfromAsync(0x44, 6): the bus was closed while the transfer was in flight");
      const e2 = await expectReject(writing);
      expect((e2 as Error).message).to.equal("I2C(0).writetoMemAsync(0x50, 0x00, …): the bus was closed while the transfer was in flight");
      await asyncio.sleepMs(20);
      expect(p.eeprom.memory[0], "the queued write never reached the bus").to.equal(0xff);
      const calls: [string, () => unknown][] = [
        ["scan()", () => i2c.scan()],
        ["readfrom(0x44, 6)", () => i2c.readfrom(0x44, 6)],
        ["readfromInto(0x44, …)", () => i2c.readfromInto(0x44, new Uint8Array(2))],
        ["writeto(0x44, …)", () => i2c.writeto(0x44, [1])],
        ["readfromMem(0x50, 0x00, 1)", () => i2c.readfromMem(0x50, 0, 1)],
        ["readfromMemInto(0x50, 0x00, …)", () => i2c.readfromMemInto(0x50, 0, new Uint8Array(1))],
        ["writetoMem(0x50, 0x00, …)", () => i2c.writetoMem(0x50, 0, [1])],
      ];
      for (const [what, call] of calls) {
        const e = expectThrow(call);
        expect(e, what).to.be.instanceOf(asyncio.RuntimeError);
        expect((e as Error).message).to.equal(`I2C(0).${what}: the bus is closed`);
      }
      for (const call of [() => i2c.readfromAsync(0x44, 6), () => i2c.writetoAsync(0x44, [1]), () => i2c.readfromMemAsync(0x50, 0, 1), () => i2c.writetoMemAsync(0x50, 0, [1])]) {
        expect(await expectReject(call())).to.be.instanceOf(asyncio.RuntimeError);
      }
      // The pins and the controller are free again.
      new Pin(scl, Pin.OUT).close();
      new I2C(0, { scl, sda }).deinit();
    });
  });

  it("a cancelled or timed-out awaitable transfer stops waiting; the transaction still completes on the bus, and the bus goes on", async () => {
    await onPeripherals(async ({ host, p }) => {
      const i2c = new I2C(0, { scl, sda });
      i2c.writeto(0x44, cmd(SHT3X.MEASURE_HIGH_STRETCH));
      expect(await expectReject(asyncio.waitForMs(i2c.readfromAsync(0x44, 6), 5))).to.be.instanceOf(asyncio.TimeoutError);
      expect(host.now()).to.equal(5);
      const t = asyncio.createTask(() => i2c.writetoMemAsync(0x50, 0x20, [0x55]));
      await asyncio.sleepMs(0);
      t.cancel();
      expect(await expectReject(t)).to.be.instanceOf(asyncio.CancelledError);
      await asyncio.sleepMs(20);
      // Both went through, one after the other: the read held the bus until 15 ms.
      expect(p.i2c.transactions.slice(-2).map((x) => [x.addr, x.error])).to.deep.equal([[0x44, ""], [0x50, ""]]);
      expect(p.eeprom.memory[0x20]).to.equal(0x55);
      expect(p.sensor.measurements.length).to.equal(1);
      // A pending cancel: the transfer is not even started.
      const n = p.i2c.transactions.length;
      const self = asyncio.currentTask()!;
      self.cancel();
      expect(await expectReject(i2c.readfromAsync(0x50, 1))).to.be.instanceOf(asyncio.CancelledError);
      await asyncio.sleepMs(1);
      expect(p.i2c.transactions.length).to.equal(n);
      i2c.deinit();
    });
  });

  it("bad arguments: typed errors that name the bus and the call, nothing opened", async () => {
    await onPeripherals(async () => {
      const cases: [() => unknown, ErrorConstructor | typeof asyncio.RuntimeError, string][] = [
        [() => new I2C("0" as unknown as number, { scl, sda }), TypeError, 'I2C: expected the bus id as a number, got string "0"'],
        [() => new I2C(2, { scl, sda }), RangeError, "I2C: bus id 2 is out of range for the simulated board (0–1)"],
        [() => new I2C(-1, { scl, sda }), RangeError, "I2C: bus id -1 is out of range for the simulated board (0–1)"],
        [() => new I2C(0, undefined as unknown as { scl: number; sda: number }), TypeError, "I2C(0): expected options { scl, sda, freq }, got undefined"],
        [() => new I2C(0, { sda } as unknown as { scl: number; sda: number }), TypeError, "I2C(0): expected scl as a pin number or a Pin, got undefined"],
        [() => new I2C(0, { scl: 40, sda }), RangeError, "I2C(0): scl pin 40 is out of range for the simulated board (0–39)"],
        [() => new I2C(0, { scl, sda: 2.5 }), RangeError, "I2C(0): sda pin 2.5 is out of range for the simulated board (0–39)"],
        [() => new I2C(0, { scl: 4, sda: 4 }), RangeError, "I2C(0): scl and sda are both pin 4"],
        [() => new I2C(0, { scl: 34, sda }), RangeError, "I2C(0): scl pin 34 is input-only on the simulated board (it can't pull the line low)"],
        [() => new I2C(0, { scl, sda, freq: 0 }), RangeError, "I2C(0): freq 0 Hz is outside 1 Hz–5 MHz"],
        [() => new I2C(0, { scl, sda, freq: 6e6 }), RangeError, "I2C(0): freq 6000000 Hz is outside 1 Hz–5 MHz"],
        [() => new I2C(0, { scl, sda, freq: "fast" as unknown as number }), TypeError, 'I2C(0): expected freq as a number, got string "fast"'],
      ];
      for (const [make, type, message] of cases) {
        const e = expectThrow(make);
        expect(e, message).to.be.instanceOf(type);
        expect((e as Error).message).to.equal(message);
      }
      const i2c = new I2C(0, { scl, sda });
      const calls: [() => unknown, ErrorConstructor, string][] = [
        [() => i2c.readfrom(0x80, 1), RangeError, "I2C(0).readfrom(0x80, 1): address 0x80 is outside 7 bits (0x00–0x7f)"],
        [() => i2c.readfrom(-1, 1), RangeError, "I2C(0).readfrom(-1, 1): address -1 is outside 7 bits (0x00–0x7f)"],
        [() => i2c.readfrom(0x44 + 0.5, 1), RangeError, "I2C(0).readfrom(68.5, 1): address 68.5 is outside 7 bits (0x00–0x7f)"],
        [() => i2c.readfrom("0x44" as unknown as number, 1), TypeError, 'I2C(0).readfrom(string "0x44", 1): expected the address as a number, got string "0x44"'],
        [() => i2c.readfrom(0x44, -1), RangeError, "I2C(0).readfrom(0x44, -1): -1 is not a byte count (0–65536)"],
        [() => i2c.readfrom(0x44, 70000), RangeError, "I2C(0).readfrom(0x44, 70000): 70000 is not a byte count (0–65536)"],
        [() => i2c.readfrom(0x44, "6" as unknown as number), TypeError, 'I2C(0).readfrom(0x44, string "6"): expected a number of bytes, got string "6"'],
        [() => i2c.writeto(0x44, "hi" as unknown as Uint8Array), TypeError, 'I2C(0).writeto(0x44, …): expected the bytes as a Uint8Array or an array of numbers, got string "hi"'],
        [() => i2c.writeto(0x44, [1, 256]), RangeError, "I2C(0).writeto(0x44, …): byte 1 is number 256, not 0–255"],
        [() => i2c.readfromInto(0x44, [0, 0] as unknown as Uint8Array), TypeError, "I2C(0).readfromInto(0x44, …): expected a Uint8Array, got Array"],
        [() => i2c.readfromMem(0x50, 256, 1), RangeError, "I2C(0).readfromMem(0x50, 0x100, 1): register address 256 does not fit in 8 bits"],
        [() => i2c.readfromMem(0x50, 0, 1, { addrsize: 12 }), RangeError, "I2C(0).readfromMem(0x50, 0x00, 1): addrsize must be 8, 16, 24 or 32, got 12"],
        [() => i2c.readfromMem(0x50, 0, 1, null as unknown as object), TypeError, "I2C(0).readfromMem(0x50, 0x00, 1): expected options { addrsize }, got null"],
        [() => i2c.writetoMem(0x50, 0x1_0000, [1], { addrsize: 16 }), RangeError, "I2C(0).writetoMem(0x50, 0x10000, …): register address 65536 does not fit in 16 bits"],
      ];
      for (const [call, type, message] of calls) {
        const e = expectThrow(call);
        expect(e, message).to.be.instanceOf(type);
        expect((e as Error).message).to.equal(message);
      }
      // The awaitable forms reject with the same.
      expect(((await expectReject(i2c.readfromAsync(0x80, 1))) as Error).message).to.equal("I2C(0).readfromAsync(0x80, 1): address 0x80 is outside 7 bits (0x00–0x7f)");
      expect(await expectReject(i2c.writetoMemAsync(0x50, 0, "x" as unknown as Uint8Array))).to.be.instanceOf(TypeError);
      i2c.deinit();
    });
  });

  it("pins and controllers in use: RuntimeError both ways with a Pin; the same controller twice", async () => {
    await onPeripherals(async () => {
      const led = new Pin(scl, Pin.OUT);
      const e = expectThrow(() => new I2C(0, { scl, sda }));
      expect(e).to.be.instanceOf(asyncio.RuntimeError);
      expect((e as Error).message).to.equal("I2C(0): GPIO5 is open as a Pin on the simulated board");
      led.close();
      const i2c = new I2C(0, { scl, sda });
      const e2 = expectThrow(() => new Pin(sda, Pin.IN));
      expect((e2 as Error).message).to.equal("Pin(4): the pin is in use by I2C(0) on the simulated board");
      const e3 = expectThrow(() => new I2C(0, { scl: 12, sda: 13 }));
      expect((e3 as Error).message).to.equal("I2C(0): the controller is already open on the simulated board");
      // The other controller on other pins is fine, and sees no device there.
      const other = new I2C(1, { scl: 12, sda: 13 });
      expect(other.scan()).to.deep.equal([]);
      expect(String(i2c)).to.equal("I2C(0, scl=5, sda=4, freq=400000)");
      other.deinit();
      i2c.deinit();
    });
  });

  it("a port without transferAsync: the awaitable forms run the transfer at once and resolve at the next turn; no I2C port at all is a RuntimeError", async () => {
    const seen: string[] = [];
    const port: I2cPort = {
      name: "test port",
      maxPin: 10,
      maxId: 0,
      open: (): I2cBus => ({
        transfer: (addr, write, read) => {
          seen.push(`${addr}:${write ? [...write].join(",") : ""}:${read}`);
          return new Uint8Array(read).fill(7);
        },
        close: () => seen.push("close"),
      }),
    };
    const previous = setI2cPort(port);
    try {
      await onPeripherals(async () => {
        // onPeripherals installed its own: put the test port back for this part.
        const mine = setI2cPort(port);
        try {
          const i2c = new I2C(0, { scl: 1, sda: 2 });
          const order: string[] = [];
          const reading = i2c.readfromAsync(0x10, 2).then((d) => order.push(`read ${[...d].join(",")}`));
          order.push("after the call");
          expect(seen).to.deep.equal(["16::2"]);
          await reading;
          expect(order).to.deep.equal(["after the call", "read 7,7"]);
          i2c.deinit();
          expect(seen).to.deep.equal(["16::2", "close"]);
        } finally {
          setI2cPort(mine);
        }
      });
      setI2cPort(null);
      setDefaultI2cPort(null);
      const e = expectThrow(() => new I2C(0, { scl: 1, sda: 2 }));
      expect(e).to.be.instanceOf(asyncio.RuntimeError);
      expect((e as Error).message).to.match(/^machine: no I2C port is installed/);
    } finally {
      setI2cPort(previous);
    }
  });

  it("a second SHT3x at 0x45 (ADDR high) and a clash at the same address", async () => {
    await onPeripherals(async ({ p }) => {
      p.i2c.attach(new Sht3x({ address: 0x45, temperature: -10 }), { scl, sda });
      expect(() => p.i2c.attach(new Sht3x(), { scl, sda })).to.throw(asyncio.RuntimeError, /already answers to 0x44/);
      const i2c = new I2C(0, { scl, sda });
      expect(i2c.scan()).to.deep.equal([0x44, 0x45, 0x50]);
      i2c.writeto(0x45, cmd(SHT3X.MEASURE_HIGH_STRETCH));
      expect(decode(await i2c.readfromAsync(0x45, 6)).t).to.be.closeTo(-10, 0.003);
      i2c.deinit();
    });
  });
});
