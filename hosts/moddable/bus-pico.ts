// What I2C and UART need to know of the Raspberry Pi Pico under ECMA-419 (modules/machine/buses/manifest.json picks this file for pico).
import type { I2cProfile } from "machine/i2c-ecma419";
import type { SerialProfile } from "machine/serial-ecma419";

/** i2c0 and i2c1: the driver picks the controller from the pins (GP4/GP5 are i2c0's), so the id only names the bus here. */
export const i2cProfile: I2cProfile = { maxId: 1, maxPin: 29, hasPort: false };

/** uart0 on GP0/GP1 and uart1 on GP4/GP5 by default, as MicroPython's rp2 port (the driver picks the UART from the pins). */
export const serialProfile: SerialProfile = { maxId: 1, maxPin: 29, defaults: { 0: { tx: 0, rx: 1 }, 1: { tx: 4, rx: 5 } } };
