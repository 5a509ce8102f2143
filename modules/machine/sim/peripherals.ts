import { setI2cPort, type I2cPort } from "../i2cport";
import { setSerialPort, type SerialPort } from "../serialport";
import { Eeprom24c02 } from "./eeprom";
import { NmeaGps } from "./gps";
import { SimulatedI2cPort, type SimPortOptions } from "./i2c";
import { Sht3x } from "./sht3x";
import { SimulatedSerialPort } from "./uart";

/** Where the simulated board's peripherals are wired. */
export const SIM_WIRING = Object.freeze({
  /** The I2C bus: an SHT3x at 0x44 and a 24C02 EEPROM at 0x50, on GPIO5 (SCL) and GPIO4 (SDA): pins an ESP32 and an ESP8266 (NodeMCU D1, D2) both have. */
  i2c: Object.freeze({ scl: 5, sda: 4 }),
  /** The GPS: its TX into GPIO16 (UART2's RX), its RX from GPIO17 (UART2's TX). */
  gps: Object.freeze({ rx: 16, tx: 17 }),
});

export interface SimPeripherals {
  i2c: SimulatedI2cPort;
  serial: SimulatedSerialPort;
  /** SHT3x temperature/humidity sensor at 0x44 on SIM_WIRING.i2c: script .temperature and .humidity. */
  sensor: Sht3x;
  /** 24C02 EEPROM at 0x50 on SIM_WIRING.i2c. */
  eeprom: Eeprom24c02;
  /** NMEA GPS at 9600 baud on SIM_WIRING.gps. */
  gps: NmeaGps;
  /** Installs the I2C and serial ports; returns a function that puts back the previous ones. */
  install(): () => void;
}

/**
 * The simulated board's peripherals, as `npm start` and the Moddable
 * desktop simulator have them: an I2C bus with an SHT3x and a 24C02, and a
 * GPS on UART2's pins (SIM_WIRING). `claim` reserves a pin against Pin (the Node board's).
 */
export function simulatedPeripherals(options: SimPortOptions = {}): SimPeripherals {
  const i2c = simulatedI2c(options);
  const serial = simulatedSerial(options);
  const [sensor, eeprom] = i2c.devices() as [Sht3x, Eeprom24c02];
  const gps = serial.peers()[0] as NmeaGps;
  return {
    i2c,
    serial,
    sensor,
    eeprom,
    gps,
    install: () => {
      const previousI2c: I2cPort | null = setI2cPort(i2c);
      const previousSerial: SerialPort | null = setSerialPort(serial);
      return () => {
        setI2cPort(previousI2c);
        setSerialPort(previousSerial);
      };
    },
  };
}

/** The simulated board's I2C bus alone: an SHT3x at 0x44 and a 24C02 at 0x50 on SIM_WIRING.i2c. */
export function simulatedI2c(options: SimPortOptions = {}): SimulatedI2cPort {
  const i2c = new SimulatedI2cPort(options);
  i2c.attach(new Sht3x(), SIM_WIRING.i2c);
  i2c.attach(new Eeprom24c02(), SIM_WIRING.i2c);
  return i2c;
}

/** The simulated board's UARTs alone: an NMEA GPS on SIM_WIRING.gps. */
export function simulatedSerial(options: SimPortOptions = {}): SimulatedSerialPort {
  const serial = new SimulatedSerialPort(options);
  serial.connect(new NmeaGps(), SIM_WIRING.gps);
  return serial;
}
