// A GPS reader: NMEA sentences from a GPS module on UART2 (9600 baud, the
// factory setting of u-blox NEO-6M and MediaTek modules), read a line at a
// time from a Stream while two LEDs blink. Wiring (ESP32): the module's TX
// to GPIO16 (UART2 RX), its RX to GPIO17 (UART2 TX); the LEDs on GPIO14
// and GPIO12.
//
// Each $GPGGA (fix, satellites, altitude) and $GPRMC (position, speed,
// date) is checked (checksum, shape) and printed; anything else (other
// sentences, a line cut short when the UART opened mid-sentence, noise)
// is counted and skipped. readline(100) bounds a line: NMEA's are at most
// 82 characters, so noise without a newline can't grow without limit.
import asyncio, { print, utf8Decode } from "asyncio";
import { Pin, UART } from "machine";

const green = new Pin(14, Pin.OUT);
const blue = new Pin(12, Pin.OUT);
const uart = new UART(2, { baudrate: 9600, tx: 17, rx: 16 });
const gps = asyncio.streamOf(uart);

/** The fields of a well-formed sentence ("$" body "*" checksum CRLF), or null. */
function fields(bytes: Uint8Array): string[] | null {
  const line = utf8Decode(bytes);
  // NMEA is printable ASCII: noise (or a byte that is not UTF-8, now U+FFFD) is no sentence.
  if (/[^\x20-\x7e\r\n]/.test(line)) return null;
  const m = /^\$([^$*]*)\*([0-9A-F]{2})\r?\n$/.exec(line);
  if (!m) return null;
  let sum = 0;
  for (let i = 0; i < m[1].length; i++) sum ^= m[1].charCodeAt(i);
  return sum === parseInt(m[2], 16) ? m[1].split(",") : null;
}

/** "4851.49332", "N" → 48.858222 (degrees, negative south and west). */
function degrees(value: string, hemisphere: string): number {
  const dot = value.indexOf(".");
  const deg = Number(value.slice(0, dot - 2));
  const min = Number(value.slice(dot - 2));
  const d = deg + min / 60;
  return hemisphere === "S" || hemisphere === "W" ? -d : d;
}

/** "120001.00" → "12:00:01". */
function time(hhmmss: string): string {
  return `${hhmmss.slice(0, 2)}:${hhmmss.slice(2, 4)}:${hhmmss.slice(4, 6)}`;
}

async function reader() {
  let skipped = 0;
  while (true) {
    const f = fields(await gps.readline(100));
    if (f === null) {
      skipped++;
      print(`gps: skipped a line that is not a sentence (${skipped} so far)`);
      continue;
    }
    if (f[0] === "GPGGA" && f.length >= 10) {
      if (f[6] === "0") print(`gps: ${time(f[1])} no fix`);
      else print(`gps: ${time(f[1])} fix, ${Number(f[7])} satellites, altitude ${f[9]} m`);
    } else if (f[0] === "GPRMC" && f.length >= 10 && f[2] === "A") {
      const lat = degrees(f[3], f[4]).toFixed(6);
      const lon = degrees(f[5], f[6]).toFixed(6);
      print(`gps: ${time(f[1])} ${lat}, ${lon}, ${f[7]} knots, course ${f[8]}`);
    }
  }
}

async function blinkGreen() {
  while (true) {
    green.toggle();
    await asyncio.sleep(0.5);
  }
}
async function blinkBlue() {
  while (true) {
    blue.toggle();
    await asyncio.sleep(1);
  }
}

async function main() {
  asyncio.createTask(blinkGreen());
  asyncio.createTask(blinkBlue());
  await reader();
}

asyncio.run(main);
