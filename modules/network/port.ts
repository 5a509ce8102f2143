import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small Wi-Fi port WLAN sits on. One adapter per host: the SDK's
 * ECMA-419 `embedded:network/interface/wifi` on ESP32/ESP8266
 * (hosts/moddable/wifi.ts), a model on the desktop simulator and Node
 * (modules/network/model.ts). Installed with setWifiPort() /
 * setDefaultWifiPort(), like the digital and network ports.
 */

/** MicroPython's interface ids: network.STA_IF, network.AP_IF. */
export const STA_IF = 0;
export const AP_IF = 1;

/** MicroPython's connection states (ESP8266 values), what WLAN.status() returns. */
export const STAT_IDLE = 0;
export const STAT_CONNECTING = 1;
export const STAT_WRONG_PASSWORD = 2;
export const STAT_NO_AP_FOUND = 3;
export const STAT_CONNECT_FAIL = 4;
export const STAT_GOT_IP = 5;

/** Security of a scanned network (MicroPython's SEC_* / ESP-IDF's auth modes). */
export const SEC_OPEN = 0;
export const SEC_WEP = 1;
export const SEC_WPA = 2;
export const SEC_WPA2 = 3;
export const SEC_WPA_WPA2 = 4;
export const SEC_WPA2_ENT = 5;
export const SEC_WPA3 = 6;
export const SEC_WPA2_WPA3 = 7;

/** One network found by a scan, in the driver's terms (WLAN turns it into MicroPython's tuple). */
export interface ScanRecord {
  ssid: string;
  /** "aa:bb:cc:dd:ee:ff", when known. */
  bssid?: string;
  channel: number;
  rssi: number;
  /** One of SEC_*. */
  security: number;
  hidden?: boolean;
}

/** [ip, subnet mask, gateway, DNS server], dotted IPv4. */
export type IfConfig = [string, string, string, string];

/**
 * One interface (station or access point) of a Wi-Fi driver. Every method is
 * called from a task; `onChange` (given to WifiPort.open) may be called from
 * the driver's host callbacks, after any change of status, address or
 * stations, and must not throw. Methods throw RuntimeError for what the
 * host can't do (an access point on a station-only driver), OSError for
 * what failed in the driver.
 */
export interface WifiInterface {
  /** The interface is up. */
  active(): boolean;
  /** Powers the interface up or down (down also disconnects). */
  setActive(on: boolean): void;
  /**
   * Station: starts connecting (status becomes STAT_CONNECTING; the outcome
   * comes later through onChange). ssid null: the host's configured network
   * (the build's ssid=/password= on Moddable), else RuntimeError.
   */
  connect(ssid: string | null, key: string | null): void;
  disconnect(): void;
  /** One of STAT_*. */
  status(): number;
  /** Signal strength of the station's link, undefined when not connected. */
  rssi(): number | undefined;
  /** Stations joined to the access point, as "aa:bb:…" MAC strings. */
  stations(): string[];
  ifconfig(): IfConfig;
  /** Static addresses, or "dhcp". Optional: RuntimeError when missing. */
  setIfconfig?(config: IfConfig | "dhcp"): void;
  /** Starts a scan: onFound per network, then onDone (with an error if it failed). Optional. */
  scan?(onFound: (r: ScanRecord) => void, onDone: (error?: Error) => void): void;
  /** A configuration value: "ssid", "mac" ("aa:bb:…"), "channel", "hostname"; undefined when unknown. */
  config(name: string): string | number | undefined;
  /** Sets configuration values (ssid, key, channel for an access point; hostname). */
  setConfig(values: { ssid?: string; key?: string; channel?: number; hostname?: string }): void;
}

export interface WifiPort {
  /** Names the host in messages ("ECMA-419 embedded:network/interface/wifi", "model"). */
  readonly name: string;
  /** The interface STA_IF or AP_IF; called once per interface and port. */
  open(id: number, onChange: () => void): WifiInterface;
}

const slot = new HostSlot<WifiPort>(Symbol.for("moddable-asyncio.wifi"));

/** Installs a Wi-Fi port now; returns the previous one. WLAN objects made before keep theirs. */
export function setWifiPort(port: WifiPort | null): WifiPort | null {
  return slot.set(port);
}

/** Names the port to create on first use (hosts call this when their module loads: no native call, so it may be preloaded). */
export function setDefaultWifiPort(factory: (() => WifiPort) | null): void {
  slot.setDefault(factory);
}

/** The installed Wi-Fi port. @throws RuntimeError when there is none. */
export function getWifiPort(): WifiPort {
  return slot.get(() => new RuntimeError("network: no Wi-Fi port is installed (on Node import \"network\" through hosts/node/aliases.ts; on Moddable include modules/network/manifest.json)"));
}
