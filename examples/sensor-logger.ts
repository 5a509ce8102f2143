// A temperature and humidity logger: a Sensirion SHT3x (SHT30/31/35) on I2C
// is read every 2 s while the LED blinks. Wiring: SCL to GPIO5, SDA to GPIO4
// (NodeMCU D1 and D2 on an ESP8266; any two GPIOs on an ESP32), the
// sensor's ADDR pin low (address 0x44); the LED on GPIO2 (the on-board one
// of most ESP32 and ESP8266 boards).
//
// A reading: the single-shot command (high repeatability, no clock
// stretching), 15 ms for the conversion (the datasheet's maximum) while
// other tasks run, then the 6 bytes: temperature word, CRC, humidity word,
// CRC. A missing sensor or a bad CRC is printed, and the next reading comes
// 2 s later as usual.
import asyncio, { OSError, print } from "asyncio";
import { I2C, Pin } from "machine";

const SHT3X = 0x44;
const MEASURE_HIGH = [0x24, 0x00];
const CONVERSION_MS = 15;
const PERIOD_MS = 2000;

const led = new Pin(2, Pin.OUT);
const i2c = new I2C(0, { scl: 5, sda: 4, freq: 400_000 });

/** Sensirion's CRC-8: polynomial 0x31, initial value 0xFF. */
function crc8(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0xff;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i];
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** One measurement: °C and %RH. @throws OSError (no sensor: ENODEV; a bad CRC: EIO) */
async function measure(): Promise<{ celsius: number; humidity: number }> {
  i2c.writeto(SHT3X, MEASURE_HIGH);
  await asyncio.sleepMs(CONVERSION_MS);
  const d = await i2c.readfromAsync(SHT3X, 6);
  if (crc8(d, 0, 2) !== d[2] || crc8(d, 3, 5) !== d[5]) throw new OSError("SHT3x: CRC mismatch", "EIO");
  return {
    celsius: -45 + (175 * ((d[0] << 8) | d[1])) / 65535,
    humidity: (100 * ((d[3] << 8) | d[4])) / 65535,
  };
}

/** Now, then every PERIOD_MS from the start, however long a reading takes (a ticker: no drift). */
async function logger() {
  const period = asyncio.everyMs(PERIOD_MS);
  do {
    const t = asyncio.ticksMs();
    try {
      const { celsius, humidity } = await measure();
      print(`sensor: ${celsius.toFixed(2)} C, ${humidity.toFixed(1)} %RH (measured at ${t} ms)`);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      print(`sensor: ${e.message} (${e.code})`);
    }
  } while (!(await period.next()).done);
}

async function blink() {
  while (true) {
    led.toggle();
    await asyncio.sleepMs(500);
  }
}

async function main() {
  asyncio.createTask(blink());
  await logger();
}

asyncio.run(main);
