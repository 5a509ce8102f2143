// "network/port-ecma419": network.WLAN's port on ESP32 and ESP8266, over the
// SDK's ECMA-419 Wi-Fi (embedded:network/interface/wifi, modules/io/wifi),
// the driver Moddable's own Wi-Fi set-up (setup/network: the build's
// ssid=/password=) uses; several instances share the radio, so an app's
// WLAN and the set-up coexist. The SDK's older `wifi` module would start the
// radio a second time after the set-up did (an abort on ESP32), so it is
// not used. Nothing native runs until WLAN.active(true) / connect(): the
// module may be preloaded.
//
// What ECMA-419 tells: connection 200 (disconnected), 300 (connecting), 400
// (associated), 500 (address). A refused key and a missing network both end
// as 300 → 200: status() then says STAT_CONNECT_FAIL (MicroPython's finer
// STAT_WRONG_PASSWORD / STAT_NO_AP_FOUND are not told apart). A failed
// attempt is retried twice before that, as MicroPython's ESP32 port retries.
// connect() without arguments joins the network the firmware was built for:
// `ssid=… password=…` on the mcconfig line (Moddable's set-up joins it before
// main runs, and main does not start until it has), or `wlan_ssid=…
// wlan_password=…` (only WLAN joins it: the app runs meanwhile and
// connected() reports a failure as an OSError).
// There is no access point in ECMA-419: WLAN(AP_IF).active(true) raises
// RuntimeError. Netmask and gateway are not reported (ifconfig gives
// 0.0.0.0 for them unless they were set with ifconfig([...])).
//
// The driver's onChanged runs from the SDK's host callback, where an
// exception that escapes aborts the VM: it catches everything.
import WiFi from "embedded:network/interface/wifi";
import Net from "net";
import config from "mc/config";
import { RuntimeError } from "asyncio/errors";
import {
  SEC_OPEN, SEC_WEP, SEC_WPA, SEC_WPA2, SEC_WPA_WPA2, SEC_WPA2_ENT, SEC_WPA3, SEC_WPA2_WPA3,
  STA_IF, STAT_CONNECT_FAIL, STAT_CONNECTING, STAT_GOT_IP, STAT_IDLE,
  type IfConfig, type ScanRecord, type WifiInterface, type WifiPort,
} from "network/port";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const RETRIES = 2;

const SECURITY: Readonly<Record<string, number>> = Object.freeze({
  none: SEC_OPEN, wep: SEC_WEP, wpa_psk: SEC_WPA, wpa2_psk: SEC_WPA2, wpa_wpa2_psk: SEC_WPA_WPA2,
  wpa2_enterprise: SEC_WPA2_ENT, wpa3_psk: SEC_WPA3, wpa2_wpa3_psk: SEC_WPA2_WPA3,
});

class Ecma419Station implements WifiInterface {
  private wifi: WiFi | null = null;
  private on = false;
  /** Our own connect's progress: its credentials while it runs, and retries left. */
  private attempt: { ssid: string; key: string | null; retries: number } | null = null;
  private failed = false;
  private hostname: string | undefined;
  private ssid: string | undefined;
  private key: string | undefined;
  private statics: IfConfig | null = null;

  constructor(private readonly onChange: () => void) {}

  private open(): WiFi {
    if (this.wifi) return this.wifi;
    const self = this;
    this.wifi = new WiFi({
      onChanged() {
        try {
          self.changed();
        } catch {
          // nothing may escape into the driver's callback
        }
      },
    });
    return this.wifi;
  }
  private connection(): number {
    const c = this.wifi?.connection;
    return typeof c === "number" ? c : 200;
  }
  private address(): string | undefined {
    const a = this.wifi?.address;
    return typeof a === "string" && IPV4.test(a) ? a : undefined;
  }

  /** From the driver's callback. */
  private changed(): void {
    const a = this.attempt;
    if (a) {
      const c = this.connection();
      if (c >= 500 || (c >= 400 && this.address())) this.attempt = null;
      else if (c <= 200) {
        if (a.retries > 0) {
          a.retries--;
          try {
            this.wifi?.connect(a.key ? { SSID: a.ssid, password: a.key } : { SSID: a.ssid });
            return;
          } catch {
            // fall through: the attempt failed
          }
        }
        this.attempt = null;
        this.failed = true;
      }
    }
    this.onChange();
  }

