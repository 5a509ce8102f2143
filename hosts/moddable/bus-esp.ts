// What I2C and UART need to know of the ESP8266 under ECMA-419 (modules/machine/buses/manifest.json picks this file for esp).
import type { I2cProfile } from "machine/i2c-ecma419";
import type { SerialProfile } from "machine/serial-ecma419";

/** One software I2C bus on any two GPIOs. */
export const i2cProfile: I2cProfile = { maxId: 0, maxPin: 16, hasPort: false };

/** One UART: UART0 on GPIO1 (TX) and GPIO3 (RX), the console's and, in debug builds, xsbug's. */
export const serialProfile: SerialProfile = { maxId: 0, maxPin: 16, defaults: { 0: { tx: 1, rx: 3 } }, fixed: { tx: 1, rx: 3 } };
