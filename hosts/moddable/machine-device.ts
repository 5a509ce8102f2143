// The "machine" module on devices: Pin over ECMA-419 embedded:io/digital, ADC over embedded:io/analog, PWM over embedded:io/pwm.
import { setDefaultDigitalPort } from "machine/port";
import { Ecma419DigitalPort } from "machine/port-ecma419";
import { setDefaultAnalogPort } from "machine/analogport";
import { setDefaultPwmPort } from "machine/pwmport";
import { Ecma419AnalogPort } from "machine/analog-ecma419";
import { Ecma419PwmPort } from "machine/pwm-ecma419";
import { analogProfile, pwmProfile } from "machine/ecma419-profile";

setDefaultDigitalPort(() => new Ecma419DigitalPort());
setDefaultAnalogPort(() => new Ecma419AnalogPort(analogProfile));
setDefaultPwmPort(() => new Ecma419PwmPort(pwmProfile));

export * from "machine/index";
export { default } from "machine/index";
