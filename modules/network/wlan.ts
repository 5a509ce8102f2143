import { RuntimeError, TimeoutError, isInstance } from "../asyncio/errors";
import { OSError } from "../asyncio/netport";
import { ThreadSafeFlag } from "../asyncio/threadsafeflag";
import { describe, thrownMessage } from "../asyncio/format";
import { timeout } from "../asyncio/timeout";
import { checkDuration } from "../asyncio/validate";
import { utf8Encode } from "../asyncio/stream";
import {
  AP_IF, STA_IF, STAT_CONNECT_FAIL, STAT_CONNECTING, STAT_GOT_IP, STAT_IDLE, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD,
  getWifiPort, type IfConfig, type ScanRecord, type WifiInterface, type WifiPort,
} from "./port";

/** A network found by scan(), MicroPython's tuple: (ssid, bssid, channel, RSSI, security, hidden). */
export type ScanResult = [ssid: string, bssid: Uint8Array, channel: number, rssi: number, security: number, hidden: boolean];

/** What config() reads and sets. */
export interface WlanConfig {
  ssid?: string;
  /** MicroPython's name for ssid. */
  essid?: string;
  key?: string;
  /** MicroPython's other name for key. */
  password?: string;
  channel?: number;
  hostname?: string;
}

const STATUS_NAMES: readonly string[] = Object.freeze(["STAT_IDLE", "STAT_CONNECTING", "STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND", "STAT_CONNECT_FAIL", "STAT_GOT_IP"]);

/** The name of a STAT_* value ("STAT_GOT_IP"), or the number as text. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? String(status);
}

function failure(status: number): boolean {
  return status === STAT_WRONG_PASSWORD || status === STAT_NO_AP_FOUND || status === STAT_CONNECT_FAIL;
}

const FAILURES: Readonly<Record<number, string>> = Object.freeze({
  [STAT_WRONG_PASSWORD]: "the network refused the key (wrong password)",
  [STAT_NO_AP_FOUND]: "no network with that SSID is in range",
  [STAT_CONNECT_FAIL]: "the connection failed (refused, wrong password or out of range)",
});

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** "aa:bb:cc:dd:ee:ff" → 6 bytes (zeros when it isn't one). */
export function macBytes(text: string | undefined): Uint8Array {
  const bytes = new Uint8Array(6);
  if (typeof text !== "string") return bytes;
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return bytes;
  for (let i = 0; i < 6; i++) {
    const v = parseInt(parts[i], 16);
    bytes[i] = Number.isNaN(v) ? 0 : v;
  }
  return bytes;
}

function checkSsid(fn: string, ssid: unknown): string {
  if (typeof ssid !== "string") throw new TypeError(`${fn}: expected the SSID as a string, got ${describe(ssid)}`);
  const n = utf8Encode(ssid).length;
  if (n < 1 || n > 32) throw new RangeError(`${fn}: an SSID has 1 to 32 bytes, got ${n}`);
  return ssid;
}

function checkKey(fn: string, key: unknown): string {
  if (typeof key !== "string") throw new TypeError(`${fn}: expected the key as a string, got ${describe(key)}`);
  if (key.length > 64) throw new RangeError(`${fn}: a Wi-Fi key has at most 64 characters, got ${key.length}`);
  return key;
}

/** Everything a call may leave behind as an error: OSError and the library's own errors pass, anything else becomes an OSError. */
function asOSError(fn: string, e: unknown): Error {
  if (isInstance(e, OSError) || isInstance(e, RuntimeError) || isInstance(e, TypeError) || isInstance(e, RangeError)) return e as Error;
  return new OSError(`${fn}: ${thrownMessage(e, describe)}`, "EIO");
}

interface ScanJob {
  results: ScanRecord[];
  done: boolean;
  error: Error | undefined;
  flags: Set<ThreadSafeFlag>;
}

/**
 * One interface of one port, shared by every WLAN(id) made while that port
 * is installed (MicroPython's WLAN objects are singletons). Run-time state
 * only: made on first use, never during a preload.
 */
class Iface {
  readonly driver: WifiInterface;
  /** One flag per connected() waiting; driver callbacks set them all. */
  readonly waiters = new Set<ThreadSafeFlag>();
  scanJob: ScanJob | null = null;
  wlan: WLAN | null = null;

  constructor(readonly port: WifiPort, readonly id: number) {
    this.driver = port.open(id, () => this.changed());
  }

  /** From the driver, maybe inside a host callback: wakes every waiter. Never throws. */
  changed(): void {
    try {
      for (const f of this.waiters) f.set();
    } catch {
      // ThreadSafeFlag.set only schedules; nothing here may escape into a host callback
    }
  }
}

