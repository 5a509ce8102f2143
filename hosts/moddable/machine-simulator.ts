// The "machine" module on the desktop simulator: Host.LED/Host.Button controls or traced pins.
import { setDefaultDigitalPort } from "machine/port";
import { SimulatorDigitalPort } from "machine/port-simulator";

setDefaultDigitalPort(() => new SimulatorDigitalPort());

export * from "machine/index";
export { default } from "machine/index";
