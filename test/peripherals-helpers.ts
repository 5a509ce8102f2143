// Virtual time, the simulated board and its peripherals (I2C bus with an
// SHT3x and a 24C02, a GPS on UART2's pins) for the I2C and UART tests.
import { Stream, type Loop } from "../modules/asyncio";
import { SIM_WIRING, type SimPeripherals } from "../modules/machine/sim/peripherals";
import { UartPeer } from "../modules/machine/sim/uart";
import { UART, type UartInit } from "../modules/machine/uart";
import type { SimulatedBoard } from "../hosts/node/board";
import type { VirtualHost } from "../hosts/virtual";
import { onBoard } from "./helpers";

export interface Rig {
  host: VirtualHost;
  board: SimulatedBoard;
  loop: Loop;
  p: SimPeripherals;
}

/** Runs body as the main task of a fresh loop on virtual time, with the board's peripherals installed (restored after). */
export async function onPeripherals(body: (rig: Rig) => Promise<void>): Promise<void> {
  await onBoard(async (host, board, loop) => {
    const p = board.peripherals;
    const restore = p.install();
    try {
      await loop.runUntilComplete(() => body({ host, board, loop, p }));
    } finally {
      restore();
    }
  });
}

export async function expectReject(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

export function expectThrow(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an exception");
}

export const latin1 = (b: Uint8Array | null): string => (b === null ? "<null>" : Buffer.from(b).toString("latin1"));

/**
 * A Stream over UART2 of the simulated board at 115 200 baud, whose other
 * end is a scripted device (the GPS unplugged); rxbuf 16 KiB unless given.
 */
export async function onUartStream(body: (s: Stream, dev: UartPeer, uart: UART, rig: Rig) => Promise<void>, init: UartInit = {}): Promise<void> {
  await onPeripherals(async (rig) => {
    rig.p.serial.disconnect(rig.p.gps);
    const dev = rig.p.serial.connect(new UartPeer({ baudrate: init.baudrate ?? 115200 }), SIM_WIRING.gps);
    const uart = new UART(2, { baudrate: 115200, tx: SIM_WIRING.gps.tx, rx: SIM_WIRING.gps.rx, rxbuf: 16384, ...init });
    await body(new Stream(uart), dev, uart, rig);
  });
}

/** Whether the stream has paused its transport (16 KiB unread). */
export function transportPaused(s: Stream): boolean {
  return (s as unknown as { sock: { paused?: boolean } | null }).sock?.paused === true;
}