interface Registry {
  port: WifiPort | null;
  ifaces: (Iface | undefined)[];
}

const REGISTRY = Symbol.for("moddable-asyncio.wlan");

/** The interface `id` of the installed port (made on first use; a new port gets new interfaces). */
function ifaceFor(id: number): Iface {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  const port = getWifiPort();
  let r = g[REGISTRY];
  if (!r || r.port !== port) r = g[REGISTRY] = { port, ifaces: [] };
  return (r.ifaces[id] ??= new Iface(port, id));
}

/**
 * MicroPython's network.WLAN: `new WLAN(STA_IF)` (a station, the default) or
 * `new WLAN(AP_IF)` (an access point). As in MicroPython, WLAN(id) returns
 * the same object each time for the installed port.
 *
 *     const wlan = new WLAN(STA_IF);
 *     wlan.active(true);
 *     wlan.connect("my-ssid", "my-key");
 *     await wlan.connected(30);          // TimeoutError, or OSError for a refused key
 *     print(wlan.ifconfig()[0]);
 */
export class WLAN {
  // Assigned once in the constructor (which may return the existing WLAN instead).
  declare readonly id: number;
  declare private readonly iface: Iface;

  constructor(id: number = STA_IF) {
    if (typeof id !== "number") throw new TypeError(`WLAN(): expected STA_IF or AP_IF, got ${describe(id)}`);
    if (id !== STA_IF && id !== AP_IF) throw new RangeError(`WLAN(${id}): expected STA_IF (${STA_IF}) or AP_IF (${AP_IF})`);
    const iface = ifaceFor(id);
    if (iface.wlan) return iface.wlan;
    this.id = id;
    this.iface = iface;
    iface.wlan = this;
  }

  toString(): string {
    return `WLAN(${this.id === STA_IF ? "STA_IF" : "AP_IF"})`;
  }

  /** The interface is up. `active(true)` / `active(false)` powers it up or down (down also disconnects); returns the new state. */
  active(on?: boolean | 0 | 1): boolean {
    const d = this.iface.driver;
    if (on === undefined) return d.active();
    if (typeof on !== "boolean" && on !== 0 && on !== 1) throw new TypeError(`${this}.active(): expected true or false, got ${describe(on)}`);
    try {
      d.setActive(!!on);
    } catch (e) {
      throw asOSError(`${this}.active(${!!on})`, e);
    } finally {
      this.iface.changed();
    }
    return d.active();
  }

  /**
   * Starts connecting the station to `ssid` with `key` (none: an open
   * network); returns at once: await connected() for the outcome. Without
   * an SSID: the host's configured network (on Moddable the build's
   * `ssid=`/`password=`). An inactive interface is made active first.
   */
  connect(ssid?: string | null, key?: string | null): void {
    const fn = `${this}.connect()`;
    if (this.id !== STA_IF) throw new RuntimeError(`${fn}: an access point does not connect; set it up with config({ ssid, key }) and active(true)`);
    const s = ssid === undefined || ssid === null ? null : checkSsid(fn, ssid);
    const k = key === undefined || key === null ? null : checkKey(fn, key);
    const d = this.iface.driver;
    try {
      if (!d.active()) d.setActive(true);
      d.connect(s, k);
    } catch (e) {
      throw asOSError(fn, e);
    } finally {
      this.iface.changed();
    }
  }

  /** Leaves the network (station); an inactive interface is left as it is. */
  disconnect(): void {
    const d = this.iface.driver;
    if (!d.active()) return;
    try {
      d.disconnect();
    } catch (e) {
      throw asOSError(`${this}.disconnect()`, e);
    } finally {
      this.iface.changed();
    }
  }

  /** Station: it has an IP address. Access point: a station has joined. */
  isconnected(): boolean {
    const d = this.iface.driver;
    if (!d.active()) return false;
    return this.id === STA_IF ? d.status() === STAT_GOT_IP : d.stations().length > 0;
  }

