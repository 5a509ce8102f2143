import { RuntimeError } from "asyncio/errors";
import type { DigitalLine, DigitalPort, LineOptions } from "machine/port";
import Time from "time";

interface LedControl {
  on(): void;
  off(): void;
  write?(v: number): void;
  close?(): void;
}
interface ButtonControl {
  read(): number;
  close?(): void;
}
type ControlClass<T> = new (options?: Record<string, unknown>) => T;
interface SimulatorHost {
  LED?: Record<string, ControlClass<LedControl>>;
  Button?: Record<string, ControlClass<ButtonControl>>;
}

/**
 * Pins on the Moddable desktop simulator, which has no embedded:io/digital.
 * A simulated device (-p sim/<device>) shows LEDs and buttons through its
 * Host.LED / Host.Button controls: output pins take the LED controls in the
 * order they are opened, input pins the buttons. Pins beyond those (and all
 * pins on plain -p lin) are modelled in memory; output changes are traced as
 * "PIN <n> <level> <ms>" so a log shows the timeline.
 */
export class SimulatorDigitalPort implements DigitalPort {
  readonly name: string;
  readonly maxPin = 48;
  private readonly host: SimulatorHost | undefined;
  private readonly freeLeds: string[];
  private readonly freeButtons: string[];
  private readonly origin = Time.ticks;
  private readonly inUse = new Set<number>();

  constructor() {
    this.host = (globalThis as { Host?: SimulatorHost }).Host;
    this.freeLeds = this.host?.LED ? Object.keys(this.host.LED).sort((a, b) => (a === "Default" ? 1 : b === "Default" ? -1 : a < b ? -1 : 1)) : [];
    this.freeButtons = this.host?.Button ? Object.keys(this.host.Button) : [];
    this.name = this.host ? "Moddable simulator device" : "Moddable desktop simulator (no pin controls)";
  }

  open(o: LineOptions): DigitalLine {
    if (this.inUse.has(o.pin)) throw new RuntimeError(`Pin(${o.pin}): the pin is already open on the ${this.name}`);
    const line = o.mode === "input" ? this.openInput(o) : this.openOutput(o);
    this.inUse.add(o.pin);
    const close = line.close;
    let closed = false;
    line.close = () => {
      if (closed) return;
      closed = true;
      this.inUse.delete(o.pin);
      close();
    };
    return line;
  }

  private openOutput(o: LineOptions): DigitalLine {
    const name = this.freeLeds.shift();
    const Led = name ? this.host!.LED![name] : undefined;
    let led: LedControl | null = null;
    let level = o.initial;
    const show = (): void => {
      if (led) level ? led.on() : led.off();
      trace(`PIN ${o.pin} ${level} ${Time.ticks - this.origin}\n`);
    };
    try {
      if (Led) led = new Led();
      show();
    } catch (e) {
      // The pin stays closed: its LED control goes back to the pool.
      led?.close?.();
      if (name) this.freeLeds.unshift(name);
      throw e;
    }
    return {
      read: () => level,
      write: (v) => {
        if (v === level) return;
        level = v;
        show();
      },
      close: () => {
        led?.close?.();
        if (name) this.freeLeds.unshift(name);
      },
    };
  }

  private openInput(o: LineOptions): DigitalLine {
    if (!this.host) {
      // No controls at all: an input that stays at its pull level.
      const level = o.pull === "up" ? 1 : 0;
      return { read: () => level, write: () => {}, close: () => {} };
    }
    const name = this.freeButtons.shift();
    if (!name) {
      throw new RuntimeError(`Pin(${o.pin}): the ${this.name} has no button left for this input (it has ${Object.keys(this.host.Button ?? {}).join(", ") || "none"})`);
    }
    const onEdge = o.onEdge;
    const edges = o.edges;
    let level: 0 | 1 = o.pull === "up" ? 1 : 0;
    const idle = level;
    // A control without close() keeps calling onPush: a closed line ignores it.
    let closed = false;
    const Button = this.host.Button![name];
    let button: ButtonControl;
    try {
      button = new Button({
        onPush: (pressed: number) => {
          if (closed) return;
          // A pressed button pulls the pin away from its idle level (active low with PULL_UP).
          const next: 0 | 1 = pressed ? (idle ? 0 : 1) : idle;
          if (next === level) return;
          level = next;
          if (onEdge && edges & (next ? 1 : 2)) onEdge(next);
        },
      });
    } catch (e) {
      this.freeButtons.unshift(name);
      throw e;
    }
    return {
      read: () => level,
      write: () => {},
      close: () => {
        closed = true;
        this.freeButtons.unshift(name);
        button.close?.();
      },
    };
  }
}
