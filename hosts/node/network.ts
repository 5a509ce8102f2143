// The "network" module under Node: MicroPython's network.WLAN over the
// Wi-Fi model (modules/network/model.ts), a station that is connected from
// the start (its address is 127.0.0.1, where Node's servers answer).
// Tests install a scripted model with setWifiPort(new ModelWifiPort({...})).
import { ModelWifiPort } from "../../modules/network/model";
import { setDefaultWifiPort } from "../../modules/network/port";

setDefaultWifiPort(() => new ModelWifiPort());

export * from "../../modules/network/index";
export { default } from "../../modules/network/index";
export { ModelWifiPort, ModelStation, ModelAccessPoint, type ModelOptions, type ModelNetwork } from "../../modules/network/model";
