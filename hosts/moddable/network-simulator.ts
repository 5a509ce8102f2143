// The "network" module on the desktop simulator (lin, mac, win): the
// simulator has the desktop's network but no radio, so network.WLAN is the
// Wi-Fi model: a station connected from the start, at 127.0.0.1, where the
// simulator's servers answer. No native call while loading.
import { setDefaultWifiPort } from "network/port";
import { ModelWifiPort } from "network/model";

setDefaultWifiPort(() => new ModelWifiPort());

export * from "network/index";
export { default } from "network/index";
