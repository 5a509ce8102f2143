import { RuntimeError } from "../../modules/asyncio/errors";
import { getEventLoop } from "../../modules/asyncio/loop";
import { describe } from "../../modules/asyncio/format";
import { FALLING, RISING, type DigitalLine, type DigitalPort, type LineOptions } from "../../modules/machine/port";
import { SimulatedAnalog } from "./analog";
import { simulatedPeripherals, type SimPeripherals } from "../../modules/machine/sim/peripherals";
import { checkKeyMatrix, KeyMatrix } from "./keymatrix";

type Level = 0 | 1;

export interface PinChange {
  pin: number;
  level: Level;
  /** ms on the loop's clock */
  time: number;
  mode: LineOptions["mode"];
  pull: LineOptions["pull"];
}

interface SimPin {
  options: LineOptions;
  level: Level;
  /** Level an outside signal drives onto an input (null: floating, the pull decides). */
  driven: Level | null;
}

/**
 * A simulated ESP32-like board for Node: outputs hold what was written,
 * inputs follow drive() (scripted signals, button presses), a key matrix's
 * rows (attachKeyMatrix) or their pull.
 * Every level change is reported to listeners (terminal view, VCD writer).
 */
export class SimulatedBoard implements DigitalPort {
  readonly name = "simulated board";
  readonly maxPin = 39;
  private readonly pins = new Map<number, SimPin>();
  /** What drive() set, kept across close/re-open (Pin re-opens a line to change its edges). */
  private readonly drivenLevels = new Map<number, Level | null>();
  /** What views were last told of each pin: a re-open that changes nothing is not news. */
  private readonly lastEmitted = new Map<number, { level: Level; mode: LineOptions["mode"]; pull: LineOptions["pull"] }>();
  private readonly listeners: ((c: PinChange) => void)[] = [];
  /** Every change so far, in order (empty with keepHistory false). */
  readonly history: PinChange[] = [];
  private readonly clock: () => number;

  private readonly keepHistory: boolean;
  /**
   * The analog side: ADC waveforms (analog.set(34, sine({ periodMs: 10000 })))
   * and PWM outputs; its adcPort and pwmPort are what ADC and PWM open.
   */
  readonly analog: SimulatedAnalog;
  /**
   * The I2C bus (an SHT3x at 0x44, a 24C02 at 0x50, on scl 5 / sda 4) and
   * the UARTs (an NMEA GPS on GPIO16/17): peripherals.sensor.temperature = 30,
   * peripherals.gps.fix = false; its i2c and serial are what I2C and UART open
   * once installed (peripherals.install()).
   */
  readonly peripherals: SimPeripherals;

  /** keepHistory: false when a listener keeps the run's record instead (the app's thread under npm start). */
  constructor(clock: () => number = () => getEventLoop().now(), options: { keepHistory?: boolean } = {}) {
    this.clock = clock;
    this.keepHistory = options.keepHistory ?? true;
    this.analog = new SimulatedAnalog(clock, (pin) => (this.pins.has(pin) ? "open as a Pin" : this.claimed.has(pin) ? `held by ${this.claimed.get(pin)!}` : null), this.name, this.keepHistory);
    this.peripherals = simulatedPeripherals({ name: this.name, clock, claim: (pin, owner) => this.claim(pin, owner) });
  }

  open(options: LineOptions): DigitalLine {
    const { pin } = options;
    if (options.mode !== "input" && pin >= 34) throw new RangeError(`Pin(${pin}): the pin is input-only on the ${this.name} (ESP32 GPIO 34–39)`);
    if (this.pins.has(pin)) throw new RuntimeError(`Pin(${pin}): the pin is already open on the ${this.name}`);
    const holder = this.claimed.get(pin);
    if (holder !== undefined) throw new RuntimeError(`Pin(${pin}): the pin is in use by ${holder} on the ${this.name}`);
    const analog = this.analog.holds(pin);
    if (analog) throw new RuntimeError(`Pin(${pin}): the pin is in use on the ${this.name} (open as ${analog === "ADC" ? "an ADC" : "a PWM"})`);
    const sim: SimPin = { options, level: 0, driven: options.mode === "input" ? this.drivenLevels.get(pin) ?? null : null };
    sim.level = options.mode === "input" ? this.inputLevel(sim) : options.initial;
    this.pins.set(pin, sim);
    if (options.mode !== "input") this.settle();
    const last = this.lastEmitted.get(pin);
    if (!last || last.level !== sim.level || last.mode !== options.mode || last.pull !== options.pull) this.emit(sim);
    let closed = false;
    return {
      read: () => sim.level,
      write: (level: Level) => {
        if (closed) throw new RuntimeError(`Pin(${pin}): the line is closed on the ${this.name}`);
        if (sim.options.mode === "input") throw new RuntimeError(`Pin(${pin}): the pin is an input on the ${this.name}`);
        if (sim.level !== level) {
          sim.level = level;
          this.emit(sim);
          this.settle();
        }
      },
      close: () => {
        if (closed) return;
        closed = true;
        if (this.pins.get(pin) === sim) this.pins.delete(pin);
        if (options.mode !== "input") this.settle();
      },
    };
  }

