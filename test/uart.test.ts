// machine.UART and the Stream over it, on the simulated board (virtual
// time, exact): the GPS at 9600 baud, every method, the receive buffer's
// bound, flow of writes, bad input, closing while a task reads.
import { expect } from "chai";
import asyncio, { OSError, READ_BUFFER_LIMIT, type Stream } from "../modules/asyncio";
import { Pin } from "../modules/machine/pin";
import { setDefaultSerialPort, setSerialPort } from "../modules/machine/serialport";
import { nmeaChecksum } from "../modules/machine/sim/gps";
import { SIM_WIRING } from "../modules/machine/sim/peripherals";
import { byteEnd, byteMs, FORMAT_9600_8N1, garble, UartPeer } from "../modules/machine/sim/uart";
import { UART } from "../modules/machine/uart";
import { expectReject, expectThrow, latin1, onPeripherals } from "./peripherals-helpers";

const { rx, tx } = SIM_WIRING.gps;
const BYTE = byteMs(FORMAT_9600_8N1); // 1.0416… ms
const TIMEOUT = 4 * BYTE; // the receiver's idle timeout

/** A GPS sentence's fields, its checksum checked. */
function fields(line: string): string[] {
  const m = /^\$([^*]*)\*([0-9A-F]{2})\r\n$/.exec(line);
  expect(m, line).to.not.equal(null);
  expect(nmeaChecksum(m![1])).to.equal(m![2]);
  return m![1].split(",");
}

