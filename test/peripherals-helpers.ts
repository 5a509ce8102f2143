// Virtual time, the simulated board and its peripherals (I2C bus with an
// SHT3x and a 24C02, a GPS on UART2's pins) for the I2C and UART tests.
import type { Loop } from "../modules/asyncio";
import { simulatedPeripherals, type SimPeripherals } from "../modules/machine/sim/peripherals";
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
    const p = simulatedPeripherals({ clock: () => host.now(), claim: (pin, owner) => board.claim(pin, owner) });
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
