// network.WLAN checks, run on Node (test/network.test.ts) and inside XS
// (test/xs/network-entry.ts, test/xs.test.ts), each on a fresh loop over a
// virtual-time host with a scripted Wi-Fi model. Plain assertions (no chai:
// XS runs this file as it is).
import asyncio from "../../modules/asyncio/index";
import { getHost, newEventLoop, setHost, type Loop } from "../../modules/asyncio/loop";
import type { VirtualHost } from "../../hosts/virtual";
import network, { WLAN, type WifiInterface, type WifiPort } from "../../modules/network/index";
import { ModelWifiPort, type ModelOptions } from "../../modules/network/model";

export interface Ctx {
  host: VirtualHost;
  loop: Loop;
  port: ModelWifiPort;
  /** Milliseconds a wake-up may come late on this host (turns that cost time). */
  slack: number;
}

export interface NetworkCheck {
  name: string;
  options?: ModelOptions;
  /** Installs this port instead of `new ModelWifiPort(options)` (it gets the model to wrap). */
  wrap?: (model: ModelWifiPort) => WifiPort;
  run(ctx: Ctx): Promise<void>;
}

function fail(message: string): never {
  throw new Error(message);
}
function ok(cond: unknown, message: string): void {
  if (!cond) fail(message);
}
function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  const e = JSON.stringify(expected, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}
function within(v: number, lo: number, hi: number, what: string): void {
  if (!(v >= lo && v <= hi)) fail(`${what}: expected ${lo} … ${hi}, got ${v}`);
}
function nameOf(e: unknown): string {
  try {
    return (e as Error).name + ": " + (e as Error).message;
  } catch {
    return String(e);
  }
}
/** The error fn throws; fails when it throws nothing or not a cls. */
function throws(fn: () => unknown, cls: abstract new (...a: any[]) => unknown, what: string): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls)) fail(`${what}: expected ${cls.name}, got ${nameOf(e)}`);
    return e as Error;
  }
  return fail(`${what}: expected ${cls.name}, nothing was thrown`);
}
async function rejects(p: Promise<unknown>, cls: abstract new (...a: any[]) => unknown, what: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof cls)) fail(`${what}: expected ${cls.name}, got ${nameOf(e)}`);
    return e as Error;
  }
  return fail(`${what}: expected ${cls.name}, it resolved`);
}

const HOME = { ssid: "home", key: "secret123", bssid: "aa:bb:cc:dd:ee:ff", channel: 11, rssi: -40 };
const CAFE = { ssid: "cafe", key: "", rssi: -70 };
const OFFLINE: ModelOptions = { connected: false, networks: [HOME, CAFE], connectMs: 300 };

const waiters = (w: WLAN): number => (w as unknown as { iface: { waiters: Set<unknown> } }).iface.waiters.size;

