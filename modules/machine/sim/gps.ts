import { SimTimer } from "./timer";
import { byteEnd, UartPeer, type WireFormat } from "./uart";

/** NMEA 0183 checksum: XOR of the characters between "$" and "*", as two uppercase hex digits. */
export function nmeaChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return x.toString(16).toUpperCase().padStart(2, "0");
}
/** "$" + body + "*" + checksum + CRLF. */
export function nmeaSentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}\r\n`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
/** ddmm.mmmmm (latitude, width 2) or dddmm.mmmmm (longitude, width 3). */
function nmeaAngle(deg: number, width: number): string {
  const a = Math.abs(deg);
  let d = Math.floor(a);
  let m = Math.round((a - d) * 60 * 100000);
  if (m >= 60 * 100000) {
    d++;
    m -= 60 * 100000;
  }
  const whole = Math.floor(m / 100000);
  return `${pad(d, width)}${pad(whole, 2)}.${pad(m - whole * 100000, 5)}`;
}

export interface GpsFix {
  latitude: number;
  longitude: number;
  altitude: number;
}

/**
 * A GPS module on a UART (9600 baud 8N1, as a u-blox NEO-6M or a MediaTek
 * module out of the box): once a second, from each whole second of the
 * board's clock, it sends $GPGGA and $GPRMC back to back (NMEA 0183 2.3,
 * checksums, CRLF), about 150 bytes, 160 ms on the wire. Position, speed,
 * course, altitude, satellites, HDOP and whether it has a fix are
 * scriptable; the UTC time is `utcAtZero` plus the board's clock; the
 * position moves at `speedKnots` along `courseDeg` from where it was set.
 * It talks while a UART is open on the board's end of its wire (a board
 * UART that opens in the middle of a burst hears the rest of it, as on
 * hardware: a partial first line). What the board sends it is kept in
 * `received` (a real module would take configuration commands).
 */
export class NmeaGps extends UartPeer {
  latitude: number;
  longitude: number;
  /** Metres above mean sea level. */
  altitude: number;
  speedKnots = 0;
  courseDeg = 0;
  /** Satellites in use: a number, or a function of the time (ms). */
  satellites: number | ((ms: number) => number) = 8;
  hdop = 0.9;
  /** Geoid separation (m), GGA's field 11. */
  geoid = 47.4;
  /** Whether it has a fix (or a function of the time, ms): without one, the sentences carry the time only. */
  fix: boolean | ((ms: number) => boolean) = true;
  /** UTC (ms since the epoch) when the board's clock reads 0. */
  utcAtZero: number;
  /** Ms between reports. */
  periodMs = 1000;
  /** Every burst it sent: when it started and its text (for tests). */
  readonly sent: { at: number; text: string }[] = [];
  private origin = 0;
  private readonly timer = new SimTimer(() => this.tick(), "GPS");

  constructor(options: Partial<GpsFix> & { format?: Partial<WireFormat>; utcAtZero?: number } = {}) {
    super(options.format);
    this.latitude = options.latitude ?? 48.858222;
    this.longitude = options.longitude ?? 2.2945;
    this.altitude = options.altitude ?? 35;
    this.utcAtZero = options.utcAtZero ?? Date.UTC(2025, 5, 21, 12, 0, 0);
  }

  /** Moves the position (from the time `at`, default now, it moves on at the set speed). */
  setPosition(latitude: number, longitude: number, at?: number): void {
    this.latitude = latitude;
    this.longitude = longitude;
    this.origin = at ?? this.wire?.port.now() ?? 0;
  }

  /** Where it is at `ms`. */
  positionAt(ms: number): GpsFix {
    const hours = (ms - this.origin) / 3_600_000;
    const nm = this.speedKnots * hours;
    const c = (this.courseDeg * Math.PI) / 180;
    const latitude = this.latitude + (nm * Math.cos(c)) / 60;
    const longitude = this.longitude + (nm * Math.sin(c)) / (60 * Math.cos((this.latitude * Math.PI) / 180));
    return { latitude, longitude, altitude: this.altitude };
  }

  /** The sentences of the report made at `ms` (a multiple of periodMs). */
  reportAt(ms: number): string {
    const d = new Date(this.utcAtZero + ms);
    const time = `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}.${pad(Math.floor(d.getUTCMilliseconds() / 10), 2)}`;
    const date = `${pad(d.getUTCDate(), 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCFullYear() % 100, 2)}`;
    if (!(typeof this.fix === "function" ? this.fix(ms) : this.fix)) {
      return nmeaSentence(`GPGGA,${time},,,,,0,00,99.99,,,,,,`) + nmeaSentence(`GPRMC,${time},V,,,,,,,${date},,,N`);
    }
    const p = this.positionAt(ms);
    const lat = `${nmeaAngle(p.latitude, 2)},${p.latitude < 0 ? "S" : "N"}`;
    const lon = `${nmeaAngle(p.longitude, 3)},${p.longitude < 0 ? "W" : "E"}`;
    const gga = `GPGGA,${time},${lat},${lon},1,${pad(typeof this.satellites === "function" ? this.satellites(ms) : this.satellites, 2)},${this.hdop.toFixed(2)},${p.altitude.toFixed(1)},M,${this.geoid.toFixed(1)},M,,`;
    const rmc = `GPRMC,${time},A,${lat},${lon},${this.speedKnots.toFixed(3)},${this.courseDeg.toFixed(2)},${date},,,A`;
    return nmeaSentence(gga) + nmeaSentence(rmc);
  }

  override lineOpened(): void {
    const now = this.wire!.port.now();
    const k = Math.floor(now / this.periodMs);
    // A report in progress when the UART opened: the UART hears the rest of it.
    const at = k * this.periodMs;
    const text = this.reportAt(at);
    if (byteEnd(at, text.length - 1, this.format) > now && at >= this.wire!.freeAt) this.emit(at, text);
    this.timer.at(at + this.periodMs);
  }
  override lineClosed(): void {
    this.timer.stop();
  }

  private tick(): void {
    if (!this.wire?.line) return;
    const at = this.timer.when();
    this.emit(at, this.reportAt(at));
    this.timer.at(at + this.periodMs);
  }
  private emit(at: number, text: string): void {
    this.sent.push({ at, text });
    if (this.sent.length > 10000) this.sent.splice(0, 5000);
    this.send(text, at);
  }
}
