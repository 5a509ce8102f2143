/** MicroPython's `machine` module, the parts that make sense on Moddable: Pin, ADC, PWM; and Hinch's Encoder and AADC. */
export { Pin, type IrqHandler } from "./pin";
export { setDigitalPort, setDefaultDigitalPort, getDigitalPort, RISING, FALLING, type DigitalPort, type DigitalLine, type LineOptions } from "./port";
export { ADC } from "./adc";
export { PWM, type PwmInit } from "./pwm";
export { Encoder, type EncoderOptions, type EncoderCallback, type EncoderPin } from "./encoder";
export { AADC, type AadcOptions } from "./aadc";
export { setAnalogPort, setDefaultAnalogPort, getAnalogPort, type AnalogPort, type AnalogChannel } from "./analogport";
export { setPwmPort, setDefaultPwmPort, getPwmPort, type PwmPort, type PwmChannel, type PwmOptions } from "./pwmport";
import { Pin } from "./pin";
import { ADC } from "./adc";
import { PWM } from "./pwm";
import { Encoder } from "./encoder";
import { AADC } from "./aadc";
export default { Pin, ADC, PWM, Encoder, AADC };
