import { getEventLoop, getHost, newEventLoop, setHost, type Host, type Loop } from "../modules/asyncio";
import { VirtualHost } from "../hosts/virtual";
import { SimulatedBoard } from "../hosts/node/board";
import { setDigitalPort } from "../modules/machine/port";

/** Runs body on a fresh loop over a fresh virtual-time host, then restores the previous host. */
export async function onVirtualTime<R>(body: (host: VirtualHost, loop: Loop) => Promise<R>, options: { turnCost?: number } = {}): Promise<R> {
  const host = new VirtualHost(options);
  return withHost(host, (loop) => body(host, loop));
}

export async function withHost<R>(host: Host, body: (loop: Loop) => Promise<R>): Promise<R> {
  // A test that timed out may have left its loop running: stop it, or newEventLoop() refuses.
  const stale = getEventLoop();
  if (stale.isRunning()) stale.halt();
  const previous = getHost();
  setHost(host);
  const loop = newEventLoop();
  try {
    return await body(loop);
  } finally {
    setHost(previous);
    newEventLoop();
  }
}

/** Timer globals for GlobalTimersHost that count how many host timers are alive at once. */
export class CountingTimers {
  live = 0;
  maxLive = 0;
  private next = 1;
  private handles = new Map<number, ReturnType<typeof setTimeout>>();
  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.next++;
    this.live++;
    this.maxLive = Math.max(this.maxLive, this.live);
    this.handles.set(id, setTimeout(() => { this.handles.delete(id); this.live--; fn(); }, ms));
    return id;
  };
  clearTimeout = (id: unknown): void => {
    const h = this.handles.get(id as number);
    if (h !== undefined) { clearTimeout(h); this.handles.delete(id as number); this.live--; }
  };
  setImmediate = (fn: () => void): NodeJS.Immediate => setImmediate(fn);
  clearImmediate = (h: unknown): void => clearImmediate(h as NodeJS.Immediate);
  performance = performance;
}

/** Runs body on virtual time with a simulated board installed as the digital port (restored after). */
export async function onBoard(body: (host: VirtualHost, board: SimulatedBoard, loop: Loop) => Promise<void>): Promise<void> {
  await onVirtualTime(async (host, loop) => {
    const board = new SimulatedBoard(() => host.now());
    const previous = setDigitalPort(board);
    try {
      await body(host, board, loop);
    } finally {
      setDigitalPort(previous);
    }
  });
}

/**
 * An app for the long-run tests (test/board-feed, test/start): a PWM fade
 * (a change every 20 ms) and a blink (every 10 ms), for ever.
 */
export const FADE_AND_BLINK_APP = [
  'import asyncio from "asyncio";',
  'import { Pin, PWM } from "machine";',
  "const led = new Pin(14, Pin.OUT);",
  "const lamp = new PWM(2, { freq: 1000, dutyU16: 0 });",
  "async function fade() {",
  "  for (let i = 1; ; i++) {",
  "    lamp.dutyU16((i % 100) * 600);",
  "    await asyncio.sleepMs(20);",
  "  }",
  "}",
  "async function blink() {",
  "  while (true) {",
  "    led.toggle();",
  "    await asyncio.sleepMs(10);",
  "  }",
  "}",
  "asyncio.run(asyncio.gather([fade(), blink()]));",
  "",
].join("\n");
