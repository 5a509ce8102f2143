// What ADC and PWM need to know of the ESP8266 under ECMA-419 (modules/machine/manifest.json picks this file for esp).
import type { AnalogProfile } from "machine/analog-ecma419";
import type { PwmProfile } from "machine/pwm-ecma419";

/** One ADC input, ADC(0): the A0/TOUT pin, 10 bits over 0 … 1.0 V at the chip. */
export const analogProfile: AnalogProfile = { pins: [0], fullScaleUv: 1_000_000 };

/** analogWrite(): 10 bits whatever the frequency; one frequency for every PWM pin. */
export const pwmProfile: PwmProfile = { resolutionFor: () => undefined };
