import type { SimI2cDevice } from "./i2c";

/** Write cycle time of a 24C02 (ms, maximum). */
export const EEPROM_WRITE_MS = 5;

/**
 * A 24C02 I2C EEPROM (Microchip/Atmel AT24C02): 256 bytes, one address
 * byte, 8-byte pages. A write sets the address pointer, then stores the
 * bytes that follow within the page (wrapping inside it) and starts a 5 ms
 * write cycle during which the chip acknowledges nothing (acknowledge
 * polling). Reads start at the pointer and run on, wrapping at the end.
 * Starts erased (0xFF). A register device for readfromMem()/writetoMem().
 */
export class Eeprom24c02 implements SimI2cDevice {
  readonly address: number;
  readonly memory = new Uint8Array(256).fill(0xff);
  private pointer = 0;
  private busyUntil = -Infinity;

  constructor(options: { address?: number } = {}) {
    this.address = options.address ?? 0x50;
  }

  write(data: Uint8Array, now: number): number {
    if (now < this.busyUntil) return -1;
    if (data.length === 0) return 0;
    this.pointer = data[0];
    if (data.length > 1) {
      const page = this.pointer & ~7;
      let offset = this.pointer & 7;
      for (let i = 1; i < data.length; i++) {
        this.memory[page | offset] = data[i];
        offset = (offset + 1) & 7;
      }
      this.pointer = page | offset;
      this.busyUntil = now + EEPROM_WRITE_MS;
    }
    return data.length;
  }

  read(n: number, now: number): { data: Uint8Array } | null {
    if (now < this.busyUntil) return null;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.memory[this.pointer];
      this.pointer = (this.pointer + 1) & 0xff;
    }
    return { data: out };
  }
}
