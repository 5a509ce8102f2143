import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { BoardEvent } from "./feed";

/** A pin level at a time (ms since the app started): a PinChange, or a feed's "pin" event. */
export interface LevelAt {
  pin: number;
  level: 0 | 1;
  time: number;
}

/** An analog value at a time: a PWM output's duty (0 … 1) or an ADC pin's reading (volts). */
export interface RealAt {
  kind: "pwm" | "adc";
  pin: number;
  value: number;
  time: number;
}

/** What of a run's feed goes into its VCD: pin levels, PWM duties and ADC readings, in order. */
export function vcdChanges(events: readonly BoardEvent[]): (LevelAt | RealAt)[] {
  const out: (LevelAt | RealAt)[] = [];
  for (const e of events) {
    if (e.type === "pin") out.push(e);
    else if (e.type === "pwm") out.push({ kind: "pwm", pin: e.pin, value: e.duty / 65535, time: e.time });
    else if (e.type === "analog") out.push({ kind: "adc", pin: e.pin, value: e.uv / 1e6, time: e.time });
  }
  return out;
}

/**
 * Value Change Dump (IEEE 1364) of pin changes, for GTKWave and PulseView.
 * Time unit 1 µs; one 1-bit wire per pin, named gpio<N>; a PWM output is a
 * `real` variable pwm<N> (its duty, 0 … 1), an ADC pin a `real` adc<N> (its
 * readings, in volts). Every variable has a value from time 0, the one its
 * pin was opened with (in real time an app opens its pins a few ms after it
 * starts, and a viewer would show a pin that never changes as unknown all
 * along); `endTime` stretches the dump to when the run ended.
 */
export function toVcd(changes: readonly (LevelAt | RealAt)[], options: { date?: string; endTime?: number } = {}): string {
  const recorder = new VcdRecorder();
  try {
    for (const c of changes) recorder.add(c);
    return [...recorder.chunks(options)].join("");
  } finally {
    recorder.dispose();
  }
}

/** Changes held in memory before they go to the recorder's temporary file (18 bytes each). */
const CHUNK = 16384;

interface Variable {
  key: string;
  real: boolean;
  /** Wires first, then PWM outputs, then ADC inputs, each by pin number. */
  rank: number;
  pin: number;
  /** Its first value: the one it has from time 0. */
  first: number;
}

/**
 * A run's VCD in the making: a VCD declares its variables (sorted, see
 * toVcd) before any change, and a pin may be opened at any time, so the
 * changes are kept until the end, as numbers: 18 bytes each, in memory up to
 * CHUNK of them, past that in a temporary file (a runaway toggling a pin
 * makes hundreds of thousands a second). write() makes the same text as toVcd.
 */
export class VcdRecorder {
  /** Variable number by kind and pin (a number: a runaway records hundreds of thousands of changes a second). */
  private readonly index = new Map<number, number>();
  private readonly vars: Variable[] = [];
  private readonly varOf = new Uint16Array(CHUNK);
  private readonly timeOf = new Float64Array(CHUNK);
  private readonly valueOf = new Float64Array(CHUNK);
  private used = 0;
  /** Full chunks written to the temporary file. */
  private spilled = 0;
  private spill: { fd: number; file: string } | null = null;

  /** Takes a feed's event: pin levels, PWM duties and ADC readings; the rest is not the VCD's. */
  record(e: BoardEvent): void {
    if (e.type === "pin") this.add(e);
    else if (e.type === "pwm") this.put("pwm", e.pin, e.duty / 65535, e.time);
    else if (e.type === "analog") this.put("adc", e.pin, e.uv / 1e6, e.time);
  }

  add(c: LevelAt | RealAt): void {
    if ("kind" in c) this.put(c.kind, c.pin, c.value, c.time);
    else this.put("gpio", c.pin, c.level, c.time);
  }

  private put(kind: "gpio" | "pwm" | "adc", pin: number, value: number, time: number): void {
    const rank = kind === "gpio" ? 0 : kind === "pwm" ? 1 : 2;
    const v = this.index.get(rank * 0x100000 + pin);
    if (v === undefined) {
      this.index.set(rank * 0x100000 + pin, this.vars.length);
      this.vars.push({ key: `${kind}${pin}`, real: kind !== "gpio", rank, pin, first: value });
      return;
    }
    this.varOf[this.used] = v;
    this.timeOf[this.used] = time;
    this.valueOf[this.used] = value;
    if (++this.used === CHUNK) this.flush();
  }

