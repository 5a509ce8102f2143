/** MicroPython's `machine` module, the parts that make sense on Moddable: Pin. */
export { Pin, type IrqHandler } from "./pin";
export { setDigitalPort, setDefaultDigitalPort, getDigitalPort, RISING, FALLING, type DigitalPort, type DigitalLine, type LineOptions } from "./port";
import { Pin } from "./pin";
export default { Pin };
