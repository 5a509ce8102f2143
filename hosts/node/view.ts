import type { PinChange, SimulatedBoard } from "./board";

const COLOURS: [string, string][] = [
  ["green", "\x1b[92m"], ["blue", "\x1b[94m"], ["red", "\x1b[91m"], ["yellow", "\x1b[93m"], ["magenta", "\x1b[95m"], ["cyan", "\x1b[96m"],
];
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/**
 * Draws the board in the terminal: one LED per output pin, lit or unlit,
 * with the time. On a TTY the line is redrawn in place; otherwise (CI, a
 * pipe) each change is printed on its own line.
 */
export class BoardView {
  private readonly outputs: number[] = [];
  private readonly names = new Map<number, [string, string]>();
  private drawn = false;

  constructor(private readonly board: SimulatedBoard, private readonly out: NodeJS.WriteStream = process.stdout, private readonly tty = !!out.isTTY) {
    board.onChange((c) => this.changed(c));
  }

  private changed(c: PinChange): void {
    if (c.mode === "input") {
      if (!this.tty) this.out.write(`${seconds(c.time)}  GPIO${c.pin} input ${c.level ? "high" : "low"}\n`);
      return;
    }
    if (!this.names.has(c.pin)) {
      this.outputs.push(c.pin);
      this.names.set(c.pin, COLOURS[(this.outputs.length - 1) % COLOURS.length]);
    }
    if (this.tty) this.redraw(c.time);
    else {
      const [name] = this.names.get(c.pin)!;
      this.out.write(`${seconds(c.time)}  GPIO${c.pin} (${name} LED) ${c.level ? "on" : "off"}\n`);
    }
  }

  private lastTime = 0;
  private redraw(time: number): void {
    this.lastTime = time;
    const leds = this.outputs.map((pin) => {
      const [name, colour] = this.names.get(pin)!;
      const lit = this.board.level(pin) === 1;
      return `${lit ? colour + "●" : DIM + "○"}${RESET} GPIO${pin} ${name.padEnd(7)}`;
    });
    this.out.write(`\r\x1b[2K${seconds(time)}  ${leds.join("  ")}`);
    this.drawn = true;
  }

  /** One line of the program's output (print()), above the LEDs on a terminal. */
  print(line: string): void {
    if (this.tty && this.drawn) {
      this.out.write(`\r\x1b[2K${line}\n`);
      this.redraw(this.lastTime);
    } else this.out.write(`${line}\n`);
  }

  /** Leaves the cursor on a fresh line. */
  finish(): void {
    if (this.tty && this.drawn) this.out.write("\n");
  }
}

function seconds(ms: number): string {
  return `t=${(ms / 1000).toFixed(3).padStart(8)} s`;
}
