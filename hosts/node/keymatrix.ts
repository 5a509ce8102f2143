import { describe } from "../../modules/asyncio/format";
import type { LineOptions } from "../../modules/machine/port";

type Level = 0 | 1;

export interface KeyMatrixSpec {
  /** Row pins (GPIO numbers): the lines a scanner drives, one by one. */
  rows: readonly number[];
  /** Column pins: the inputs a scanner reads; each meets every row at a key. */
  cols: readonly number[];
}

/** What the model reads of the board: an open pin's level and mode (undefined: not open). */
export interface MatrixPins {
  readonly name: string;
  readonly maxPin: number;
  level(pin: number): Level | undefined;
  modeOf(pin: number): LineOptions["mode"] | undefined;
}

/**
 * A keypad wired as a crosspoint array on the simulated board
 * (board.attachKeyMatrix()): a pressed key joins its row to its column. A
 * column input reads what the pressed keys on it join it to: 0 if any of
 * their rows is an output at 0; 1 if one is a push-pull output at 1 (an
 * open-drain output at 1, an input or a closed pin drives nothing); its pull
 * when none drives it. Two outputs at different levels on one column read 0
 * (the contention is not reported). Ghost keys of a diode-less matrix (three
 * keys pressed at the corners of a rectangle making the fourth seem pressed)
 * are not modelled: only a column's own keys reach it, as with a diode per key.
 */
export class KeyMatrix {
  readonly rows: readonly number[];
  readonly cols: readonly number[];
  private readonly pins: MatrixPins;
  private readonly closed: Uint8Array;
  private readonly settle: () => void;

  /** @internal made by SimulatedBoard.attachKeyMatrix(), which checks spec (see checkKeyMatrix) */
  constructor(pins: MatrixPins, spec: KeyMatrixSpec, settle: () => void) {
    this.pins = pins;
    this.rows = [...spec.rows];
    this.cols = [...spec.cols];
    this.closed = new Uint8Array(this.rows.length * this.cols.length);
    this.settle = settle;
  }

  /**
   * Closes key (row, col) (indices into rows and cols): its column follows
   * the row from now on, edges reaching the column's irq at once.
   * @throws TypeError, RangeError (row or col not an index)
   */
  press(row: number, col: number): void {
    this.set("press", row, col, 1);
  }
  /** Opens key (row, col). @throws TypeError, RangeError */
  release(row: number, col: number): void {
    this.set("release", row, col, 0);
  }
  /** Whether key (row, col) is held closed. @throws TypeError, RangeError */
  isPressed(row: number, col: number): boolean {
    return this.closed[this.key("isPressed", row, col)] === 1;
  }

  /** @internal The level the pressed keys impose on pin, or null (not a column, or nothing drives it). */
  levelOf(pin: number): Level | null {
    const c = this.cols.indexOf(pin);
    if (c < 0) return null;
    let high = false;
    for (let r = 0; r < this.rows.length; r++) {
      if (!this.closed[r * this.cols.length + c]) continue;
      const mode = this.pins.modeOf(this.rows[r]);
      if (mode === undefined || mode === "input") continue;
      if (this.pins.level(this.rows[r]) === 0) return 0;
      if (mode === "output") high = true;
    }
    return high ? 1 : null;
  }

  private set(method: string, row: number, col: number, v: 0 | 1): void {
    const k = this.key(method, row, col);
    if (this.closed[k] === v) return;
    this.closed[k] = v;
    this.settle();
  }
  private key(method: string, row: number, col: number): number {
    return index(`KeyMatrix.${method}()`, "row", row, this.rows.length) * this.cols.length + index(`KeyMatrix.${method}()`, "col", col, this.cols.length);
  }
}

function index(fn: string, what: string, v: unknown, n: number): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${fn}: expected ${what} as an index (a number), got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`${fn}: ${what} must be an integer from 0 to ${n - 1}, got ${v}`);
  return v;
}

/**
 * Checks attachKeyMatrix()'s spec: rows and cols non-empty arrays of pin
 * numbers of the board, no pin twice, none already in another matrix (taken).
 * @throws TypeError, RangeError
 * @internal
 */
export function checkKeyMatrix(pins: MatrixPins, spec: unknown, taken: ReadonlySet<number>): KeyMatrixSpec {
  const fn = "attachKeyMatrix()";
  if (spec === null || typeof spec !== "object") throw new TypeError(`${fn}: expected { rows, cols } (arrays of pin numbers), got ${describe(spec)}`);
  const seen = new Set<number>();
  for (const what of ["rows", "cols"] as const) {
    const list = (spec as Record<string, unknown>)[what];
    if (!Array.isArray(list)) throw new TypeError(`${fn}: expected ${what} as an array of pin numbers, got ${describe(list)}`);
    if (list.length === 0) throw new RangeError(`${fn}: ${what} is empty (a matrix needs at least one row and one column)`);
    for (const pin of list as unknown[]) {
      if (typeof pin !== "number") throw new TypeError(`${fn}: expected ${what} as pin numbers, got ${describe(pin)}`);
      if (!Number.isInteger(pin) || pin < 0 || pin > pins.maxPin) throw new RangeError(`${fn}: pin ${pin} in ${what} is out of range for the ${pins.name} (0–${pins.maxPin})`);
      if (seen.has(pin)) throw new RangeError(`${fn}: GPIO${pin} appears twice in rows and cols`);
      if (taken.has(pin)) throw new RangeError(`${fn}: GPIO${pin} is already wired to another key matrix`);
      seen.add(pin);
    }
  }
  return spec as KeyMatrixSpec;
}
