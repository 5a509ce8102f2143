// I2C and UART on devices (modules/machine/buses/manifest.json preloads this):
// names the ECMA-419 ports as machine's I2C and serial ports. Nothing native
// runs until an I2C or a UART is opened.
import { setDefaultI2cPort } from "machine/i2cport";
import { setDefaultSerialPort } from "machine/serialport";
import { Ecma419I2cPort } from "machine/i2c-ecma419";
import { Ecma419SerialPort } from "machine/serial-ecma419";
import { i2cProfile, serialProfile } from "machine/bus-profile";

setDefaultI2cPort(() => new Ecma419I2cPort(i2cProfile));
setDefaultSerialPort(() => new Ecma419SerialPort(serialProfile));
