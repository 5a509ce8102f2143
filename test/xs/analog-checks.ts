// ADC, PWM, Encoder and AADC checks, run on Node (test/analog-xs.test.ts)
// and inside XS (test/xs/analog-entry.ts), each on a fresh loop over a
// virtual-time host with a fresh simulated board. Plain assertions (no chai:
// XS runs this file as it is).
import asyncio from "../../modules/asyncio/index";
import { RuntimeError } from "../../modules/asyncio/errors";
import { getHost, newEventLoop, setHost } from "../../modules/asyncio/loop";
import { AADC, ADC, Encoder, Pin, PWM, setAnalogPort, setDigitalPort, setPwmPort } from "../../modules/machine/index";
import { SimulatedBoard } from "../../hosts/node/board";
import { steps } from "../../hosts/node/analog";
import type { VirtualHost } from "../../hosts/virtual";

export interface AnalogCheck {
  name: string;
  run(host: VirtualHost, board: SimulatedBoard): Promise<void>;
}

function fail(message: string): never {
  throw new Error(message);
}
function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}
function nameOf(e: unknown): string {
  try {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } catch {
    return String(e);
  }
}
/** fn throws a cls whose message is `message`. */
function throws(fn: () => unknown, cls: abstract new (...a: any[]) => unknown, message: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls)) fail(`${message}: expected ${cls.name}, got ${nameOf(e)}`);
    eq((e as Error).message, message, "message");
    return;
  }
  fail(`${message}: nothing was thrown`);
}
/** p rejects with a cls whose message is `message`. */
async function rejects(p: Promise<unknown>, cls: abstract new (...a: any[]) => unknown, message: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof cls)) fail(`${message}: expected ${cls.name}, got ${nameOf(e)}`);
    eq((e as Error).message, message, "message");
    return;
  }
  fail(`${message}: it resolved`);
}

