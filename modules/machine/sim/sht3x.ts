import type { SimI2cDevice } from "./i2c";

/** A value a test scripts: a constant, or a function of the time (ms on the loop's clock). */
export type Scripted = number | ((ms: number) => number);

/** Sensirion's CRC-8 (polynomial 0x31, initial 0xFF): crc8([0xbe, 0xef]) === 0x92. */
export function crc8(bytes: ArrayLike<number>, from = 0, to = bytes.length): number {
  let crc = 0xff;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i];
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** SHT3x raw words to °C and %RH (datasheet section 4.13). */
export function sht3xTemperature(raw: number): number {
  return -45 + (175 * raw) / 65535;
}
export function sht3xHumidity(raw: number): number {
  return (100 * raw) / 65535;
}

/** A table and its entries, frozen (Moddable keeps frozen objects in flash). */
function freezeAll<T extends Record<number, object>>(table: T): Readonly<T> {
  for (const v of Object.values(table)) Object.freeze(v);
  return Object.freeze(table);
}

/** Measurement time (ms, the datasheet's maximum) by repeatability. */
export const SHT3X_DURATION_MS = Object.freeze({ high: 15, medium: 6, low: 4 } as const);
type Repeatability = keyof typeof SHT3X_DURATION_MS;

const SINGLE: Readonly<Record<number, Readonly<{ rep: Repeatability; stretch: boolean }>>> = freezeAll({
  0x2c06: { rep: "high", stretch: true },
  0x2c0d: { rep: "medium", stretch: true },
  0x2c10: { rep: "low", stretch: true },
  0x2400: { rep: "high", stretch: false },
  0x240b: { rep: "medium", stretch: false },
  0x2416: { rep: "low", stretch: false },
});
const PERIODIC: Readonly<Record<number, Readonly<{ rep: Repeatability; mps: number }>>> = freezeAll({
  0x2032: { rep: "high", mps: 0.5 }, 0x2024: { rep: "medium", mps: 0.5 }, 0x202f: { rep: "low", mps: 0.5 },
  0x2130: { rep: "high", mps: 1 }, 0x2126: { rep: "medium", mps: 1 }, 0x212d: { rep: "low", mps: 1 },
  0x2236: { rep: "high", mps: 2 }, 0x2220: { rep: "medium", mps: 2 }, 0x222b: { rep: "low", mps: 2 },
  0x2334: { rep: "high", mps: 4 }, 0x2322: { rep: "medium", mps: 4 }, 0x2329: { rep: "low", mps: 4 },
  0x2737: { rep: "high", mps: 10 }, 0x2721: { rep: "medium", mps: 10 }, 0x272a: { rep: "low", mps: 10 },
  0x2b32: { rep: "high", mps: 4 }, // ART: accelerated response time, 4 Hz
});
export const SHT3X = Object.freeze({
  FETCH: 0xe000,
  BREAK: 0x3093,
  SOFT_RESET: 0x30a2,
  HEATER_ON: 0x306d,
  HEATER_OFF: 0x3066,
  READ_STATUS: 0xf32d,
  CLEAR_STATUS: 0x3041,
  /** Single shot, high repeatability, no clock stretching. */
  MEASURE_HIGH: 0x2400,
  MEASURE_HIGH_STRETCH: 0x2c06,
} as const);
/** Soft reset time (ms, maximum). */
export const SHT3X_RESET_MS = 1.5;

const STATUS_ALERT = 0x8000;
const STATUS_HEATER = 0x2000;
const STATUS_RH_ALERT = 0x0800;
const STATUS_T_ALERT = 0x0400;
const STATUS_RESET = 0x0010;
const STATUS_COMMAND_FAILED = 0x0002;
const STATUS_POWER_ON = STATUS_ALERT | STATUS_RESET;

interface Measurement {
  /** When the result is ready (ms). */
  at: number;
  bytes: Uint8Array;
}

/**
 * Sensirion SHT3x (SHT30/31/35) temperature and humidity sensor, modelled
 * from its datasheet: 16-bit commands sent MSB first; single shot
 * measurements with and without clock stretching (high/medium/low
 * repeatability: 15/6/4 ms), periodic modes (0.5–10 measurements a second,
 * ART) with fetch and break, soft reset (1.5 ms), heater, status register
 * (0x8010 at power-on) and clear; results as 6 bytes — temperature word,
 * CRC, humidity word, CRC (CRC-8 0x31, init 0xFF). While it measures
 * without clock stretching (or resets) it acknowledges nothing; a read
 * with no result to give is not acknowledged; with clock stretching the
 * read holds the clock until the result is ready. Bytes after a command's
 * two are not acknowledged, nor is the second byte of an unknown command
 * (which also sets the status's "command failed" bit).
 *
 * temperature (°C) and humidity (%RH) are scripted: numbers or functions
 * of the time; a measurement samples them when it completes.
 */
