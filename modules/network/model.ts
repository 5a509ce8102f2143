import { RuntimeError } from "../asyncio/errors";
import { LoopTimer } from "../asyncio/timer";
import {
  AP_IF, SEC_OPEN, SEC_WPA2, STA_IF, STAT_CONNECTING, STAT_GOT_IP, STAT_IDLE, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD,
  type IfConfig, type ScanRecord, type WifiInterface, type WifiPort,
} from "./port";

/** A network the model has in range. */
export interface ModelNetwork {
  ssid: string;
  /** undefined: any key is accepted; "": an open network. */
  key?: string;
  bssid?: string;
  channel?: number;
  rssi?: number;
  /** SEC_*; default SEC_WPA2, or SEC_OPEN for key "". */
  security?: number;
  hidden?: boolean;
}

export interface ModelOptions {
  /** The station is active and connected at the start, as a desktop with a network is (default true). */
  connected?: boolean;
  /** The network it is connected to at the start, and connect()'s default (default "simulated"). */
  ssid?: string;
  /**
   * Networks in range. Undefined (the default): every SSID exists and takes
   * any key, and a scan finds the one network `ssid`.
   */
  networks?: ModelNetwork[];
  /** Milliseconds (loop time) from connect() to its outcome; default 100. */
  connectMs?: number;
  /** Milliseconds a scan takes; default 100. */
  scanMs?: number;
  /** The station's addresses when connected; default 127.0.0.1 (the desktop's loopback, where its servers answer). */
  ifconfig?: IfConfig;
  /** The access point's addresses; default 192.168.4.1/24 (ESP-IDF's). */
  apIfconfig?: IfConfig;
  mac?: string;
  apMac?: string;
}

const NONE: IfConfig = ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"];

/**
 * The station of the model: connect() succeeds (after connectMs of loop
 * time) unless the network is missing, the key is wrong, or a failure was
 * scripted. Everything that changes calls onChange, as a driver's callback.
 */
export class ModelStation implements WifiInterface {
  private on: boolean;
  private state: number;
  private ssid: string;
  private hostname = "moddable";
  private addresses: IfConfig;
  private readonly timer: LoopTimer;
  private readonly scanTimer: LoopTimer;
  private pending: { ssid: string; key: string | null } | null = null;
  private scanning: { onFound: (r: ScanRecord) => void; onDone: (e?: Error) => void } | null = null;
  /** Scripted outcomes of the next connects (a STAT_* failure, "hang", or STAT_GOT_IP). */
  readonly script: (number | "hang")[] = [];
  /** Keys the connects were given, newest last (tests look). */
  readonly attempts: { ssid: string; key: string | null }[] = [];

  constructor(private readonly port: ModelWifiPort, private readonly onChange: () => void) {
    const o = port.options;
    this.on = o.connected !== false;
    this.state = this.on ? STAT_GOT_IP : STAT_IDLE;
    this.ssid = o.ssid ?? "simulated";
    this.addresses = o.ifconfig ?? ["127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1"];
    this.timer = new LoopTimer(() => this.settle());
    this.scanTimer = new LoopTimer(() => this.scanDone());
  }

  active(): boolean {
    return this.on;
  }
  setActive(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    if (!on) this.drop(STAT_IDLE, false);
  }
  connect(ssid: string | null, key: string | null): void {
    if (!this.on) throw new RuntimeError("model station: not active");
    this.timer.stop();
    const target = { ssid: ssid ?? this.ssid, key };
    this.attempts.push(target);
    this.pending = target;
    this.state = STAT_CONNECTING;
    const next = this.script.length ? this.script[0] : undefined;
    if (next === "hang") {
      this.script.shift();
      return;
    }
    this.timer.start(this.port.options.connectMs ?? 100);
  }
  disconnect(): void {
    this.drop(STAT_IDLE, false);
  }
  status(): number {
    return this.state;
  }
  rssi(): number | undefined {
    if (this.state !== STAT_GOT_IP) return undefined;
    return this.port.find(this.ssid)?.rssi ?? -50;
  }
  stations(): string[] {
    return [];
  }
  ifconfig(): IfConfig {
    return this.state === STAT_GOT_IP ? (this.addresses.slice() as IfConfig) : (NONE.slice() as IfConfig);
  }
  setIfconfig(config: IfConfig | "dhcp"): void {
    this.addresses = config === "dhcp" ? (this.port.options.ifconfig ?? ["127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1"]) : config;
  }
  scan(onFound: (r: ScanRecord) => void, onDone: (e?: Error) => void): void {
    if (this.scanning) throw new RuntimeError("model station: already scanning");
    this.scanning = { onFound, onDone };
    this.scanTimer.start(this.port.options.scanMs ?? 100);
  }
  config(name: string): string | number | undefined {
    switch (name) {
      case "ssid":
        return this.state === STAT_GOT_IP ? this.ssid : "";
      case "mac":
        return this.port.options.mac ?? "02:00:00:00:00:01";
      case "channel":
        return this.port.find(this.ssid)?.channel ?? 6;
      case "hostname":
        return this.hostname;
    }
    return undefined;
  }
  setConfig(values: { ssid?: string; key?: string; channel?: number; hostname?: string }): void {
    if (values.hostname !== undefined) this.hostname = values.hostname;
    if (values.ssid !== undefined) this.ssid = values.ssid;
  }

