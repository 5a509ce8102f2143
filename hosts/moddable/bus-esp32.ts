// What I2C and UART need to know of the ESP32 family under ECMA-419 (modules/machine/buses/manifest.json picks this file for esp32).
import type { I2cProfile } from "machine/i2c-ecma419";
import type { SerialProfile } from "machine/serial-ecma419";

/** Two I2C controllers (port 0, 1). */
export const i2cProfile: I2cProfile = { maxId: 1, maxPin: 48, hasPort: true };

/** UART0 is the console (and xsbug's link in debug builds); UART2 on GPIO17/16 by default, as MicroPython. */
export const serialProfile: SerialProfile = { maxId: 2, maxPin: 48, defaults: { 2: { tx: 17, rx: 16 } } };