export const networkChecks: NetworkCheck[] = [
  {
    name: "the default model is connected from the start, at 127.0.0.1",
    async run({ loop, slack }) {
      const wlan = new WLAN(network.STA_IF);
      ok(new WLAN(network.STA_IF) === wlan, "WLAN(STA_IF) is one object");
      ok(new WLAN() === wlan, "WLAN() is WLAN(STA_IF)");
      eq(String(wlan), "WLAN(STA_IF)", "toString");
      eq(wlan.active(), true, "active()");
      eq(wlan.isconnected(), true, "isconnected()");
      eq(wlan.status(), network.STAT_GOT_IP, "status()");
      eq(wlan.ifconfig(), ["127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1"], "ifconfig()");
      const t0 = loop.now();
      await wlan.connected(1);
      await wlan.connected();
      within(loop.now() - t0, 0, slack, "connected() took no time");
      eq(typeof wlan.status("rssi"), "number", "status('rssi')");
      eq(wlan.config("mac"), new Uint8Array([2, 0, 0, 0, 0, 1]), "config('mac')");
      eq(wlan.config("ssid"), "simulated", "config('ssid')");
      eq(wlan.config("essid"), "simulated", "config('essid')");
    },
  },
  {
    name: "connect(): STAT_CONNECTING, then connected() resolves when the driver reports the address",
    options: OFFLINE,
    async run({ loop, slack }) {
      const wlan = new WLAN(network.STA_IF);
      eq([wlan.active(), wlan.isconnected(), wlan.status()], [false, false, network.STAT_IDLE], "before active(true)");
      eq(wlan.ifconfig(), ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"], "ifconfig() while down");
      eq(wlan.active(true), true, "active(true)");
      eq(wlan.status(), network.STAT_IDLE, "status() when up");
      const t0 = loop.now();
      wlan.connect("home", "secret123");
      eq(wlan.status(), network.STAT_CONNECTING, "status() while connecting");
      eq(wlan.isconnected(), false, "isconnected() while connecting");
      await wlan.connected(5);
      within(loop.now() - t0, 300, 300 + slack, "connected after the driver's 300 ms");
      eq(wlan.status(), network.STAT_GOT_IP, "status()");
      eq(wlan.config("ssid"), "home", "config('ssid')");
      eq(wlan.status("rssi"), -40, "status('rssi')");
      eq(wlan.config("channel"), 11, "config('channel')");
      wlan.disconnect();
      eq([wlan.isconnected(), wlan.status()], [false, network.STAT_IDLE], "after disconnect()");
      await rejects(wlan.connected(0.5), asyncio.TimeoutError, "connected() after disconnect()");
    },
  },
  {
    name: "connect() activates an inactive station; an open network takes no key",
    options: OFFLINE,
    async run() {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("cafe");
      eq(wlan.active(), true, "active() after connect()");
      await wlan.connected(1);
      eq(wlan.isconnected(), true, "isconnected()");
    },
  },
  {
    name: "a refused key: connected() raises OSError STAT_WRONG_PASSWORD; status() says so; a later call raises at once",
    options: OFFLINE,
    async run({ loop, slack }) {
      const wlan = new WLAN(network.STA_IF);
      wlan.active(true);
      const t0 = loop.now();
      wlan.connect("home", "wrong-key");
      const e = (await rejects(wlan.connected(5), asyncio.OSError, "connected()")) as Error & { code: string };
      eq(e.code, "STAT_WRONG_PASSWORD", "code");
      ok(/WLAN\(STA_IF\)\.connected\(\): .*wrong password/.test(e.message), `message names the call and the cause: ${e.message}`);
      within(loop.now() - t0, 300, 300 + slack, "raised when the driver reported it");
      eq(wlan.status(), network.STAT_WRONG_PASSWORD, "status()");
      const t1 = loop.now();
      await rejects(wlan.connected(5), asyncio.OSError, "connected() again");
      within(loop.now() - t1, 0, slack, "at once");
      eq(waiters(wlan), 0, "no waiter left");
    },
  },
  {
    name: "no such network: OSError STAT_NO_AP_FOUND; a scripted failure: STAT_CONNECT_FAIL",
    options: OFFLINE,
    async run({ port }) {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("elsewhere", "whatever1");
      const e = (await rejects(wlan.connected(5), asyncio.OSError, "connected()")) as Error & { code: string };
      eq(e.code, "STAT_NO_AP_FOUND", "code");
      port.station!.script.push(network.STAT_CONNECT_FAIL);
      wlan.connect("home", "secret123");
      const f = (await rejects(wlan.connected(5), asyncio.OSError, "connected() after a scripted failure")) as Error & { code: string };
      eq(f.code, "STAT_CONNECT_FAIL", "code");
      wlan.connect("home", "secret123");
      await wlan.connected(5);
      eq(port.station!.attempts.map((a) => a.key), ["whatever1", "secret123", "secret123"], "keys tried");
    },
  },
  {
    name: "a connect that never completes: TimeoutError at the deadline, naming the status",
    options: OFFLINE,
    async run({ loop, port, slack }) {
      const wlan = new WLAN(network.STA_IF);
      port.station!.script.push("hang");
      wlan.connect("home", "secret123");
      const t0 = loop.now();
      const e = await rejects(wlan.connected(2), asyncio.TimeoutError, "connected(2)");
      within(loop.now() - t0, 2000, 2000 + slack, "raised at the deadline");
      ok(/not connected after 2 s \(STAT_CONNECTING\)/.test(e.message), `message: ${e.message}`);
      eq(waiters(wlan), 0, "no waiter left");
      await rejects(asyncio.waitFor(wlan.connected(), 0.5), asyncio.TimeoutError, "waitFor(connected(), 0.5)");
      eq(waiters(wlan), 0, "no waiter left after waitFor");
    },
  },
  {
    name: "every waiter wakes when the driver's host callback reports the address",
    options: OFFLINE,
    async run({ host, loop, port, slack }) {
      const wlan = new WLAN(network.STA_IF);
      port.station!.script.push("hang");
      wlan.connect("home", "secret123");
      const t0 = loop.now();
      host.at(host.now() + 1500, () => port.station!.report(network.STAT_GOT_IP));
      const woke: number[] = [];
      const tasks = [0, 1, 2].map((i) => asyncio.createTask(async () => {
        await wlan.connected(i === 0 ? null : 10);
        woke.push(loop.now() - t0);
      }));
      await asyncio.sleep(0.5);
      eq(waiters(wlan), 3, "three waiting");
      await asyncio.gather(tasks);
      eq(woke.length, 3, "all three woke");
      for (const t of woke) within(t, 1500, 1500 + slack, "woke when reported");
      eq(waiters(wlan), 0, "no waiter left");
    },
  },
  {
    name: "a cancelled wait leaves no waiter; a report after it is harmless",
    options: OFFLINE,
    async run({ host, port }) {
      const wlan = new WLAN(network.STA_IF);
      port.station!.script.push("hang");
      wlan.connect("home", "secret123");
      const t = asyncio.createTask(() => wlan.connected());
      await asyncio.sleep(0.1);
      eq(waiters(wlan), 1, "one waiting");
      t.cancel();
      await rejects(t as unknown as Promise<unknown>, asyncio.CancelledError, "the cancelled wait");
      eq(waiters(wlan), 0, "no waiter left");
      host.at(host.now() + 100, () => port.station!.report(network.STAT_GOT_IP));
      await asyncio.sleep(0.2);
      eq(wlan.isconnected(), true, "connected after the report");
    },
  },
  {
    name: "an inactive interface: connected() raises RuntimeError, also when made inactive while waiting",
    options: OFFLINE,
    async run({ port }) {
      const wlan = new WLAN(network.STA_IF);
      await rejects(wlan.connected(1), asyncio.RuntimeError, "connected() while inactive");
      port.station!.script.push("hang");
      wlan.connect("home", "secret123");
      asyncio.createTask(async () => {
        await asyncio.sleep(0.5);
        wlan.active(false);
      });
      const e = await rejects(wlan.connected(5), asyncio.RuntimeError, "connected() when made inactive");
      ok(/not active/.test(e.message), `message: ${e.message}`);
      eq([wlan.active(), wlan.isconnected(), wlan.status()], [false, false, network.STAT_IDLE], "after active(false)");
    },
  },
  {
    name: "the link drops (a host callback); connect() again and connected() resolves",
    async run({ host, port }) {
      const wlan = new WLAN(network.STA_IF);
      host.at(host.now() + 1000, () => port.station!.report(network.STAT_IDLE));
      await asyncio.sleep(1.1);
      eq(wlan.isconnected(), false, "not connected after the drop");
      wlan.connect();
      eq(wlan.status(), network.STAT_CONNECTING, "reconnecting to the same network");
      await wlan.connected(5);
      eq(wlan.config("ssid"), "simulated", "back on it");
    },
  },
  {
    name: "scan(): MicroPython's tuples; two scans at once share one driver scan; a cancelled scan loses nothing else",
    options: OFFLINE,
    async run() {
      const wlan = new WLAN(network.STA_IF);
      await rejects(wlan.scan(), asyncio.RuntimeError, "scan() while inactive");
      wlan.active(true);
      const [a, b] = await asyncio.gather([wlan.scan(), wlan.scan()]);
      eq(a, [
        ["home", new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), 11, -40, network.SEC_WPA2, false],
        ["cafe", new Uint8Array([2, 0, 0, 0, 0, 0xaa]), 6, -70, network.SEC_OPEN, false],
      ], "scan()");
      eq(b, a, "the second scan got the same");
      ok(a !== b, "each caller gets its own list");
      const t = asyncio.createTask(() => wlan.scan());
      await asyncio.sleep(0.05);
      t.cancel();
      await rejects(t as unknown as Promise<unknown>, asyncio.CancelledError, "the cancelled scan");
      eq((await wlan.scan()).length, 2, "a scan after it");
    },
  },
  {
    name: "an access point: config(), active(true), addresses; a station joining (host callback) ends connected()",
    async run({ host, loop, port, slack }) {
      const ap = new WLAN(network.AP_IF);
      ok(ap !== new WLAN(network.STA_IF), "AP_IF is its own object");
      eq(String(ap), "WLAN(AP_IF)", "toString");
      eq(ap.active(), false, "down at first");
      ap.config({ ssid: "my-ap", key: "password1", channel: 3 });
      ap.active(true);
      eq(ap.ifconfig(), ["192.168.4.1", "255.255.255.0", "192.168.4.1", "192.168.4.1"], "ifconfig()");
      eq([ap.config("ssid"), ap.config("channel")], ["my-ap", 3], "config()");
      eq(ap.isconnected(), false, "no station yet");
      eq(ap.status("stations"), [], "status('stations')");
      const t0 = loop.now();
      host.at(host.now() + 700, () => port.accessPoint!.join("11:22:33:44:55:66"));
      await ap.connected(2);
      within(loop.now() - t0, 700, 700 + slack, "connected when a station joined");
      eq(ap.status("stations"), [[new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66])]], "status('stations')");
      throws(() => ap.connect("x"), asyncio.RuntimeError, "an access point doesn't connect()");
      throws(() => ap.status("rssi"), asyncio.RuntimeError, "status('rssi') of an access point");
      throws(() => new WLAN(network.STA_IF).status("stations"), asyncio.RuntimeError, "status('stations') of a station");
    },
  },
  {
    name: "bad arguments: TypeError or RangeError naming the call; nothing changes and the loop goes on",
    options: OFFLINE,
    async run() {
      const wlan = new WLAN(network.STA_IF);
      const bad: [() => unknown, abstract new (...a: any[]) => unknown, string][] = [
        [() => new WLAN("sta" as unknown as number), TypeError, "WLAN('sta')"],
        [() => new WLAN(2), RangeError, "WLAN(2)"],
        [() => wlan.active("yes" as unknown as boolean), TypeError, "active('yes')"],
        [() => wlan.connect(42 as unknown as string), TypeError, "connect(42)"],
        [() => wlan.connect(""), RangeError, "connect('')"],
        [() => wlan.connect("x".repeat(33)), RangeError, "connect(33 bytes)"],
        [() => wlan.connect("é".repeat(17)), RangeError, "connect(34 UTF-8 bytes)"],
        [() => wlan.connect("home", 12345678 as unknown as string), TypeError, "connect(ssid, number)"],
        [() => wlan.connect("home", "k".repeat(65)), RangeError, "connect(ssid, 65 chars)"],
        [() => wlan.status("volume" as "rssi"), RangeError, "status('volume')"],
        [() => wlan.status(7 as unknown as "rssi"), TypeError, "status(7)"],
        [() => wlan.ifconfig(["1.2.3.4"]), RangeError, "ifconfig([one])"],
        [() => wlan.ifconfig(["1.2.3.4", "255.255.255.0", "1.2.3.256", "8.8.8.8"]), RangeError, "ifconfig(bad address)"],
        [() => wlan.ifconfig([1, 2, 3, 4] as unknown as string[]), TypeError, "ifconfig(numbers)"],
        [() => wlan.ifconfig("static" as "dhcp"), TypeError, "ifconfig('static')"],
        [() => wlan.config("volume" as "ssid"), RangeError, "config('volume')"],
        [() => wlan.config("key" as "ssid"), RangeError, "config('key')"],
        [() => wlan.config({ channel: 14 }), RangeError, "config({channel: 14})"],
        [() => wlan.config({ channel: "1" as unknown as number }), TypeError, "config({channel: '1'})"],
        [() => wlan.config({ key: "short" }), RangeError, "config({key: 'short'})"],
        [() => wlan.config({ hostname: "no spaces" }), RangeError, "config({hostname})"],
        [() => wlan.config({ volume: 3 } as unknown as { ssid: string }), RangeError, "config({volume})"],
        [() => wlan.config(null as unknown as "ssid"), TypeError, "config(null)"],
      ];
      for (const [fn, cls, what] of bad) {
        const e = throws(fn, cls, what);
        ok(/WLAN/.test(e.message), `${what}: the message names WLAN: ${e.message}`);
      }
      await rejects(wlan.connected("soon" as unknown as number), TypeError, "connected('soon')");
      await rejects(wlan.connected(NaN), TypeError, "connected(NaN)");
      await rejects(wlan.connected(Infinity), RangeError, "connected(Infinity)");
      eq([wlan.active(), wlan.status()], [false, network.STAT_IDLE], "nothing changed");
      await asyncio.sleep(0.01);
    },
  },
  {
    name: "ifconfig([...]) sets static addresses, ifconfig('dhcp') goes back; config({hostname}) is read back",
    async run() {
      const wlan = new WLAN(network.STA_IF);
      wlan.ifconfig(["192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1"]);
      eq(wlan.ifconfig(), ["192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1"], "static");
      wlan.ifconfig("dhcp");
      eq(wlan.ifconfig()[0], "127.0.0.1", "dhcp");
      wlan.config({ hostname: "blinky" });
      eq(wlan.config("hostname"), "blinky", "hostname");
    },
  },
  {
    name: "a driver that throws anything: OSError (code EIO) from the call; its RuntimeError passes as it is",
    options: OFFLINE,
    wrap(model) {
      return {
        name: "a failing driver",
        open(id: number, onChange: () => void): WifiInterface {
          const inner = model.open(id, onChange);
          return {
            active: () => inner.active(),
            setActive: (on) => inner.setActive(on),
            connect(ssid: string | null): void {
              if (ssid === "null-proto") throw Object.create(null);
              if (ssid === "symbol") throw Symbol("driver");
              if (ssid === "runtime") throw new asyncio.RuntimeError("driver: busy");
              inner.connect(ssid, null);
            },
            disconnect: () => inner.disconnect(),
            status: () => inner.status(),
            rssi: () => inner.rssi(),
            stations: () => inner.stations(),
            ifconfig: () => inner.ifconfig(),
            config: (name) => inner.config(name),
            setConfig: (values) => inner.setConfig(values),
          };
        },
      };
    },
    async run() {
      const wlan = new WLAN(network.STA_IF);
      for (const ssid of ["null-proto", "symbol"]) {
        const e = throws(() => wlan.connect(ssid), asyncio.OSError, `a driver throwing (${ssid})`) as Error & { code: string };
        eq(e.code, "EIO", "code");
      }
      throws(() => wlan.connect("runtime"), asyncio.RuntimeError, "a driver's RuntimeError");
      wlan.connect("cafe");
      await wlan.connected(1);
    },
  },
];

/**
 * Runs each check on its own loop over makeHost()'s virtual time with its
 * own model installed; result(name, null) when it passed, else the error.
 * Restores the host and the Wi-Fi port afterwards.
 */
export async function runNetworkChecks(
  makeHost: () => VirtualHost,
  slack: number,
  result: (name: string, error: unknown) => void,
  checks: NetworkCheck[] = networkChecks,
): Promise<void> {
  for (const c of checks) {
    const previousHost = getHost();
    const host = makeHost();
    setHost(host);
    const loop = newEventLoop();
    const port = new ModelWifiPort(c.options ?? {});
    const previousPort = network.setWifiPort(c.wrap ? c.wrap(port) : port);
    try {
      await asyncio.run(() => c.run({ host, loop, port, slack }));
      result(c.name, null);
    } catch (e) {
      result(c.name, e);
    } finally {
      network.setWifiPort(previousPort);
      setHost(previousHost);
      newEventLoop();
    }
  }
}