describe("machine.UART on the simulated board", () => {
  it("the GPS at 9600 baud through a Stream: GGA when 120 bytes are waiting (125 ms), RMC when the line has been idle 4 byte times", async () => {
    await onPeripherals(async ({ host, p }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      const s = new asyncio.Stream(uart);
      const report = p.gps.reportAt(0);
      expect(report.length).to.equal(146);
      const gga = latin1(await s.readline());
      expect(host.now()).to.be.closeTo(120 * BYTE, 1e-9);
      const rmc = latin1(await s.readline());
      expect(host.now()).to.be.closeTo(byteEnd(0, 145, FORMAT_9600_8N1) + TIMEOUT, 1e-9);
      expect(gga + rmc).to.equal(report);
      expect(fields(gga).slice(0, 8)).to.deep.equal(["GPGGA", "120000.00", "4851.49332", "N", "00217.67000", "E", "1", "08"]);
      expect(fields(rmc).slice(0, 3)).to.deep.equal(["GPRMC", "120000.00", "A"]);
      // The next second's report, at the same offsets.
      p.gps.fix = false;
      const next = latin1(await s.readline());
      // Without a fix the report is short (82 bytes): both lines come when the line goes idle.
      expect(p.gps.reportAt(1000).length).to.equal(82);
      expect(host.now()).to.be.closeTo(1000 + 82 * BYTE + TIMEOUT, 1e-9);
      expect(fields(next)).to.deep.equal(["GPGGA", "120001.00", "", "", "", "", "0", "00", "99.99", "", "", "", "", "", ""]);
      expect(fields(latin1(await s.readline())).slice(0, 3)).to.deep.equal(["GPRMC", "120001.00", "V"]);
      s.close();
      await s.waitClosed();
    });
  });

  it("write(), read(), readinto(), readline(), any(), txdone() without a Stream; the peer gets each byte at its time", async () => {
    await onPeripherals(async ({ host, p }) => {
      p.serial.disconnect(p.gps);
      const peer = p.serial.connect(new UartPeer({ baudrate: 115200 }), { rx, tx });
      const uart = new UART(2, { baudrate: 115200, tx, rx });
      const f = { ...FORMAT_9600_8N1, baudrate: 115200 };
      expect(uart.any()).to.equal(0);
      expect(uart.read()).to.equal(null);
      expect(uart.readline()).to.equal(null);
      expect(uart.readinto(new Uint8Array(4))).to.equal(null);
      expect(uart.txdone()).to.equal(true);
      expect(uart.write("AT\r\n")).to.equal(4);
      expect(uart.write(new Uint8Array(0))).to.equal(0);
      expect(uart.txdone()).to.equal(false);
      await asyncio.sleepMs(1);
      expect(uart.txdone()).to.equal(true);
      expect(peer.receivedText()).to.equal("AT\r\n");
      expect(peer.receivedAt).to.deep.equal([0, 1, 2, 3].map((i) => byteEnd(0, i, f)));
      const end = peer.send("OK\r\nrest");
      expect(end).to.be.closeTo(1 + byteEnd(0, 7, f) - 0, 1e-9);
      await asyncio.sleepMs(2);
      expect(uart.any()).to.equal(8);
      expect(latin1(uart.readline())).to.equal("OK\r\n");
      expect(uart.readline()).to.equal(null); // "rest" has no newline yet
      const buf = new Uint8Array(3);
      expect(uart.readinto(buf)).to.equal(3);
      expect(latin1(buf)).to.equal("res");
      expect(uart.readinto(buf, 0)).to.equal(0);
      expect(latin1(uart.read(5))).to.equal("t");
      peer.deliverNow("abcdef");
      expect(latin1(uart.read(2))).to.equal("ab");
      expect(latin1(uart.read())).to.equal("cdef");
      expect(host.now()).to.equal(3);
      expect(String(uart)).to.equal("UART(2, baudrate=115200, bits=8, parity=None, stop=1, tx=17, rx=16)");
      uart.deinit();
    });
  });

  it("the receive buffer is bounded (rxbuf): bytes past it are lost and counted; readline() gives a full buffer as it is", async () => {
    await onPeripherals(async ({ p }) => {
      p.serial.disconnect(p.gps);
      const peer = p.serial.connect(new UartPeer(), { rx, tx });
      const uart = new UART(2, { baudrate: 9600, tx, rx, rxbuf: 64 });
      peer.send("x".repeat(100));
      await asyncio.sleepMs(200);
      expect(uart.any()).to.equal(64);
      expect(p.serial.stats(2)).to.deep.equal({ overruns: 36, received: 64, sent: 0 });
      expect(latin1(uart.readline())).to.equal("x".repeat(64));
      expect(uart.readline()).to.equal(null);
      uart.deinit();
    });
  });

  it("writes larger than the transmit buffer: write() takes what fits; the Stream's drain() waits for room, reported at 10 bytes left", async () => {
    await onPeripherals(async ({ host, p }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx, txbuf: 256 });
      expect(uart.write(new Uint8Array(300).fill(0x41))).to.equal(256);
      expect(uart.write("more")).to.equal(0);
      await asyncio.sleepMs(300);
      expect(uart.txdone()).to.equal(true);
      expect(p.gps.received.length).to.equal(256);
      const s = asyncio.streamOf(uart);
      const t0 = host.now();
      const data = new Uint8Array(1000);
      for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
      s.write(data);
      await s.drain();
      // 256 bytes at first, 246 more each time only 10 are left: the fourth refill takes the last of the 1000.
      expect(host.now() - t0).to.be.closeTo(4 * 246 * BYTE, 1e-6);
      await asyncio.sleepMs(300);
      expect(p.gps.received.slice(256)).to.deep.equal([...data]);
      const gaps = p.gps.receivedAt.slice(256).map((t, i, a) => (i ? t - a[i - 1] : BYTE));
      for (const g of gaps) expect(g, "back to back: no gap between refills").to.be.closeTo(BYTE, 1e-6);
      s.close();
    });
  });

  it("formats: 8E2 takes 12 bits a byte; a receiver at another baud rate or framing gets garbage", async () => {
    await onPeripherals(async ({ host, p }) => {
      p.serial.disconnect(p.gps);
      const f = { baudrate: 9600, bits: 8, parity: 0 as const, stop: 2 as const };
      const peer = p.serial.connect(new UartPeer(f), { rx, tx });
      const uart = new UART(2, { baudrate: 9600, tx, rx, parity: 0, stop: 2 });
      const s = new asyncio.Stream(uart);
      peer.send("hello\n");
      expect(latin1(await s.readline())).to.equal("hello\n");
      expect(host.now()).to.be.closeTo((6 * 12 * 1000) / 9600 + (4 * 12 * 1000) / 9600, 1e-9);
      s.close();
      const wrong = new UART(2, { baudrate: 115200, tx, rx });
      peer.send("hi");
      await asyncio.sleepMs(10);
      expect([...wrong.read()!]).to.deep.equal([garble(0x68), garble(0x69)]);
      wrong.write("x");
      await asyncio.sleepMs(1);
      expect(peer.received).to.deep.equal([garble(0x78)]);
      wrong.deinit();
    });
  });

  it("opened in the middle of a GPS report: the UART hears the rest of it (a partial first line, its checksum broken)", async () => {
    await onPeripherals(async ({ host, p }) => {
      await asyncio.sleepMs(50);
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      const s = new asyncio.Stream(uart);
      const first = latin1(await s.readline());
      const gga = p.gps.reportAt(0).split("\r\n")[0] + "\r\n";
      // Bytes whose start bit came at or after 50 ms: from byte 48 on.
      expect(first).to.equal(gga.slice(48));
      expect(host.now()).to.be.closeTo(byteEnd(0, 145, FORMAT_9600_8N1) + TIMEOUT, 1e-9);
      expect(fields(latin1(await s.readline()))[0]).to.equal("GPRMC");
      s.close();
    });
  });

  it("a Stream owns the UART: one Stream per UART (new Stream(uart) and streamOf(uart) give it), the UART's own methods refuse, closing the Stream closes the UART", async () => {
    await onPeripherals(async ({ p }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      await asyncio.sleepMs(200);
      const waiting = uart.any();
      expect(waiting).to.equal(146);
      const s = new asyncio.Stream(uart);
      expect(new asyncio.StreamReader(uart)).to.equal(s);
      expect(new asyncio.StreamWriter(uart, {})).to.equal(s);
      expect(asyncio.streamOf(uart)).to.equal(s);
      expect(String(s)).to.equal("<Stream UART(2, baudrate=9600, bits=8, parity=None, stop=1, tx=17, rx=16)>");
      expect(s.getExtraInfo("peername")).to.equal(undefined);
      // What had arrived before the Stream is the Stream's.
      expect(latin1(await s.readexactly(waiting))).to.equal(p.gps.reportAt(0));
      for (const [what, call] of [["read()", () => uart.read()], ["readline()", () => uart.readline()], ["any()", () => uart.any()], ["write()", () => uart.write("x")], ["readinto()", () => uart.readinto(new Uint8Array(1))]] as const) {
        const e = expectThrow(call);
        expect(e, what).to.be.instanceOf(asyncio.RuntimeError);
        expect((e as Error).message).to.equal(`UART(2).${what}: a Stream owns this UART; read and write through the stream`);
      }
      expect(uart.txdone()).to.equal(true);
      s.write("$PMTK220,1000*1F\r\n");
      s.close();
      await s.waitClosed();
      expect(String(s)).to.match(/ closed>$/);
      expect((expectThrow(() => uart.any()) as Error).message).to.equal("UART(2).any(): the UART is closed");
      // What was written before close still went out.
      await asyncio.sleepMs(30);
      expect(p.gps.receivedText()).to.equal("$PMTK220,1000*1F\r\n");
      expect(expectThrow(() => new asyncio.Stream(uart))).to.be.instanceOf(asyncio.RuntimeError);
      expect(expectThrow(() => asyncio.streamOf({} as unknown as UART))).to.be.instanceOf(TypeError);
      expect(expectThrow(() => new asyncio.Stream(42 as unknown as UART))).to.be.instanceOf(TypeError);
      // The pins are free again.
      new Pin(rx, Pin.IN).close();
    });
  });

  it("deinit() while a task reads the Stream: the read rejects with OSError EBADF (bytes already read stay readable); writes then fail alike", async () => {
    await onPeripherals(async ({ host }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      const s = new asyncio.Stream(uart);
      const reading = asyncio.createTask(() => s.readexactly(READ_BUFFER_LIMIT + 1));
      await asyncio.sleepMs(500);
      uart.deinit();
      uart.deinit();
      const e = await expectReject(reading);
      expect(e).to.be.instanceOf(OSError);
      expect((e as OSError).code).to.equal("EBADF");
      expect((e as Error).message).to.equal("UART(2) was closed (deinit())");
      expect(latin1(await s.read(100)).startsWith("$GPGGA,120000.00")).to.equal(true);
      expect(host.now()).to.equal(500);
      expect(expectThrow(() => s.write("x"))).to.be.instanceOf(OSError);
      await s.waitClosed();
      // A plain read parked when the UART closes, too.
      const again = new UART(2, { baudrate: 9600, tx, rx });
      const s2 = asyncio.streamOf(again);
      const line = asyncio.createTask(() => s2.readline());
      await asyncio.sleepMs(10);
      again.deinit();
      expect(await expectReject(line)).to.be.instanceOf(OSError);
    });
  });

  it("a readline() timed out or cancelled while the GPS talks loses nothing: the next one gets the whole sentence", async () => {
    await onPeripherals(async ({ host, p }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx, rxbuf: 512 });
      const s = new asyncio.Stream(uart);
      expect(await expectReject(asyncio.waitForMs(s.readline(), 50))).to.be.instanceOf(asyncio.TimeoutError);
      const t = asyncio.createTask(() => s.readline(), { name: "reader" });
      await asyncio.sleepMs(60);
      t.cancel();
      expect(await expectReject(t)).to.be.instanceOf(asyncio.CancelledError);
      // The report of 0 s went by meanwhile, unread: every byte of it is still there.
      await asyncio.sleepMs(100);
      expect(host.now()).to.equal(210);
      expect(latin1(await s.readline()) + latin1(await s.readline())).to.equal(p.gps.reportAt(0));
      s.close();
    });
  });

  it("past 16 KiB unread the Stream stops taking bytes: they wait in the receive buffer, and past rxbuf they are lost (no flow control on a UART)", async () => {
    await onPeripherals(async ({ p }) => {
      p.serial.disconnect(p.gps);
      const peer = p.serial.connect(new UartPeer(), { rx, tx });
      const uart = new UART(2, { baudrate: 9600, tx, rx, rxbuf: 1024 });
      const s = new asyncio.Stream(uart);
      for (let i = 0; i < READ_BUFFER_LIMIT / 1024; i++) peer.deliverNow(new Uint8Array(1024).fill(0x61));
      expect(uart.txdone()).to.equal(true);
      peer.deliverNow(new Uint8Array(1000).fill(0x62)); // waits in the UART's receive buffer
      peer.deliverNow(new Uint8Array(100).fill(0x63)); // 24 of these fit
      expect(p.serial.stats(2).overruns).to.equal(76);
      const all = await s.readexactly(READ_BUFFER_LIMIT + 1024);
      expect(latin1(all)).to.equal("a".repeat(READ_BUFFER_LIMIT) + "b".repeat(1000) + "c".repeat(24));
      s.close();
    });
  });

  it("bad arguments and unavailable UARTs: typed errors naming the UART", async () => {
    await onPeripherals(async () => {
      const cases: [() => unknown, ErrorConstructor | typeof asyncio.RuntimeError, string][] = [
        [() => new UART("2" as unknown as number), TypeError, 'UART: expected the UART id as a number, got string "2"'],
        [() => new UART(3, { tx, rx }), RangeError, "UART: id 3 is out of range for the simulated board (0–2)"],
        [() => new UART(2, null as unknown as object), TypeError, "UART(2): expected options { baudrate, tx, rx, bits, parity, stop }, got null"],
        [() => new UART(2, { baudrate: "9600" as unknown as number }), TypeError, 'UART(2): expected baudrate as a number, got string "9600"'],
        [() => new UART(2, { baudrate: 0 }), RangeError, "UART(2): baudrate 0 is outside 50–5 000 000"],
        [() => new UART(2, { baudrate: 9600.5 }), RangeError, "UART(2): baudrate 9600.5 is outside 50–5 000 000"],
        [() => new UART(2, { bits: 4 }), RangeError, "UART(2): bits must be 5–9, got 4"],
        [() => new UART(2, { bits: 9, tx, rx }), RangeError, "UART(2): the simulated board (an ESP32) has 5–8 data bits, not 9"],
        [() => new UART(2, { parity: 2 as 0 }), RangeError, "UART(2): parity must be null, 0 (even) or 1 (odd), got 2"],
        [() => new UART(2, { parity: "even" as unknown as 0 }), TypeError, 'UART(2): expected parity as null, 0 (even) or 1 (odd), got string "even"'],
        [() => new UART(2, { stop: 3 as 1 }), RangeError, "UART(2): stop must be 1 or 2, got 3"],
        [() => new UART(2, { rxbuf: 8 }), RangeError, "UART(2): rxbuf must be 16–65536 bytes, got 8"],
        [() => new UART(2, { tx: 40, rx }), RangeError, "UART(2): tx pin 40 is out of range for the simulated board (0–39)"],
        [() => new UART(2, { tx: "17" as unknown as number }), TypeError, 'UART(2): expected tx as a pin number, a Pin or null, got string "17"'],
        [() => new UART(2, { tx: 16, rx: 16 }), RangeError, "UART(2): tx and rx are both pin 16"],
        [() => new UART(2, { tx: null, rx: null }), RangeError, "UART(2): needs a tx or an rx pin"],
        [() => new UART(2, { tx: 35, rx }), RangeError, "UART(2): tx pin 35 is input-only on the simulated board"],
        [() => new UART(0, {}), TypeError, "UART(0): give the pins (tx, rx): the simulated board has no default pins for UART 0"],
      ];
      for (const [make, type, message] of cases) {
        const e = expectThrow(make);
        expect(e, message).to.be.instanceOf(type);
        expect((e as Error).message).to.equal(message);
      }
      // Defaults: UART2 on 17/16 (MicroPython's on ESP32); an rx-only UART on an input-only pin.
      const u = new UART(2);
      expect([u.tx, u.rx, u.baudrate]).to.deep.equal([17, 16, 115200]);
      const e1 = expectThrow(() => new UART(2, { tx: 4, rx: 5 }));
      expect((e1 as Error).message).to.equal("UART(2): the UART is already open on the simulated board");
      const e2 = expectThrow(() => new Pin(17, Pin.OUT));
      expect((e2 as Error).message).to.equal("Pin(17): the pin is in use by UART(2) on the simulated board");
      const e3 = expectThrow(() => new UART(1, { tx: 17, rx: 35 }));
      expect((e3 as Error).message).to.equal("UART(1): GPIO17 is in use by UART(2) on the simulated board");
      u.deinit();
      const listen = new UART(1, { tx: null, rx: 35 });
      expect(expectThrow(() => listen.read(-1))).to.be.instanceOf(RangeError);
      expect(expectThrow(() => listen.read("1" as unknown as number))).to.be.instanceOf(TypeError);
      expect(expectThrow(() => listen.write(7 as unknown as string))).to.be.instanceOf(TypeError);
      expect(expectThrow(() => listen.readinto([] as unknown as Uint8Array))).to.be.instanceOf(TypeError);
      listen.deinit();
      for (const call of [() => listen.read(), () => listen.write("x"), () => listen.readline(), () => listen.any(), () => listen.txdone(), () => listen.readinto(new Uint8Array(1))]) {
        expect((expectThrow(call) as Error).message).to.match(/^UART\(1\)\.\w+\(\d*\): the UART is closed$/);
      }
    });
    const previous = setSerialPort(null);
    setDefaultSerialPort(null);
    try {
      const e = expectThrow(() => new UART(2, { tx, rx }));
      expect(e).to.be.instanceOf(asyncio.RuntimeError);
      expect((e as Error).message).to.match(/^machine: no serial port is installed/);
    } finally {
      setSerialPort(previous);
    }
  });

  it("two tasks: one reads GPS lines, the other writes to the GPS; only one reader at a time", async () => {
    await onPeripherals(async ({ p }) => {
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      const s: Stream = asyncio.streamOf(uart);
      const lines: string[] = [];
      const reader = asyncio.createTask(async () => {
        for (let i = 0; i < 4; i++) lines.push(fields(latin1(await s.readline()))[0]);
      });
      await asyncio.sleepMs(10);
      expect(await expectReject(s.readline())).to.be.instanceOf(asyncio.RuntimeError);
      s.write("$PMTK314,0,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0*28\r\n");
      await s.drain();
      await reader;
      expect(lines).to.deep.equal(["GPGGA", "GPRMC", "GPGGA", "GPRMC"]);
      expect(p.gps.receivedText()).to.match(/^\$PMTK314,.*\*28\r\n$/);
      s.close();
    });
  });
});
