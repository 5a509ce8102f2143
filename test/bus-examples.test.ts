// examples/sensor-logger.ts and examples/gps-reader.ts on the simulated
// board, on virtual time: exact timelines of what they print, what went
// over the I2C bus, and the LEDs, with their board scripts (as npm start
// runs them).
import { expect } from "chai";
import * as path from "path";
import { runApp, type Run } from "../hosts/node/runner";
import { transactionBits } from "../modules/machine/sim/i2c";
import { byteMs, FORMAT_9600_8N1 } from "../modules/machine/sim/uart";

const ROOT = path.resolve(__dirname, "..");
const BYTE = byteMs(FORMAT_9600_8N1);

function printed(run: Run): { time: number; line: string }[] {
  return run.feed.history.flatMap((e) => (e.type === "print" && !e.stderr ? [{ time: e.time, line: e.line }] : []));
}
function toggles(run: Run, pin: number): number[] {
  return run.board.history.filter((c) => c.pin === pin).map((c) => c.time);
}

/** What the SHT3x reports for a true value, through its 16-bit words. */
function quantized(celsius: number, humidity: number): [string, string] {
  const t = Math.round(((celsius + 45) * 65535) / 175);
  const rh = Math.round((humidity * 65535) / 100);
  return [(-45 + (175 * t) / 65535).toFixed(2), ((100 * rh) / 65535).toFixed(1)];
}

describe("examples/sensor-logger.ts on the simulated board", () => {
  it("reads the SHT3x every 2 s (command, 15 ms, 6 bytes) while the LED blinks every 500 ms; the values follow the board script", async () => {
    const run = runApp({ entry: path.join(ROOT, "examples", "sensor-logger.ts"), duration: 10, virtual: true, view: false });
    await run.finished;
    const readMs = transactionBits(0, 6) * (1000 / 400_000);
    // Reading k starts at exactly 2000·k ms: the logger's ticker (everyMs(2000)) counts from its start, however long
    // each reading took (it used ticksAdd on whole ms, which carried the fraction of a ms a reading ended on).
    const starts = [0, 2000, 4000, 6000, 8000];
    const lines = printed(run);
    expect(lines.map((l) => l.time)).to.have.length(5);
    lines.forEach((l, k) => expect(l.time, l.line).to.be.closeTo(starts[k] + 15 + readMs, 1e-9));
    const phase = (ms: number): number => Math.cos((2 * Math.PI * ms) / 60_000);
    expect(lines.map((l) => l.line)).to.deep.equal(
      starts.map((start, k) => {
        const at = start + 15;
        const [c, h] = quantized(23 - 2 * phase(at), 50 + 8 * phase(at));
        return `sensor: ${c} C, ${h} %RH (measured at ${2000 * k} ms)`;
      }),
    );
    const tx = run.board.peripherals.i2c.transactions;
    expect(tx.map((t) => [t.addr, t.write.join(","), t.read.length, t.error])).to.deep.equal(starts.flatMap(() => [[0x44, "36,0", 0, ""], [0x44, "", 6, ""]]));
    tx.forEach((t, i) => expect(t.start).to.be.closeTo(starts[i >> 1] + (i & 1 ? 15 : 0), 1e-9));
    // GPIO2: opened low, then a toggle every 500 ms from 0.
    expect(toggles(run, 2)).to.deep.equal([0, ...Array.from({ length: 20 }, (_, i) => 500 * i)]);
  });

  it("a sensor unplugged for a while: each missed reading is printed (OSError ENODEV) and the logger carries on at its pace", async () => {
    const run = runApp({ entry: path.join(ROOT, "examples", "sensor-logger.ts"), duration: 10, virtual: true, view: false });
    const { i2c, sensor } = run.board.peripherals;
    const host = run.host as { at(ms: number, fn: () => void): void };
    host.at(3000, () => i2c.detach(sensor));
    host.at(7000, () => i2c.attach(sensor, { scl: 5, sda: 4 }));
    await run.finished;
    const lines = printed(run);
    expect(lines.map((l) => Math.round(l.time))).to.deep.equal([15, 2015, 4000, 6000, 8015]);
    expect(lines[2].line).to.equal("sensor: I2C(0).writeto(0x44, …): no device acknowledged address 0x44 on the I2C bus scl=5 sda=4 (simulated board) (ENODEV)");
    expect(lines[3].line).to.equal(lines[2].line);
    expect(lines[4].line).to.match(/^sensor: 2\d\.\d\d C, \d\d\.\d %RH \(measured at 8000 ms\)$/);
  });
});

