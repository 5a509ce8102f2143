// The "network" module on ESP32 and ESP8266: network.WLAN over the SDK's
// ECMA-419 Wi-Fi. No native call while loading: it may be preloaded.
import { setDefaultWifiPort } from "network/port";
import { Ecma419WifiPort } from "network/port-ecma419";

setDefaultWifiPort(() => new Ecma419WifiPort());

export * from "network/index";
export { default } from "network/index";
