// machine.I2C over ECMA-419 embedded:io/i2c (ESP32, ESP8266, Pico).
//
// ECMA-419's I2C is one object per device (address) and synchronous: each
// call runs the transaction and returns (the loop waits for the bus). So
// I2C's awaitable forms run at once here and settle at the next turn
// (Moddable's ESP32 build has an experimental I2C.Async, but it can't share
// an address with the synchronous class, so it is not used). The drivers
// report a NACK as a plain Error ("read failed"): a probe (an empty write,
// which reports 1 when the address is not acknowledged) then tells ENODEV
// (nobody answers at that address) from EIO (the device answered, then
// refused a byte, or the bus failed).
import I2C from "embedded:io/i2c";
import { RuntimeError } from "asyncio/errors";
import { thrownMessage } from "asyncio/format";
import { OSError } from "asyncio/netport";
import type { I2cBus, I2cBusOptions, I2cPort } from "machine/i2cport";

/** What a device object offers beyond @moddable/typings' I2C (close, and the SDK's writeRead extension). */
interface Device {
  read(count: number, stop?: boolean): ArrayBuffer;
  write(buffer: Uint8Array, stop?: boolean): number | undefined;
  writeRead?(buffer: Uint8Array, count: number): ArrayBuffer;
  close(): void;
}
type DeviceClass = new (options: { data: number; clock: number; hz: number; address: number; port?: number }) => Device;

const EMPTY = new Uint8Array(0);

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

export interface I2cProfile {
  /** Highest controller id (ESP32 and Pico: 1; ESP8266, a software bus: 0). */
  maxId: number;
  maxPin: number;
  /** Whether `port` selects the controller (not on ESP8266). */
  hasPort: boolean;
}

class Ecma419I2cBus implements I2cBus {
  private readonly devices = new Map<number, Device>();
  private closed = false;

  constructor(private readonly port: Ecma419I2cPort, private readonly o: I2cBusOptions, anchor: Device) {
    this.devices.set(0, anchor);
  }

  transfer(addr: number, write: Uint8Array | null, read: number): Uint8Array {
    if (this.closed) throw new RuntimeError(`the bus is closed on the ${this.port.name}`);
    const w = write ?? EMPTY;
    if (w.length === 0 && read === 0) {
      if (!this.probe(addr)) throw this.nack(addr);
      return EMPTY;
    }
    const d = this.device(addr);
    try {
      if (w.length > 0 && read > 0) {
        if (d.writeRead) return new Uint8Array(d.writeRead(w, read));
        d.write(w, false);
        return new Uint8Array(d.read(read));
      }
      if (read > 0) return new Uint8Array(d.read(read));
      d.write(w);
      return EMPTY;
    } catch (e) {
      // Which NACK: the address, or a byte after it?
      const answered = this.probe(addr);
      throw answered ? new OSError(`device ${hex(addr)} refused the transfer (${thrownMessage(e)}) on the ${this.port.name}`, "EIO") : this.nack(addr);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.devices.values()) {
      try {
        d.close();
      } catch {
        // already closed
      }
    }
    this.devices.clear();
    this.port.release(this.o.id);
  }

  private nack(addr: number): OSError {
    return new OSError(`no device acknowledged address ${hex(addr)} on the I2C bus scl=${this.o.scl} sda=${this.o.sda} (${this.port.name})`, "ENODEV");
  }
  /** The address alone: does anyone answer? A device object is made for it and closed again unless it is in use. */
  private probe(addr: number): boolean {
    const kept = this.devices.get(addr);
    let d: Device;
    try {
      d = kept ?? this.port.make(this.o, addr);
    } catch {
      return false;
    }
    try {
      return d.write(EMPTY) !== 1;
    } catch {
      return false;
    } finally {
      if (!kept) d.close();
    }
  }
  private device(addr: number): Device {
    let d = this.devices.get(addr);
    if (!d) {
      d = this.port.make(this.o, addr);
      this.devices.set(addr, d);
    }
    return d;
  }
}

export class Ecma419I2cPort implements I2cPort {
  readonly name = "ECMA-419 embedded:io/i2c";
  readonly maxId: number;
  readonly maxPin: number;
  private readonly open_ = new Set<number>();

  constructor(private readonly profile: I2cProfile) {
    this.maxId = profile.maxId;
    this.maxPin = profile.maxPin;
  }

  open(o: I2cBusOptions): I2cBus {
    if (this.open_.has(o.id)) throw new RuntimeError(`I2C(${o.id}): the controller is already open on the ${this.name}`);
    // The general call address holds the pins and checks them and the clock now, as MicroPython's constructor does; it sends nothing.
    let anchor: Device;
    try {
      anchor = this.make(o, 0);
    } catch (e) {
      const m = thrownMessage(e);
      const text = `I2C(${o.id}): the ${this.name} refused scl=${o.scl} sda=${o.sda} freq=${o.freq} (${m})`;
      throw /inUse|in use|duplicate/i.test(m) ? new RuntimeError(text) : e instanceof RangeError ? new RangeError(text) : new RuntimeError(text);
    }
    this.open_.add(o.id);
    return new Ecma419I2cBus(this, o, anchor);
  }

  /** @internal */
  make(o: I2cBusOptions, address: number): Device {
    const options: { data: number; clock: number; hz: number; address: number; port?: number } = { data: o.sda, clock: o.scl, hz: o.freq, address };
    if (this.profile.hasPort) options.port = o.id;
    return new (I2C as unknown as DeviceClass)(options);
  }
  /** @internal */
  release(id: number): void {
    this.open_.delete(id);
  }
}
