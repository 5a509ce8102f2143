import { isInstance } from "../asyncio/errors";
import { describe, thrownMessage } from "../asyncio/format";

/**
 * What the peripherals' checks share. An argument may be anything, even a
 * Proxy whose traps throw or an object whose getters do: reading it must end
 * in the typed error naming the call that the README promises, not in
 * whatever the getter threw. @internal
 */

/** The error's message, or the value described; never throws. */
export function messageOf(e: unknown): string {
  return thrownMessage(e, describe);
}

export { readOptions } from "../asyncio/validate";

/** obj[key], or `fallback` when reading it throws (a Proxy's trap, a getter). */
export function peek(obj: unknown, key: string, fallback?: unknown): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return fallback;
  }
}

/** v is a Uint8Array: false for a Proxy, even of one (the port could not copy from it), and for one whose traps throw. */
export function isBytes(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && isInstance(v, Uint8Array);
}
