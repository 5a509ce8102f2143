import type { BoardEvent, BoardFeed } from "./feed";
import type { InputKeys } from "./keys";

/** An LED's colour: decoration only (the pin is what names it: button-blink's GPIO2 is no green LED). */
const COLOURS: string[] = ["\x1b[92m", "\x1b[94m", "\x1b[91m", "\x1b[93m", "\x1b[95m", "\x1b[96m"];
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
const REVERSE = "\x1b[7m";
const PULLS = { up: "pull-up", down: "pull-down", none: "no pull" } as const;
/** A terminal is redrawn at most this often (an app toggling a pin in a tight loop would flood it). */
const REDRAW_MS = 20;
/** The clock (the run's time) moves on a terminal this often between changes, so that a board with nothing changing does not look hung. */
const CLOCK_MS = 200;
/**
 * In a pipe, a pin that changes more often than this in a second of the run
 * gets a line per second ("GPIO2 LED: 48 213 changes in the last second")
 * instead of a line per change (a runaway toggling a pin would write
 * hundreds of thousands of lines a second, faster than anyone can read).
 */
const LINES_PER_SECOND = 10;

/** What the view writes to: a terminal (process.stdout), a pipe, or a test's capture. */
export interface ViewOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  on?(event: "resize", listener: () => void): unknown;
  removeListener?(event: "resize", listener: () => void): unknown;
}

export interface ViewOptions {
  /** The board and the app's output (default: standard output). */
  out?: ViewOutput;
  /** Reports and the runner's notes (default: out). */
  err?: ViewOutput;
  /** Draw in place (default: out.isTTY); otherwise one line per change. */
  tty?: boolean;
  /** Labels the inputs with their keys, and shows which the keyboard holds down. */
  keys?: InputKeys | null;
  /**
   * The run's time now, in ms (BoardRun.elapsed): on a terminal the board's
   * clock moves with it between changes; in a pipe it closes the second of a
   * pin that changed too fast for a line each. Without it the clock shows the
   * last change's time.
   */
  clock?: () => number;
}

/** A pin's changes in one second of the run, in a pipe. */
interface Second {
  /** Which second (floor(time / 1000)). */
  second: number;
  changes: number;
  /** Changes that got a line of their own. */
  shown: number;
  /** The pin changed too fast in the second before: no line per change in this one. */
  fast: boolean;
  /** What the last change says ("on", "input high"). */
  last: string;
}

interface PinState {
  /** 0 or 1; for a PWM output its duty (0 … 1). */
  level: number;
  mode: "input" | "output" | "open-drain" | "pwm" | "adc";
  pull: "none" | "up" | "down";
  /** An ADC pin's last reading, µV. */
  uv?: number;
}

/**
 * Draws a run's board in the terminal. On a terminal (tty) the board is the
 * last rows of the screen, redrawn in place: the time, one LED per output
 * (lit ● / unlit ○) and each input with its key, level and pull, folded to
 * the terminal's width; the app's lines are written above it. Otherwise (CI,
 * a pipe) each change is a line of its own.
 */
export class BoardView {
  private readonly out: NonNullable<ViewOptions["out"]>;
  private readonly err: NonNullable<ViewOptions["err"]>;
  private readonly tty: boolean;
  private readonly keys: InputKeys | null;
  private readonly pins = new Map<number, PinState>();
  /** Outputs and inputs, each in the order they were first opened. */
  private readonly outputs: number[] = [];
  private readonly inputs: number[] = [];
  private readonly colours = new Map<number, string>();
  /** The time the board shows: the latest change's, or the clock's when it moved on (never back). */
  private time = 0;
  private readonly clock: (() => number) | null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** The board's last row, as drawn: the cursor is at its end. */
  private lastRowLength = 0;
  /** In a pipe: each pin's changes in the current second. */
  private readonly seconds = new Map<number, Second>();
  /** In a pipe: the seconds before this one are closed. */
  private openSecond = -Infinity;
  /** Rows of the board on screen now (the cursor is at the end of the last). */
  private rows = 0;
  private lastDraw = -Infinity;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private finished = false;
  private cursorHidden = false;
  private readonly unsubscribe: () => void;
  private readonly onResize = (): void => this.draw();

