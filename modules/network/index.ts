/**
 * MicroPython's `network` module, the Wi-Fi part: WLAN(STA_IF | AP_IF) with
 * active/connect/disconnect/isconnected/status/ifconfig/config/scan, and an
 * awaitable `connected(timeoutS)` built on the loop (no polling).
 *
 *     import network from "network";
 *     const wlan = new network.WLAN(network.STA_IF);
 *     wlan.active(true);
 *     wlan.connect("my-ssid", "my-key");
 *     await wlan.connected(30);
 */
import {
  AP_IF, STA_IF, STAT_CONNECT_FAIL, STAT_CONNECTING, STAT_GOT_IP, STAT_IDLE, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD,
  SEC_OPEN, SEC_WEP, SEC_WPA, SEC_WPA2, SEC_WPA_WPA2, SEC_WPA2_ENT, SEC_WPA3, SEC_WPA2_WPA3,
  getWifiPort, setDefaultWifiPort, setWifiPort,
} from "./port";
import { WLAN, statusName } from "./wlan";

export {
  AP_IF, STA_IF, STAT_CONNECT_FAIL, STAT_CONNECTING, STAT_GOT_IP, STAT_IDLE, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD,
  SEC_OPEN, SEC_WEP, SEC_WPA, SEC_WPA2, SEC_WPA_WPA2, SEC_WPA2_ENT, SEC_WPA3, SEC_WPA2_WPA3,
  getWifiPort, setDefaultWifiPort, setWifiPort, WLAN, statusName,
};
export type { IfConfig, ScanRecord, WifiInterface, WifiPort } from "./port";
export type { ScanResult, WlanConfig } from "./wlan";

const network = {
  WLAN, STA_IF, AP_IF,
  STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD, STAT_NO_AP_FOUND, STAT_CONNECT_FAIL, STAT_GOT_IP,
  SEC_OPEN, SEC_WEP, SEC_WPA, SEC_WPA2, SEC_WPA_WPA2, SEC_WPA2_ENT, SEC_WPA3, SEC_WPA2_WPA3,
  statusName, setWifiPort, setDefaultWifiPort, getWifiPort,
};
// Frozen: the module's one object, preloaded into flash on Moddable, never changes.
Object.freeze(network);
export default network;