  private flush(): void {
    if (!this.spill) {
      sweepSpills();
      const file = path.join(os.tmpdir(), `${SPILL_PREFIX}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`);
      this.spill = { fd: fs.openSync(file, "w+", 0o600), file };
    }
    const { fd } = this.spill;
    for (const a of [this.varOf, this.timeOf, this.valueOf]) fs.writeSync(fd, new Uint8Array(a.buffer, 0, a.byteLength));
    this.spilled++;
    this.used = 0;
  }

  /** The VCD's text, in pieces of some 64 KB (a long run's does not fit in one string). */
  *chunks(options: { date?: string; endTime?: number } = {}): Generator<string> {
    const vars = this.vars;
    const sorted = [...vars].sort((a, b) => a.rank - b.rank || a.pin - b.pin);
    const ids: string[] = [];
    sorted.forEach((v, i) => (ids[vars.indexOf(v)] = identifier(i)));
    const text = (v: Variable, value: number, id: string): string => (v.real ? `r${real(value)} ${id}` : `${value}${id}`);
    const lines = [
      `$date ${options.date ?? new Date().toISOString()} $end`,
      "$version moddable-asyncio simulated board $end",
      "$timescale 1us $end",
      "$scope module board $end",
      ...sorted.map((v) => `$var ${v.real ? "real 64" : "wire 1"} ${ids[vars.indexOf(v)]} ${v.key} $end`),
      "$upscope $end",
      "$enddefinitions $end",
    ];
    // The initial values, in the order the pins were opened.
    if (vars.length) lines.push("#0");
    vars.forEach((v, i) => lines.push(text(v, v.first, ids[i])));
    let out = lines.join("\n") + "\n";
    let last = 0;
    const body = (varOf: Uint16Array, timeOf: Float64Array, valueOf: Float64Array, n: number): string[] => {
      const pieces: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = Math.max(last, Math.round(timeOf[i] * 1000));
        if (t !== last) {
          out += `#${t}\n`;
          last = t;
        }
        const v = varOf[i];
        out += `${text(vars[v], valueOf[i], ids[v])}\n`;
        if (out.length >= 65536) {
          pieces.push(out);
          out = "";
        }
      }
      return pieces;
    };
    if (this.spill) {
      const varOf = new Uint16Array(CHUNK);
      const timeOf = new Float64Array(CHUNK);
      const valueOf = new Float64Array(CHUNK);
      for (let c = 0; c < this.spilled; c++) {
        let at = c * CHUNK * 18;
        for (const a of [varOf, timeOf, valueOf]) {
          const bytes = new Uint8Array(a.buffer, 0, a.byteLength);
          for (let got = 0; got < bytes.length;) {
            const n = fs.readSync(this.spill.fd, bytes, got, bytes.length - got, at + got);
            if (n === 0) throw new Error(`VCD: its temporary file ${this.spill.file} was cut short`);
            got += n;
          }
          at += bytes.length;
        }
        yield* body(varOf, timeOf, valueOf, CHUNK);
      }
    }
    yield* body(this.varOf, this.timeOf, this.valueOf, this.used);
    if (options.endTime !== undefined) {
      const t = Math.round(options.endTime * 1000);
      if (t > last) out += `#${t}\n`;
    }
    yield out;
  }

  /**
   * Writes the VCD to `file` (replacing it), then frees what it held.
   * @throws the file system's error (a folder that is gone, no room left)
   */
  write(file: string, options: { date?: string; endTime?: number } = {}): void {
    try {
      const fd = fs.openSync(file, "w");
      try {
        for (const piece of this.chunks(options)) fs.writeSync(fd, piece);
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      this.dispose();
    }
  }

  /** Removes the temporary file, if any; what was recorded is gone. */
  dispose(): void {
    if (!this.spill) return;
    const { fd, file } = this.spill;
    this.spill = null;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
    fs.rmSync(file, { force: true });
  }
}

const SPILL_PREFIX = "asyncio-vcd-";

/**
 * A run killed outright (SIGKILL, a power cut) cannot remove its spill file:
 * the next run that spills (one folder read a run) removes those of
 * processes that are gone. Best effort: a pid reused since is taken as alive
 * and its file stays.
 */
export function sweepSpills(dir = os.tmpdir()): void {
  try {
    for (const name of fs.readdirSync(dir)) {
      const m = /^asyncio-vcd-(\d+)-.*\.bin$/.exec(name);
      if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
      fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // Someone else's folder, or gone: nothing of ours to sweep.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, someone else's.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A real value as VCD writes it: plain decimal, 9 significant digits at most. */
function real(v: number): string {
  return String(+v.toPrecision(9));
}

function identifier(i: number): string {
  // Printable ASCII 33..126, as VCD asks.
  let s = "";
  do {
    s += String.fromCharCode(33 + (i % 94));
    i = Math.floor(i / 94) - 1;
  } while (i >= 0);
  return s;
}
