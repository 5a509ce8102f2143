import { RuntimeError } from "../asyncio/errors";
import { HostSlot } from "../asyncio/hostslot";

/**
 * The small digital-IO port Pin sits on. One adapter per host lives in
 * hosts/<host>/ (ECMA-419 embedded:io/digital on devices, the Moddable
 * simulator, Node's simulated board) and is installed with setDigitalPort().
 */
export const RISING = 1;
export const FALLING = 2;

export interface LineOptions {
  pin: number;
  mode: "input" | "output" | "open-drain";
  pull: "none" | "up" | "down";
  /** RISING | FALLING bits to report through onEdge (inputs only). */
  edges: number;
  /** Called from the host's callback context with the level after the edge; never throws. */
  onEdge?: (level: 0 | 1) => void;
  /** Initial level of an output. */
  initial: 0 | 1;
}

export interface DigitalLine {
  read(): 0 | 1;
  write(level: 0 | 1): void;
  close(): void;
}

export interface DigitalPort {
  /** Names the host in error messages ("ECMA-419 embedded:io/digital", "simulated board", …). */
  readonly name: string;
  /** Highest pin number this host has. */
  readonly maxPin: number;
  /**
   * Opens a pin. When it can't, throws with a message starting "Pin(<n>): "
   * and naming the host: RangeError for what this host never allows (an
   * input-only pin as an output), RuntimeError for what it can't do now
   * (the pin is already open, no control left).
   */
  open(options: LineOptions): DigitalLine;
}

const slot = new HostSlot<DigitalPort>(Symbol.for("moddable-asyncio.machine"));

/** Installs the host's digital port; returns the previous one. */
export function setDigitalPort(port: DigitalPort | null): DigitalPort | null {
  return slot.set(port);
}

/**
 * Names the port to create on first use. Hosts call this when their module
 * loads; creating the port lazily keeps those modules preloadable (no native
 * call at build time).
 */
export function setDefaultDigitalPort(factory: () => DigitalPort): void {
  slot.setDefault(factory);
}

/** The installed digital port (made by the default factory on first use). @throws RuntimeError when there is none. */
export function getDigitalPort(): DigitalPort {
  return slot.get(() => new RuntimeError("machine: no digital IO port is installed (on Node use hosts/node/board; on Moddable include hosts/moddable/manifest.json)"));
}
