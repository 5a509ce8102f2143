// What ADC and PWM need to know of the Raspberry Pi Pico under ECMA-419 (modules/machine/manifest.json picks this file for pico).
import type { AnalogProfile } from "machine/analog-ecma419";
import type { PwmProfile } from "machine/pwm-ecma419";

/** GPIO 26–28 (the driver checks); readings are not calibrated (ADC_VREF is the board's): no readUv(), as MicroPython's rp2. */
export const analogProfile: AnalogProfile = { pins: null, fullScaleUv: null };

/** The slices divide the system clock themselves; the driver takes up to 15 bits of duty. */
export const pwmProfile: PwmProfile = { resolutionFor: () => 15 };
