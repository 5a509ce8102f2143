// What ADC and PWM need to know of the ESP32 family under ECMA-419 (modules/machine/manifest.json picks this file for esp32).
import type { AnalogProfile } from "machine/analog-ecma419";
import type { PwmProfile } from "machine/pwm-ecma419";

/** The driver knows each chip's ADC pins; its readings are calibrated onto 0 … 2450 mV (12 dB attenuation, its default). */
export const analogProfile: AnalogProfile = { pins: null, fullScaleUv: 2_450_000 };

/** LEDC: hz × 2^resolution ≤ 80 MHz (APB clock), at most 14 bits (the driver's range): 14 bits up to 4.8 kHz. */
export const pwmProfile: PwmProfile = {
  resolutionFor: (hz) => Math.min(14, Math.floor(Math.log2(80e6 / hz))),
};
