// The "machine" module on the desktop simulator: Host.LED/Host.Button controls or traced pins.
import { setDefaultDigitalPort } from "machine/port";
import { SimulatorDigitalPort } from "machine/port-simulator";
import { setDefaultAnalogPort } from "machine/analogport";
import { setDefaultPwmPort } from "machine/pwmport";
import { SimulatorAnalogPort, SimulatorPwmPort } from "machine/analog-simulator";

setDefaultDigitalPort(() => new SimulatorDigitalPort());
// No embedded:io/analog or pwm on the simulator: traced fakes (hosts/moddable/analog-simulator.ts).
setDefaultAnalogPort(() => new SimulatorAnalogPort());
setDefaultPwmPort(() => new SimulatorPwmPort());

export * from "machine/index";
export { default } from "machine/index";