  constructor(feed: BoardFeed, options: ViewOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? this.out;
    this.tty = options.tty ?? !!this.out.isTTY;
    this.keys = options.keys ?? null;
    this.clock = options.clock ?? null;
    if (this.tty) this.out.on?.("resize", this.onResize);
    this.unsubscribe = feed.subscribe((e) => this.event(e));
    if (this.clock && !this.finished) {
      this.ticker = setInterval(() => this.tick(), CLOCK_MS);
      this.ticker.unref?.();
    }
  }

  /** The keyboard changed what it holds down. */
  refresh(): void {
    if (this.tty && !this.finished) this.draw();
  }

  /** A line from the runner (not the app), above the board. */
  note(text: string): void {
    for (const line of text.split("\n")) this.above(line, this.err);
  }

  /** Draws what is pending and leaves the cursor on a fresh line below the board. `endTime`: the run's end, the clock's last time. */
  finish(endTime?: number): void {
    if (this.finished) return;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (endTime !== undefined && endTime !== this.time) {
      // The board's last time is the run's end: never a later one (the clock may have run ahead of the last change).
      this.time = endTime;
      if (this.tty && this.rows > 0) this.draw();
    }
    if (this.pending) this.draw();
    if (!this.tty) this.closeSeconds(Infinity, endTime);
    this.finished = true;
    this.unsubscribe();
    if (this.tty) {
      this.out.removeListener?.("resize", this.onResize);
      if (this.rows > 0) this.out.write("\n");
      if (this.cursorHidden) this.out.write("\x1b[?25h");
      this.cursorHidden = false;
      this.rows = 0;
    }
  }

  private event(e: BoardEvent): void {
    if (this.finished) return;
    if (e.type === "end") {
      this.finish(e.time);
      return;
    }
    if (e.type === "print") {
      // The board keeps the time of what it shows: a line printed right after a toggle shows that toggle's time.
      for (const line of e.line.split("\n")) this.above(line, e.stderr ? this.err : this.out);
      return;
    }
    if (e.type === "stall" || e.type === "resume") {
      const task = e.task === null ? "the app's own code (outside any task)" : `task ${e.task || "(anonymous)"}`;
      const since = `t=${(Math.floor(e.since) / 1000).toFixed(3)} s`;
      if (e.type === "stall") this.note(`${seconds(e.time)}  ${task} has not given the loop back since ${since}: a loop without await? (q or Ctrl-C stops the run)`);
      else this.note(`${seconds(e.time)}  ${task} gave the loop back (it held it from ${since}); the run goes on`);
      return;
    }
    // A late subscriber's note that older events are not kept: the board shows the state it is given.
    if (e.type === "dropped") return;
    this.time = Math.max(this.time, e.time);
    if (!this.tty) this.closeSeconds(Math.floor(e.time / 1000));
    if (e.type === "pwm" || e.type === "analog") {
      this.analog(e);
      return;
    }
    const known = this.pins.get(e.pin);
    this.pins.set(e.pin, { level: e.level, mode: e.mode, pull: e.pull });
    this.place(e.pin, e.mode === "input");
    if (this.tty) this.schedule();
    else if (e.mode === "input") this.changeLine(e.pin, e.time, `input ${e.level ? "high" : "low"}`, known?.mode === e.mode && known.pull === e.pull);
    else if (!known || known.level !== e.level || known.mode !== e.mode) this.changeLine(e.pin, e.time, `LED ${e.level ? "on" : "off"}`, known?.mode === e.mode);
  }

  /**
   * In a pipe: a pin's change as a line of its own ("GPIO2 LED on"), unless
   * the pin changes faster than anyone reads (LINES_PER_SECOND): then its
   * second ends with one line that counts them. `change`: a change of level
   * (not the pin being opened).
   */
  private changeLine(pin: number, time: number, what: string, change: boolean): void {
    const second = Math.floor(time / 1000);
    let s = this.seconds.get(pin);
    if (!s || s.second !== second) {
      s = { second, changes: 0, shown: 0, fast: false, last: what };
      this.seconds.set(pin, s);
    }
    s.last = what;
    if (change) s.changes++;
    if (!change || (!s.fast && s.shown < LINES_PER_SECOND)) {
      s.shown += change ? 1 : 0;
      this.out.write(`${seconds(time)}  GPIO${pin} ${what}\n`);
    }
  }

