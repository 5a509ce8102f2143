// I2C and UART on the Moddable desktop simulator (modules/machine/buses/manifest.json
// preloads this). The simulator has no embedded:io/i2c, and its
// embedded:io/serial opens the computer's serial devices: I2C and UART here
// are the simulated board's models (modules/machine/sim), as under
// `npm start` — an SHT3x at 0x44 and a 24C02 at 0x50 on the I2C bus
// scl=5 sda=4, an NMEA GPS at 9600 baud on UART2's pins (rx 16, tx 17) —
// timed on the loop's clock. The GPS tells the computer's UTC time.
import { getEventLoop } from "asyncio/loop";
import { setDefaultI2cPort } from "machine/i2cport";
import { setDefaultSerialPort } from "machine/serialport";
import type { NmeaGps } from "machine/sim/gps";
import { simulatedI2c, simulatedSerial } from "machine/sim/peripherals";

const options = Object.freeze({ name: "Moddable simulator's modelled board", maxPin: 48 });
setDefaultI2cPort(() => simulatedI2c(options));
setDefaultSerialPort(() => {
  const serial = simulatedSerial(options);
  (serial.peers()[0] as NmeaGps).utcAtZero = Date.now() - getEventLoop().now();
  return serial;
});
