import Digital from "embedded:io/digital";
import type { DigitalLine, DigitalPort, LineOptions } from "machine/port";

/**
 * Pins over ECMA-419 embedded:io/digital (ESP32, ESP8266, Pico). ESP32's
 * driver can't read an output (Pin keeps the written level) and wants
 * activeLow as an option, not a mode bit. Edges arrive through onReadable,
 * coalesced, without debounce or timestamp: the level read then decides
 * rising or falling.
 */
export class Ecma419DigitalPort implements DigitalPort {
  readonly name = "ECMA-419 embedded:io/digital";
  readonly maxPin: number;

  constructor(maxPin = 48) {
    this.maxPin = maxPin;
  }

  open(o: LineOptions): DigitalLine {
    const mode =
      o.mode === "output" ? Digital.Output
      : o.mode === "open-drain" ? Digital.OutputOpenDrain
      : o.pull === "up" ? Digital.InputPullUp
      : o.pull === "down" ? Digital.InputPullDown
      : Digital.Input;
    let io: Digital;
    try {
      if (o.mode === "input" && o.edges && o.onEdge) {
        const onEdge = o.onEdge;
        io = new Digital({
          pin: o.pin,
          mode,
          edge: o.edges,
          onReadable(this: Digital) {
            onEdge(this.read());
          },
        });
      } else io = new Digital({ pin: o.pin, mode });
    } catch (e) {
      throw new Error(`Pin ${o.pin}: ${this.name} refused it (${e instanceof Error ? e.message : String(e)})`);
    }
    if (o.mode !== "input") io.write(o.initial);
    return {
      read: () => io.read(),
      write: (level) => io.write(level),
      close: () => io.close(),
    };
  }
}
