import Digital from "embedded:io/digital";
import { RuntimeError } from "asyncio/errors";
import { thrownMessage } from "asyncio/format";
import { getEventLoop } from "asyncio/loop";
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
  // The driver's own "in use" error doesn't say whether we hold the pin: ours are tracked here.
  private readonly inUse = new Set<number>();

  constructor(maxPin = 48) {
    this.maxPin = maxPin;
  }

  open(o: LineOptions): DigitalLine {
    const pin = o.pin;
    if (this.inUse.has(pin)) throw new RuntimeError(`Pin(${pin}): the pin is already open on the ${this.name}`);
    const mode =
      o.mode === "output" ? Digital.Output
      : o.mode === "open-drain" ? Digital.OutputOpenDrain
      : o.pull === "up" ? Digital.InputPullUp
      : o.pull === "down" ? Digital.InputPullDown
      : Digital.Input;
    let closed = false;
    let io: Digital;
    try {
      if (o.mode === "input" && o.edges && o.onEdge) {
        const onEdge = o.onEdge;
        io = new Digital({
          pin,
          mode,
          edge: o.edges,
          onReadable(this: Digital) {
            // A host callback: on XS an exception escaping it aborts the VM.
            if (closed) return;
            let level: 0 | 1;
            try {
              level = this.read() ? 1 : 0;
            } catch (e) {
              getEventLoop().callExceptionHandler({ message: `Exception in Pin(${pin}) reading its level after an edge`, exception: e, future: null });
              return;
            }
            onEdge(level);
          },
        });
      } else io = new Digital({ pin, mode });
    } catch (e) {
      // The driver raises RangeError for a pin or mode the chip lacks; anything else means it can't have it now (in use).
      const message = `Pin(${pin}): the ${this.name} refused it (${thrownMessage(e)})`;
      throw e instanceof RangeError ? new RangeError(message) : new RuntimeError(message);
    }
    if (o.mode !== "input") {
      try {
        io.write(o.initial);
      } catch (e) {
        io.close();
        throw new RuntimeError(`Pin(${pin}): the ${this.name} refused the initial level ${o.initial} (${thrownMessage(e)})`);
      }
    }
    this.inUse.add(pin);
    return {
      read: () => io.read(),
      write: (level) => io.write(level),
      close: () => {
        if (closed) return;
        closed = true;
        this.inUse.delete(pin);
        io.close();
      },
    };
  }
}