export const analogChecks: AnalogCheck[] = [
  {
    name: "ADC: readU16() and readUv() of a 12-bit converter over 0 … 3.3 V; typed errors naming the pin",
    async run(_host, board) {
      const adc = new ADC(34);
      const seen: number[][] = [];
      for (const v of [0, 1.65, 3.3, 5]) {
        board.analog.set(34, v);
        seen.push([adc.readU16(), adc.readUv()]);
      }
      eq(seen, [[0, 0], [32776, 1650403], [65535, 3300000], [65535, 3300000]], "readings");
      throws(() => new ADC(5), RangeError, "ADC(5): GPIO5 is not an analog input on the simulated board (ESP32 ADC1: GPIO 32–39; ADC2: GPIO 0, 2, 4, 12–15, 25–27)");
      throws(() => new ADC(34), RuntimeError, "ADC(34): the pin is in use on the simulated board (open as an ADC)");
      adc.close();
      throws(() => adc.readU16(), RuntimeError, "ADC(34).readU16(): the ADC is closed");
    },
  },
  {
    name: "PWM: freq, dutyU16, dutyNs, deinit; bad duty and frequency are typed errors naming the pin",
    async run(_host, board) {
      const led = new PWM(2, { freq: 1000, dutyU16: 32768 });
      eq([led.freq(), led.dutyU16(), led.dutyNs()], [1000, 32768, 500008], "first");
      led.freq(2000);
      eq([led.freq(), led.dutyU16(), led.dutyNs()], [2000, 32768, 250004], "after freq(2000)");
      led.dutyNs(125000);
      eq(board.analog.pwm(2), { duty: 16384, freq: 2000 }, "the board's");
      throws(() => led.dutyU16(65536), RangeError, "PWM(2).dutyU16(): the duty must be 0 … 65535, got 65536");
      throws(() => led.freq(0), RangeError, "PWM(2).freq(): freq must be a finite number of Hz > 0, got 0");
      led.deinit();
      throws(() => led.dutyU16(1), RuntimeError, "PWM(2).dutyU16(1): the PWM is deinitialised");
      eq(board.analog.pwm(2), undefined, "after deinit()");
    },
  },
  {
    name: "Encoder: quadrature with contact bounce counts exactly; the callback and changed() delayMs after motion",
    async run(host, board) {
      const calls: string[] = [];
      const enc = new Encoder(new Pin(4, Pin.IN, Pin.PULL_UP), new Pin(5, Pin.IN, Pin.PULL_UP), { delayMs: 50, callback: (v, d) => calls.push(`${host.now()} ${v} ${d}`) });
      const script: [number, number, 0 | 1][] = [[10, 4, 0], [11, 4, 1], [12, 4, 0], [20, 5, 0], [21, 5, 1], [22, 5, 0], [30, 4, 1], [40, 5, 1]];
      for (const [t, pin, level] of script) host.at(t, () => board.drive(pin, level));
      eq(await enc.changed(), 4, "changed()");
      eq(host.now(), 60, "when");
      // Anticlockwise: Y leads.
      for (const [t, pin, level] of [[100, 5, 0], [102, 4, 0], [104, 5, 1], [106, 4, 1]] as [number, number, 0 | 1][]) host.at(t, () => board.drive(pin, level));
      eq(await enc.changed(), 0, "back");
      eq(calls, ["60 4 4", "150 0 -4"], "callbacks");
      const pending = enc.changed();
      host.at(200, () => enc.close());
      await rejects(pending, RuntimeError, "Encoder(Pin(4), Pin(5)).changed(): the encoder is closed");
      eq(host.now(), 200, "closed at");
    },
  },
  {
    name: "AADC: outside() and inside() at the poll that sees it; a cancelled wait stops polling; closing the ADC rejects",
    async run(host, board) {
      let reads = 0;
      const wave = steps([[0, 1.0], [95, 3.0], [250, 1.2]]);
      board.analog.set(34, (ms) => {
        reads++;
        return wave(ms);
      });
      const adc = new ADC(34);
      const watch = new AADC(adc, { periodMs: 10 });
      eq(await watch.outside(0, 40000), 59582, "outside()");
      eq(host.now(), 100, "outside() at");
      eq(await watch.inside(0, 40000), 23829, "inside()");
      eq(host.now(), 250, "inside() at");
      const before = reads;
      const r = await asyncio.waitFor(watch.outside(0, 40000), 0.05).then(
        () => "resolved",
        (e: unknown) => (e instanceof asyncio.TimeoutError ? "timeout" : nameOf(e)),
      );
      eq(r, "timeout", "waitFor()");
      eq(reads - before, 1 + 4, "reads while waiting");
      await asyncio.sleep(1);
      eq(reads - before, 5, "reads after the timeout");
      const pending = watch.inside(60000, 65535);
      host.at(host.now() + 30, () => adc.close());
      await rejects(pending, RuntimeError, "AADC(ADC(34)).inside(): the ADC was closed");
      await rejects(watch.outside(5, 1), RangeError, "AADC(ADC(34)).outside(): lo must be <= hi, got 5 … 1");
    },
  },
];

/** Runs each check on a fresh host (makeHost), loop and simulated board; result() gets null or the error. */
export async function runAnalogChecks(makeHost: () => VirtualHost, result: (name: string, error: unknown) => void, checks: AnalogCheck[] = analogChecks): Promise<void> {
  for (const c of checks) {
    const previousHost = getHost();
    const host = makeHost();
    setHost(host);
    newEventLoop();
    const board = new SimulatedBoard(() => host.now());
    const previous = [setDigitalPort(board), setAnalogPort(board.analog.adcPort), setPwmPort(board.analog.pwmPort)] as const;
    try {
      await asyncio.run(() => c.run(host, board));
      result(c.name, null);
    } catch (e) {
      result(c.name, e);
    } finally {
      setDigitalPort(previous[0]);
      setAnalogPort(previous[1]);
      setPwmPort(previous[2]);
      setHost(previousHost);
      newEventLoop();
    }
  }
}