  /**
   * In a pipe: the seconds before `second` are over; a pin that changed in
   * one more often than it got lines says how often. `endTime`: the run
   * ended (its last second is cut short).
   */
  private closeSeconds(second: number, endTime?: number): void {
    if (second <= this.openSecond) return;
    this.openSecond = second;
    for (const [pin, s] of this.seconds) {
      if (s.second >= second) continue;
      this.seconds.delete(pin);
      const fast = s.changes > s.shown;
      if (fast) {
        const end = Math.min((s.second + 1) * 1000, endTime ?? Infinity);
        const span = end === (s.second + 1) * 1000 ? "in the last second" : `since t=${(s.second).toFixed(3)} s`;
        this.out.write(`${seconds(end)}  GPIO${pin}: ${thousands(s.changes)} change${s.changes === 1 ? "" : "s"} ${span}, now ${s.last.replace(/^LED /, "")}\n`);
      }
      // Still too fast at the end of it: the next second goes on with a line a second, not a line a change.
      if (s.changes > LINES_PER_SECOND && s.second + 1 === second && endTime === undefined) this.seconds.set(pin, { second, changes: 0, shown: 0, fast: true, last: s.last });
    }
  }

  /** The clock moved on (no change for a while): the board's time field, and in a pipe the seconds that are over. */
  private tick(): void {
    if (this.finished || !this.clock) return;
    let now: number;
    try {
      now = this.clock();
    } catch {
      return;
    }
    if (!Number.isFinite(now)) return;
    if (!this.tty) {
      // A little late: a change of that second may still be on its way from the app's thread.
      this.closeSeconds(Math.floor((now - CLOCK_MS) / 1000));
      return;
    }
    if (now <= this.time) return;
    const before = seconds(this.time);
    this.time = now;
    const after = seconds(now);
    if (after === before || this.rows === 0 || this.pending) return;
    if (after.length !== before.length) {
      this.draw();
      return;
    }
    // Only the time field: up to the board's first row, the time, and back to the end of its last row.
    const up = this.rows > 1 ? `\x1b[${this.rows - 1}A` : "";
    const down = this.rows > 1 ? `\x1b[${this.rows - 1}B` : "";
    this.out.write(`\r${up}${after}${down}\r${this.lastRowLength > 0 ? `\x1b[${this.lastRowLength}C` : ""}`);
  }

  /** A PWM output (an LED as bright as its duty) or an ADC input (its volts). */
  private analog(e: Extract<BoardEvent, { type: "pwm" | "analog" }>): void {
    const known = this.pins.get(e.pin);
    if (e.type === "pwm") this.pins.set(e.pin, { level: e.duty / 65535, mode: "pwm", pull: "none" });
    else this.pins.set(e.pin, { level: e.value / 65535, mode: "adc", pull: "none", uv: e.uv });
    this.place(e.pin, e.type === "analog");
    if (this.tty) this.schedule();
    else if (e.type === "pwm") {
      // A line per tenth of brightness (a fade moves the duty every few ms), and at dark and full.
      const tenth = (d: number): number => (d <= 0 ? -1 : d >= 1 ? 11 : Math.round(d * 10));
      const d = e.duty / 65535;
      if (known?.mode !== "pwm" || tenth(known.level) !== tenth(d)) this.out.write(`${seconds(e.time)}  GPIO${e.pin} LED ${percent(d)} at ${e.freq} Hz\n`);
    } else if (known?.mode !== "adc") this.out.write(`${seconds(e.time)}  GPIO${e.pin} ADC ${volts(e.uv)}\n`);
  }

  /** Puts a pin with the inputs or the outputs (a pin opened again the other way round moves to its new side); an output gets its colour. */
  private place(pin: number, input: boolean): void {
    const list = input ? this.inputs : this.outputs;
    if (!list.includes(pin)) {
      const other = input ? this.outputs : this.inputs;
      const i = other.indexOf(pin);
      if (i >= 0) other.splice(i, 1);
      list.push(pin);
    }
    if (!input && !this.colours.has(pin)) this.colours.set(pin, COLOURS[this.colours.size % COLOURS.length]);
  }

  /** A line above the board: the board is taken away, the line written, the board drawn again below it. */
  private above(line: string, stream: ViewOutput): void {
    if (!this.tty || this.rows === 0) {
      stream.write(`${line}\n`);
      return;
    }
    this.clear();
    stream.write(`${line}\n`);
    this.draw();
  }

  private schedule(): void {
    if (this.pending) return;
    const wait = this.lastDraw + REDRAW_MS - performance.now();
    if (wait <= 0) this.draw();
    else {
      this.pending = setTimeout(() => this.draw(), wait);
      this.pending.unref?.();
    }
  }

  private clear(): void {
    if (this.rows === 0) return;
    this.out.write(`\r${this.rows > 1 ? `\x1b[${this.rows - 1}A` : ""}\x1b[J`);
    this.rows = 0;
  }

  private draw(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    if (this.finished || (this.outputs.length === 0 && this.inputs.length === 0)) return;
    this.lastDraw = performance.now();
    const rows = fold([seconds(this.time), ...this.outputs.map((p) => this.led(p)), ...this.inputs.map((p) => this.input(p))], this.width());
    // The cursor would flicker along the board at every redraw.
    const hide = this.cursorHidden ? "" : "\x1b[?25l";
    this.cursorHidden = true;
    this.clear();
    this.out.write(hide + rows.join("\n"));
    this.rows = rows.length;
    this.lastRowLength = visibleLength(rows[rows.length - 1]);
  }

  /** Columns a row may fill: one less than the terminal's, so the cursor never wraps to a row of its own. */
  private width(): number {
    const columns = this.out.columns;
    return Math.max(10, (typeof columns === "number" && columns > 0 ? columns : 80) - 1);
  }

  private led(pin: number): string {
    const colour = this.colours.get(pin)!;
    const s = this.pins.get(pin)!;
    if (s.mode === "pwm") {
      // Brightness as the duty: ○ dark, ◔ ◑ ◕ dimmer to brighter, ● fully on.
      const d = s.level;
      const glyph = d <= 0 ? DIM + "○" : colour + (d >= 1 ? "●" : d < 0.375 ? "◔" : d < 0.625 ? "◑" : "◕");
      return `${glyph}${RESET} GPIO${pin} ${percent(d).padStart(4)}`;
    }
    const lit = s.level === 1;
    return `${lit ? colour + "●" : DIM + "○"}${RESET} GPIO${pin}`;
  }

  private input(pin: number): string {
    const s = this.pins.get(pin)!;
    if (s.mode === "adc") return `GPIO${pin} ADC ${volts(s.uv ?? 0)}`;
    const key = this.keys?.keyFor(pin);
    let label = "";
    if (key) {
      if (this.keys!.isHeld(pin)) label = `${REVERSE}[${key.toUpperCase()}]${RESET} `;
      else if (this.keys!.isDown(pin)) label = `${REVERSE}[${key}]${RESET} `;
      else label = `[${key}] `;
    }
    return `${label}GPIO${pin} ${s.level ? "high" : "low "} ${PULLS[s.pull]}`;
  }
}

/** The cells in rows of at most `width` columns, two spaces apart; a cell wider than a row is cut. */
export function fold(cells: string[], width: number): string[] {
  const rows: string[] = [];
  let row = "";
  let used = 0;
  for (const cell of cells) {
    const w = visibleLength(cell);
    if (used > 0 && used + 2 + w <= width) {
      row += `  ${cell}`;
      used += 2 + w;
      continue;
    }
    if (used > 0) rows.push(row);
    row = w <= width ? cell : cut(cell, width);
    used = Math.min(w, width);
  }
  if (used > 0 || rows.length === 0) rows.push(row);
  return rows;
}

const ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function visibleLength(s: string): number {
  return [...s.replace(ESCAPE, "")].length;
}

/** The first `width` visible characters of s, its escapes kept, colours reset at the end. */
function cut(s: string, width: number): string {
  let out = "";
  let shown = 0;
  let i = 0;
  while (i < s.length && shown < width) {
    ESCAPE.lastIndex = i;
    const m = ESCAPE.exec(s);
    if (m && m.index === i) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    out += ch;
    i += ch.length;
    shown++;
  }
  return out + RESET;
}

/** A duty (0 … 1) as a whole percentage. */
function percent(d: number): string {
  // Never 0% for a lit LED, nor 100% for one that is not fully on.
  return `${d > 0 && d < 1 ? Math.min(99, Math.max(1, Math.round(d * 100))) : Math.round(d * 100)}%`;
}
/** µV as volts, to the mV. */
function volts(uv: number): string {
  return `${(uv / 1e6).toFixed(3)} V`;
}

/** 48213 as "48 213". */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/** The board's time: whole ms as ticksMs() counts them (floored), in seconds. */
function seconds(ms: number): string {
  return `t=${(Math.floor(ms) / 1000).toFixed(3).padStart(8)} s`;
}