  active(): boolean {
    return this.on;
  }
  setActive(on: boolean): void {
    if (on) {
      this.open();
      this.on = true;
      return;
    }
    this.on = false;
    this.attempt = null;
    this.failed = false;
    const w = this.wifi;
    this.wifi = null;
    if (w) {
      try {
        w.disconnect();
      } finally {
        w.close();
      }
    }
  }
  connect(ssid: string | null, key: string | null): void {
    const w = this.open();
    this.on = true;
    let s = ssid;
    let k = key;
    if (s === null) {
      // The network given to config({ ssid, key }); else the build's ssid=/password= (which
      // Moddable's set-up joins before main runs), or wlan_ssid=/wlan_password= (which only
      // this joins, so the app runs meanwhile); else the network it is on.
      const c = config as Record<string, unknown>;
      const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
      const current = this.status() === STAT_GOT_IP ? w.SSID : undefined;
      s = this.ssid ?? text(c.ssid) ?? text(c.wlan_ssid) ?? current ?? null;
      if (k === null) k = this.key ?? (s === text(c.ssid) ? text(c.password) : s === text(c.wlan_ssid) ? text(c.wlan_password) : null);
      if (s === null) throw new RuntimeError("WLAN(STA_IF).connect(): no SSID given and none configured (build with ssid=<name> password=<key>, or wlan_ssid=<name> wlan_password=<key>, on the mcconfig line, or pass them)");
    }
    // Already there: nothing to do (a reconnect would drop the sockets).
    if (this.status() === STAT_GOT_IP && w.SSID === s) return;
    if (this.connection() > 200) w.disconnect();
    this.failed = false;
    this.attempt = { ssid: s, key: k, retries: RETRIES };
    try {
      w.connect(k ? { SSID: s, password: k } : { SSID: s });
    } catch (e) {
      this.attempt = null;
      throw e;
    }
  }
  disconnect(): void {
    this.attempt = null;
    this.failed = false;
    this.wifi?.disconnect();
  }
  status(): number {
    if (!this.on || !this.wifi) return STAT_IDLE;
    const c = this.connection();
    if (c >= 500) return STAT_GOT_IP;
    if (c >= 400) return this.address() ? STAT_GOT_IP : STAT_CONNECTING;
    if (c >= 300 || this.attempt) return STAT_CONNECTING;
    return this.failed ? STAT_CONNECT_FAIL : STAT_IDLE;
  }
  rssi(): number | undefined {
    if (this.status() !== STAT_GOT_IP) return undefined;
    const r = this.wifi?.RSSI;
    return typeof r === "number" ? r : undefined;
  }
  stations(): string[] {
    return [];
  }
  ifconfig(): IfConfig {
    const ip = this.status() === STAT_GOT_IP ? this.address() : undefined;
    if (!ip) return ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"];
    let dns = "0.0.0.0";
    try {
      const list = (Net as unknown as { get(what: "DNS"): string[] | undefined }).get("DNS");
      if (list && typeof list[0] === "string") dns = list[0];
    } catch {
      // no resolver configured
    }
    const s = this.statics;
    return [ip, s ? s[1] : "0.0.0.0", s ? s[2] : "0.0.0.0", s ? s[3] : dns];
  }
  setIfconfig(value: IfConfig | "dhcp"): void {
    const w = this.open();
    if (value === "dhcp") {
      w.configure({ static: false });
      this.statics = null;
    } else {
      w.configure({ static: { address: value[0], mask: value[1], gateway: value[2] } });
      this.statics = value;
    }
  }
  scan(onFound: (r: ScanRecord) => void, onDone: (e?: Error) => void): void {
    const w = this.open();
    w.scan({
      onFound(ap: { SSID?: unknown; BSSID?: unknown; channel?: unknown; RSSI?: unknown; security?: unknown }) {
        try {
          onFound({
            ssid: typeof ap.SSID === "string" ? ap.SSID : "",
            bssid: typeof ap.BSSID === "string" ? ap.BSSID : undefined,
            channel: typeof ap.channel === "number" ? ap.channel : 0,
            rssi: typeof ap.RSSI === "number" ? ap.RSSI : 0,
            security: typeof ap.security === "string" ? SECURITY[ap.security] ?? SEC_WPA2 : SEC_WPA2,
            hidden: typeof ap.SSID === "string" ? ap.SSID === "" : false,
          });
        } catch {
          // nothing may escape into the driver's callback
        }
      },
      onComplete() {
        try {
          onDone();
        } catch {
          // as above
        }
      },
    } as Parameters<WiFi["scan"]>[0]);
  }
  config(name: string): string | number | undefined {
    const w = this.wifi;
    switch (name) {
      case "ssid":
        return w?.SSID ?? this.ssid;
      case "mac":
        return w?.MAC;
      case "channel": {
        const c = (w as unknown as { channel?: unknown } | null)?.channel;
        return typeof c === "number" ? c : undefined;
      }
      case "hostname":
        return this.hostname;
    }
    return undefined;
  }
  setConfig(values: { ssid?: string; key?: string; channel?: number; hostname?: string }): void {
    if (values.hostname !== undefined) {
      this.open().configure({ hostname: values.hostname });
      this.hostname = values.hostname;
    }
    // An SSID and key given here are what connect() without arguments uses.
    if (values.ssid !== undefined) this.ssid = values.ssid;
    if (values.key !== undefined) this.key = values.key;
  }
}

/** ECMA-419 Wi-Fi has station mode only. */
class NoAccessPoint implements WifiInterface {
  active(): boolean {
    return false;
  }
  setActive(on: boolean): void {
    if (on) throw new RuntimeError("WLAN(AP_IF).active(true): no access point on this port (the Moddable SDK's ECMA-419 Wi-Fi has station mode only)");
  }
  connect(): void {
    throw new RuntimeError("WLAN(AP_IF): no access point on this port");
  }
  disconnect(): void {}
  status(): number {
    return STAT_IDLE;
  }
  rssi(): undefined {
    return undefined;
  }
  stations(): string[] {
    return [];
  }
  ifconfig(): IfConfig {
    return ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"];
  }
  config(): undefined {
    return undefined;
  }
  setConfig(): void {
    throw new RuntimeError("WLAN(AP_IF).config(): no access point on this port");
  }
}

export class Ecma419WifiPort implements WifiPort {
  readonly name = "ECMA-419 embedded:network/interface/wifi";
  open(id: number, onChange: () => void): WifiInterface {
    return id === STA_IF ? new Ecma419Station(onChange) : new NoAccessPoint();
  }
}