  /**
   * `status()`: one of STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD,
   * STAT_NO_AP_FOUND, STAT_CONNECT_FAIL, STAT_GOT_IP.
   * `status("rssi")`: the station's signal strength (dBm).
   * `status("stations")`: the stations joined to the access point, as [mac] tuples.
   */
  status(): number;
  status(param: "rssi"): number;
  status(param: "stations"): [Uint8Array][];
  status(param?: string): number | [Uint8Array][] {
    const d = this.iface.driver;
    if (param === undefined) return d.active() ? d.status() : STAT_IDLE;
    const fn = `${this}.status(${JSON.stringify(param)})`;
    if (typeof param !== "string") throw new TypeError(`${this}.status(): expected "rssi" or "stations", got ${describe(param)}`);
    if (param === "rssi") {
      const r = d.active() && this.id === STA_IF ? d.rssi() : undefined;
      if (r === undefined) throw new RuntimeError(`${fn}: the station is not connected`);
      return r;
    }
    if (param === "stations") {
      if (this.id !== AP_IF) throw new RuntimeError(`${fn}: only an access point has stations`);
      return d.active() ? d.stations().map((m) => [macBytes(m)] as [Uint8Array]) : [];
    }
    throw new RangeError(`${fn}: unknown parameter (expected "rssi" or "stations")`);
  }

  /**
   * `ifconfig()`: [ip, subnet mask, gateway, DNS]. `ifconfig([ip, mask,
   * gateway, dns])` sets static addresses, `ifconfig("dhcp")` goes back to
   * DHCP (where the port can).
   */
  ifconfig(): IfConfig;
  ifconfig(config: IfConfig | readonly string[] | "dhcp"): void;
  ifconfig(config?: IfConfig | readonly string[] | "dhcp"): IfConfig | void {
    const d = this.iface.driver;
    if (config === undefined) return d.active() ? d.ifconfig() : ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"];
    const fn = `${this}.ifconfig()`;
    let value: IfConfig | "dhcp";
    if (config === "dhcp") value = "dhcp";
    else {
      const list: unknown = config;
      if (!Array.isArray(list)) throw new TypeError(`${fn}: expected [ip, mask, gateway, dns] or "dhcp", got ${describe(config)}`);
      if (list.length !== 4) throw new RangeError(`${fn}: expected 4 addresses (ip, mask, gateway, dns), got ${list.length}`);
      for (const a of list) {
        if (typeof a !== "string") throw new TypeError(`${fn}: expected dotted IPv4 addresses, got ${describe(a)}`);
        if (!IPV4.test(a)) throw new RangeError(`${fn}: ${JSON.stringify(a)} is not a dotted IPv4 address`);
      }
      value = [list[0], list[1], list[2], list[3]];
    }
    if (!d.setIfconfig) throw new RuntimeError(`${fn}: ${this.iface.port.name} can't set addresses`);
    try {
      d.setIfconfig(value);
    } catch (e) {
      throw asOSError(fn, e);
    } finally {
      this.iface.changed();
    }
  }