  /** Pins held by peripherals (I2C, UART): Pin can't open them. */
  private readonly claimed = new Map<number, string>();
  /**
   * Reserves a pin for a peripheral ("I2C(0)", "UART(2)"); returns the
   * function that frees it. @throws RuntimeError when a Pin or another peripheral has it
   */
  claim(pin: number, owner: string): () => void {
    if (this.pins.has(pin)) throw new RuntimeError(`${owner}: GPIO${pin} is open as a Pin on the ${this.name}`);
    const holder = this.claimed.get(pin) ?? this.analog.holds(pin);
    if (holder) throw new RuntimeError(`${owner}: GPIO${pin} is in use by ${holder} on the ${this.name}`);
    this.claimed.set(pin, owner);
    return () => {
      if (this.claimed.get(pin) === owner) this.claimed.delete(pin);
    };
  }

  /**
   * Drives an input from outside (a button, a signal); null lets it float
   * to its pull. Edges reach the pin's onEdge at once, as an interrupt would.
   * @throws TypeError (level not 0, 1 or null), RuntimeError (the pin is not an open input)
   */
  drive(pin: number, level: Level | null): void {
    if (level !== 0 && level !== 1 && level !== null) throw new TypeError(`drive(): expected the level as 0, 1 or null, got ${describe(level)}`);
    const sim = this.pins.get(pin);
    if (!sim) throw new RuntimeError(`drive(): pin ${describe(pin)} is not open on the ${this.name}`);
    if (sim.options.mode !== "input") throw new RuntimeError(`drive(): Pin(${pin}) is an output`);
    sim.driven = level;
    this.drivenLevels.set(pin, level);
    this.update(sim);
  }

  private readonly matrices: KeyMatrix[] = [];
  /**
   * Wires a keypad's keys between row and column pins (hosts/node/keymatrix.ts):
   * matrix.press(row, col) makes the column read what the row drives.
   * @throws TypeError, RangeError (see checkKeyMatrix)
   */
  attachKeyMatrix(spec: { rows: readonly number[]; cols: readonly number[] }): KeyMatrix {
    const taken = new Set(this.matrices.flatMap((m) => [...m.rows, ...m.cols]));
    const matrix = new KeyMatrix(this, checkKeyMatrix(this, spec, taken), () => this.settle());
    this.matrices.push(matrix);
    return matrix;
  }
  /** An output or a key changed: the matrices' columns follow. */
  private settle(): void {
    for (const m of this.matrices) {
      for (const col of m.cols) {
        const sim = this.pins.get(col);
        if (sim?.options.mode === "input") this.update(sim);
      }
    }
  }
  /** Recomputes an input's level, reporting a change and its edge. */
  private update(sim: SimPin): void {
    const next = this.inputLevel(sim);
    if (next === sim.level) return;
    sim.level = next;
    this.emit(sim);
    const kind = next ? RISING : FALLING;
    if (sim.options.edges & kind) sim.options.onEdge?.(next);
  }

  /**
   * drive() for views, which may race the app closing or re-opening a pin:
   * false (and nothing done) when the pin is not an open input.
   */
  driveInput(pin: number, level: Level | null): boolean {
    if (this.pins.get(pin)?.options.mode !== "input") return false;
    this.drive(pin, level);
    return true;
  }

  /** Current level of an open pin. */
  level(pin: number): Level | undefined {
    return this.pins.get(pin)?.level;
  }
  isOpen(pin: number): boolean {
    return this.pins.has(pin);
  }
  /** RISING | FALLING bits an open pin reports (0: no irq, no edge() waiting); undefined when not open. */
  edgesOf(pin: number): number | undefined {
    return this.pins.get(pin)?.options.edges;
  }
  modeOf(pin: number): LineOptions["mode"] | undefined {
    return this.pins.get(pin)?.options.mode;
  }
  onChange(listener: (c: PinChange) => void): void {
    this.listeners.push(listener);
  }

  private inputLevel(sim: SimPin): Level {
    for (const m of this.matrices) {
      const wired = m.levelOf(sim.options.pin);
      if (wired !== null) return wired;
    }
    if (sim.driven !== null) return sim.driven;
    return sim.options.pull === "up" ? 1 : 0;
  }
  private emit(sim: SimPin): void {
    const change = { pin: sim.options.pin, level: sim.level, time: this.clock(), mode: sim.options.mode, pull: sim.options.pull };
    this.lastEmitted.set(change.pin, { level: change.level, mode: change.mode, pull: change.pull });
    if (this.keepHistory) this.history.push(change);
    // A failing view must not turn a pin write into an exception.
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        getEventLoop().callExceptionHandler({ message: `Exception in a ${this.name} change listener`, exception: e, future: null });
      }
    }
  }
}