  /** Scripting: the driver reports `status` (a connect that completes or fails, a link that drops), as from its host callback. */
  report(status: number): void {
    this.drop(status, true);
  }

  private drop(status: number, notify: boolean): void {
    this.timer.stop();
    this.pending = null;
    this.state = status;
    if (notify) this.onChange();
  }

  private settle(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    let outcome = this.script.length ? (this.script.shift() as number) : STAT_GOT_IP;
    if (outcome === STAT_GOT_IP) {
      const n = this.port.find(p.ssid);
      if (this.port.options.networks && !n) outcome = STAT_NO_AP_FOUND;
      else if (n && n.key !== undefined && n.key !== (p.key ?? "")) outcome = STAT_WRONG_PASSWORD;
    }
    if (outcome === STAT_GOT_IP) this.ssid = p.ssid;
    this.state = outcome;
    this.onChange();
  }

  private scanDone(): void {
    const s = this.scanning;
    this.scanning = null;
    if (!s) return;
    if (!this.on) {
      s.onDone(new RuntimeError("model station: made inactive while scanning"));
      return;
    }
    for (const n of this.port.inRange()) {
      s.onFound({
        ssid: n.ssid,
        bssid: n.bssid ?? "02:00:00:00:00:aa",
        channel: n.channel ?? 6,
        rssi: n.rssi ?? -50,
        security: n.security ?? (n.key === "" ? SEC_OPEN : SEC_WPA2),
        hidden: !!n.hidden,
      });
    }
    s.onDone();
  }
}

/** The access point of the model: up when active; stations join and leave when scripted. */
export class ModelAccessPoint implements WifiInterface {
  private on = false;
  private ssid = "moddable-ap";
  private channel = 6;
  private hostname = "moddable";
  private addresses: IfConfig;
  private readonly joined: string[] = [];

  constructor(private readonly port: ModelWifiPort, private readonly onChange: () => void) {
    this.addresses = port.options.apIfconfig ?? ["192.168.4.1", "255.255.255.0", "192.168.4.1", "192.168.4.1"];
  }

  active(): boolean {
    return this.on;
  }
  setActive(on: boolean): void {
    this.on = on;
    if (!on) this.joined.length = 0;
  }
  connect(): void {
    throw new RuntimeError("model access point: does not connect");
  }
  disconnect(): void {
    this.joined.length = 0;
  }
  status(): number {
    return STAT_IDLE;
  }
  rssi(): number | undefined {
    return undefined;
  }
  stations(): string[] {
    return this.joined.slice();
  }
  ifconfig(): IfConfig {
    return this.on ? (this.addresses.slice() as IfConfig) : (NONE.slice() as IfConfig);
  }
  setIfconfig(config: IfConfig | "dhcp"): void {
    if (config !== "dhcp") this.addresses = config;
  }
  config(name: string): string | number | undefined {
    switch (name) {
      case "ssid":
        return this.ssid;
      case "mac":
        return this.port.options.apMac ?? "02:00:00:00:00:02";
      case "channel":
        return this.channel;
      case "hostname":
        return this.hostname;
    }
    return undefined;
  }
  setConfig(values: { ssid?: string; key?: string; channel?: number; hostname?: string }): void {
    if (values.ssid !== undefined) this.ssid = values.ssid;
    if (values.channel !== undefined) this.channel = values.channel;
    if (values.hostname !== undefined) this.hostname = values.hostname;
  }

  /** Scripting: a station joins (mac "aa:bb:…"). Safe from host callbacks. */
  join(mac: string): void {
    if (!this.on || this.joined.includes(mac)) return;
    this.joined.push(mac);
    this.onChange();
  }
  /** Scripting: a station leaves. */
  leave(mac: string): void {
    const i = this.joined.indexOf(mac);
    if (i < 0) return;
    this.joined.splice(i, 1);
    this.onChange();
  }
}

/**
 * Wi-Fi on a host without a radio (Node, the Moddable desktop simulator): a
 * station that is connected from the start (its address is the desktop's
 * loopback, where its servers answer) and an access point, both scriptable
 * for tests. Its timers are the loop's (virtual time works).
 */
export class ModelWifiPort implements WifiPort {
  readonly name = "the Wi-Fi model";
  station: ModelStation | null = null;
  accessPoint: ModelAccessPoint | null = null;

  constructor(readonly options: ModelOptions = {}) {}

  open(id: number, onChange: () => void): WifiInterface {
    if (id === STA_IF) return (this.station = new ModelStation(this, onChange));
    if (id === AP_IF) return (this.accessPoint = new ModelAccessPoint(this, onChange));
    throw new RangeError(`model: no interface ${id}`);
  }

  /** @internal the network called ssid (with options.networks undefined: one that takes any key). */
  find(ssid: string): ModelNetwork | undefined {
    const list = this.options.networks;
    if (!list) return { ssid };
    return list.find((n) => n.ssid === ssid);
  }
  /** @internal what a scan finds. */
  inRange(): ModelNetwork[] {
    return this.options.networks ?? [{ ssid: this.options.ssid ?? "simulated" }];
  }
}