  /**
   * `config("ssid" | "essid" | "mac" | "channel" | "hostname")` reads a value
   * (mac as 6 bytes); `config({ ssid, key, channel, hostname })` sets values
   * (an access point's name, key and channel; a hostname).
   */
  config(name: "ssid" | "essid" | "hostname"): string;
  config(name: "mac"): Uint8Array;
  config(name: "channel"): number;
  config(values: WlanConfig): void;
  config(arg: string | WlanConfig): string | number | Uint8Array | void {
    const d = this.iface.driver;
    if (typeof arg === "string") {
      const fn = `${this}.config(${JSON.stringify(arg)})`;
      switch (arg) {
        case "ssid":
        case "essid":
          return String(d.config("ssid") ?? "");
        case "hostname":
          return String(d.config("hostname") ?? "");
        case "mac":
          return macBytes(d.config("mac") as string | undefined);
        case "channel": {
          const c = d.config("channel");
          return typeof c === "number" ? c : 0;
        }
        case "key":
        case "password":
          throw new RangeError(`${fn}: a key can be set, not read`);
        default:
          throw new RangeError(`${fn}: unknown parameter (expected "ssid", "mac", "channel" or "hostname")`);
      }
    }
    const fn = `${this}.config()`;
    if (arg === null || typeof arg !== "object" || Array.isArray(arg)) throw new TypeError(`${fn}: expected a parameter name or an object of values, got ${describe(arg)}`);
    const values: { ssid?: string; key?: string; channel?: number; hostname?: string } = {};
    for (const k of Object.keys(arg)) {
      const v = (arg as Record<string, unknown>)[k];
      if (v === undefined) continue;
      switch (k) {
        case "ssid":
        case "essid":
          values.ssid = checkSsid(fn, v);
          break;
        case "key":
        case "password":
          values.key = checkKey(fn, v);
          if (values.key.length > 0 && values.key.length < 8) throw new RangeError(`${fn}: a WPA key has 8 to 64 characters, got ${values.key.length}`);
          break;
        case "channel":
          if (typeof v !== "number") throw new TypeError(`${fn}: expected the channel as a number, got ${describe(v)}`);
          if (!Number.isInteger(v) || v < 1 || v > 13) throw new RangeError(`${fn}: a channel is 1 to 13, got ${v}`);
          values.channel = v;
          break;
        case "hostname":
          if (typeof v !== "string") throw new TypeError(`${fn}: expected the hostname as a string, got ${describe(v)}`);
          if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(v)) throw new RangeError(`${fn}: ${JSON.stringify(v)} is not a hostname (letters, digits, '-', at most 32)`);
          values.hostname = v;
          break;
        default:
          throw new RangeError(`${fn}: unknown parameter ${JSON.stringify(k)} (expected ssid, key, channel or hostname)`);
      }
    }
    try {
      d.setConfig(values);
    } catch (e) {
      throw asOSError(fn, e);
    } finally {
      this.iface.changed();
    }
  }

  /**
   * The networks in range, MicroPython's tuples (ssid, bssid as 6 bytes,
   * channel, RSSI, security: a SEC_* value, hidden). The interface must be
   * active. Two scans at once share one driver scan. A cancelled scan loses
   * nothing but its results (the driver's scan runs to its end).
   */
  async scan(): Promise<ScanResult[]> {
    const fn = `${this}.scan()`;
    const iface = this.iface;
    const d = iface.driver;
    if (!d.active()) throw new RuntimeError(`${fn}: the interface is not active (call active(true) first)`);
    if (!d.scan) throw new RuntimeError(`${fn}: ${iface.port.name} can't scan`);
    let job = iface.scanJob;
    if (!job) {
      const mine: ScanJob = (job = { results: [], done: false, error: undefined, flags: new Set() });
      iface.scanJob = mine;
      const finish = (error?: Error): void => {
        try {
          if (mine.done) return;
          mine.done = true;
          mine.error = error === undefined ? undefined : asOSError(fn, error);
          if (iface.scanJob === mine) iface.scanJob = null;
          for (const f of mine.flags) f.set();
        } catch {
          // called from the driver's host callback: nothing may escape
        }
      };
      try {
        d.scan(
          (r) => {
            try {
              if (!mine.done) mine.results.push(r);
            } catch {
              // as above
            }
          },
          finish,
        );
      } catch (e) {
        if (iface.scanJob === mine) iface.scanJob = null;
        mine.done = true;
        throw asOSError(fn, e);
      }
    }
    const flag = new ThreadSafeFlag();
    job.flags.add(flag);
    try {
      while (!job.done) await flag.wait();
    } finally {
      job.flags.delete(flag);
    }
    if (job.error) throw job.error;
    return job.results.map((r): ScanResult => [r.ssid, macBytes(r.bssid), r.channel, r.rssi, r.security, !!r.hidden]);
  }

  /**
   * Waits until isconnected() (a station with an IP address; an access point
   * with a station joined). timeoutS: seconds, or null (the default) for no
   * limit. Raises TimeoutError when the time is up, OSError (`code` the
   * status' name: "STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND",
   * "STAT_CONNECT_FAIL") when the connection attempt failed (also when it
   * had failed before the call), RuntimeError when the interface is or
   * becomes inactive. Woken by the driver's callbacks (no polling); any
   * number of tasks may wait.
   */
  async connected(timeoutS: number | null = null): Promise<void> {
    const fn = `${this}.connected()`;
    const limit = timeoutS === null || timeoutS === undefined ? null : checkDuration(fn, timeoutS, "seconds");
    if (limit === null) return this.waitConnected(fn);
    try {
      await timeout(limit, () => this.waitConnected(fn));
    } catch (e) {
      if (isInstance(e, TimeoutError)) {
        const d = this.iface.driver;
        const state = this.id === STA_IF ? statusName(d.active() ? d.status() : STAT_IDLE) : "no station joined";
        throw new TimeoutError(`${fn}: not connected after ${limit} s (${state})`);
      }
      throw e;
    }
  }

  private async waitConnected(fn: string): Promise<void> {
    const iface = this.iface;
    const d = iface.driver;
    const flag = new ThreadSafeFlag();
    iface.waiters.add(flag);
    try {
      for (;;) {
        if (!d.active()) throw new RuntimeError(`${fn}: the interface is not active (call active(true)${this.id === STA_IF ? " and connect()" : ""})`);
        if (this.isconnected()) return;
        if (this.id === STA_IF) {
          const s = d.status();
          if (failure(s)) throw new OSError(`${fn}: ${FAILURES[s]}`, statusName(s));
        }
        await flag.wait();
      }
    } finally {
      iface.waiters.delete(flag);
    }
  }
}

export { STAT_CONNECTING, STAT_IDLE };