export class Sht3x implements SimI2cDevice {
  readonly address: number;
  temperature: Scripted;
  humidity: Scripted;
  /** °C the heater adds to what the sensor reads while it is on. */
  heaterRise = 3;
  /** Every measurement it made: when it started and completed, and what it read (for tests). */
  readonly measurements: { start: number; at: number; temperature: number; humidity: number }[] = [];
  private status = STATUS_POWER_ON;
  /** NACKs everything before this time (measuring without stretching, resetting). */
  private busyUntil = -Infinity;
  /** What a read returns next: a measurement, the status, or nothing. */
  private pointer: "data" | "status" | null = null;
  private single: (Measurement & { stretch: boolean }) | null = null;
  private periodic: { start: number; periodMs: number; durationMs: number; fetched: number } | null = null;

  constructor(options: { address?: 0x44 | 0x45; temperature?: Scripted; humidity?: Scripted } = {}) {
    this.address = options.address ?? 0x44;
    this.temperature = options.temperature ?? 22.5;
    this.humidity = options.humidity ?? 45;
  }

  /** The raw words a measurement completing at `at` reports. */
  rawAt(at: number): { t: number; rh: number } {
    const t = value(this.temperature, at) + (this.status & STATUS_HEATER ? this.heaterRise : 0);
    const rh = value(this.humidity, at);
    return {
      t: clamp(Math.round(((t + 45) * 65535) / 175), 0, 65535),
      rh: clamp(Math.round((rh * 65535) / 100), 0, 65535),
    };
  }

  write(data: Uint8Array, now: number): number {
    if (now < this.busyUntil) return -1;
    if (data.length < 2) return data.length;
    const cmd = (data[0] << 8) | data[1];
    const ok = this.command(cmd, now);
    // Reading the status reports on the command before it.
    if (cmd === SHT3X.READ_STATUS) return data.length > 2 ? 2 : data.length;
    if (!ok) {
      this.status |= STATUS_COMMAND_FAILED;
      return 1;
    }
    this.status &= ~STATUS_COMMAND_FAILED;
    return 2;
  }

  read(n: number, now: number): { data: Uint8Array; until?: number } | null {
    if (now < this.busyUntil) return null;
    if (this.pointer === "status") {
      const out = new Uint8Array(3);
      out[0] = this.status >> 8;
      out[1] = this.status & 0xff;
      out[2] = crc8(out, 0, 2);
      return { data: out };
    }
    if (this.pointer !== "data") return null;
    const single = this.single;
    if (single) {
      this.single = null;
      this.pointer = null;
      return single.at > now ? { data: single.bytes, until: single.at } : { data: single.bytes };
    }
    const p = this.periodic;
    if (!p) return null;
    // The latest completed measurement, if it was not fetched yet.
    const k = Math.floor((now - p.start - p.durationMs) / p.periodMs);
    this.pointer = null;
    if (k < 0 || k <= p.fetched) return null;
    p.fetched = k;
    return { data: this.measure(p.start + k * p.periodMs, p.start + k * p.periodMs + p.durationMs).bytes };
  }

  private command(cmd: number, now: number): boolean {
    if (cmd === SHT3X.SOFT_RESET) {
      this.reset(now);
      return true;
    }
    if (cmd === SHT3X.BREAK) {
      this.periodic = null;
      this.pointer = null;
      return true;
    }
    if (cmd === SHT3X.FETCH) {
      if (!this.periodic) return false;
      this.pointer = "data";
      return true;
    }
    if (cmd === SHT3X.READ_STATUS) {
      this.pointer = "status";
      return true;
    }
    if (cmd === SHT3X.CLEAR_STATUS) {
      this.status &= ~(STATUS_ALERT | STATUS_RH_ALERT | STATUS_T_ALERT | STATUS_RESET);
      return true;
    }
    if (cmd === SHT3X.HEATER_ON || cmd === SHT3X.HEATER_OFF) {
      if (cmd === SHT3X.HEATER_ON) this.status |= STATUS_HEATER;
      else this.status &= ~STATUS_HEATER;
      return true;
    }
    const single = SINGLE[cmd];
    if (single) {
      if (this.periodic) return false; // break first
      const d = SHT3X_DURATION_MS[single.rep];
      this.single = { ...this.measure(now, now + d), stretch: single.stretch };
      this.pointer = "data";
      if (!single.stretch) this.busyUntil = now + d;
      return true;
    }
    const periodic = PERIODIC[cmd];
    if (periodic) {
      if (this.periodic) return false;
      this.single = null;
      this.pointer = null;
      this.periodic = { start: now, periodMs: 1000 / periodic.mps, durationMs: SHT3X_DURATION_MS[periodic.rep], fetched: -1 };
      return true;
    }
    return false;
  }

  private reset(now: number): void {
    this.status = STATUS_POWER_ON;
    this.single = null;
    this.periodic = null;
    this.pointer = null;
    this.busyUntil = now + SHT3X_RESET_MS;
  }

  private measure(start: number, at: number): Measurement {
    const { t, rh } = this.rawAt(at);
    const bytes = new Uint8Array([t >> 8, t & 0xff, 0, rh >> 8, rh & 0xff, 0]);
    bytes[2] = crc8(bytes, 0, 2);
    bytes[5] = crc8(bytes, 3, 5);
    if (this.measurements.length >= 10000) this.measurements.splice(0, 5000);
    this.measurements.push({ start, at, temperature: sht3xTemperature(t), humidity: sht3xHumidity(rh) });
    return { at, bytes };
  }
}

function value(v: Scripted, at: number): number {
  return typeof v === "function" ? v(at) : v;
}
function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