describe("examples/gps-reader.ts on the simulated board", () => {
  it("prints each GGA and RMC as it arrives at 9600 baud, the fix lost from 5 s to 8 s, while the LEDs blink", async () => {
    const run = runApp({ entry: path.join(ROOT, "examples", "gps-reader.ts"), duration: 10, virtual: true, view: false });
    const { gps } = run.board.peripherals;
    await run.finished;
    const lines = printed(run);
    const expected: { time: number; line: RegExp }[] = [];
    for (let k = 0; k < 10; k++) {
      const report = gps.reportAt(1000 * k);
      const [gga] = report.split("\r\n");
      const hhmmss = `12:00:0${k}`;
      // The receiver reports 120 bytes at a time, and the rest once the line has been idle 4 byte times.
      const end = 1000 * k + report.length * BYTE + 4 * BYTE;
      const ggaAt = report.length >= 120 ? 1000 * k + 120 * BYTE : end;
      expect(gga.length + 2 <= 120 || report.length < 120, "GGA fits in the first 120 bytes").to.equal(true);
      const fix = k < 5 || k >= 8;
      if (fix) {
        expected.push({ time: ggaAt, line: new RegExp(`^gps: ${hhmmss} fix, 9 satellites, altitude 35\\.0 m$`) });
        expected.push({ time: end, line: new RegExp(`^gps: ${hhmmss} 48\\.85\\d{4}, 2\\.29\\d{4}, 12\\.000 knots, course 45\\.00$`) });
      } else expected.push({ time: ggaAt, line: new RegExp(`^gps: ${hhmmss} no fix$`) });
    }
    expect(lines).to.have.length(expected.length);
    lines.forEach((l, i) => {
      expect(l.line).to.match(expected[i].line);
      expect(l.time, l.line).to.be.closeTo(expected[i].time, 1e-9);
    });
    // North-east at 12 knots: 1 s is 6.17 m, 0.0000393° of latitude.
    const lat = (i: number): number => Number(/ (48\.\d+),/.exec(lines[i].line)![1]);
    expect(lat(3) - lat(1)).to.be.closeTo((12 / 3600 / 60) * Math.cos(Math.PI / 4), 1e-6);
    // The LEDs: green every 500 ms, blue every second, from 0.
    expect(toggles(run, 14)).to.deep.equal([0, ...Array.from({ length: 20 }, (_, i) => 500 * i)]);
    expect(toggles(run, 12)).to.deep.equal([0, ...Array.from({ length: 10 }, (_, i) => 1000 * i)]);
  });

  it("a GPS switched to 4800 baud: every line is noise, skipped and counted; the LEDs blink on", async () => {
    const run = runApp({ entry: path.join(ROOT, "examples", "gps-reader.ts"), duration: 4, virtual: true, view: false });
    const { gps } = run.board.peripherals;
    (run.host as { at(ms: number, fn: () => void): void }).at(1500, () => (gps.format = { ...gps.format, baudrate: 4800 }));
    await run.finished;
    const lines = printed(run).map((l) => l.line);
    expect(lines.slice(0, 4).every((l) => l.startsWith("gps: 12:00:0"))).to.equal(true);
    const skipped = lines.slice(4);
    expect(skipped.length).to.be.greaterThan(0);
    skipped.forEach((l, i) => expect(l).to.equal(`gps: skipped a line that is not a sentence (${i + 1} so far)`));
    expect(toggles(run, 14)).to.have.length(9);
  });
});
