import { formatError, safeString } from "./format";
import { getHost } from "./loop";

/**
 * MicroPython's print(): the values, each as text, separated by spaces, as
 * one line of the program's output. The host decides where the line goes:
 * trace() on Moddable (xsbug, the simulator's console, the serial port), the
 * board view under `npm start`, standard output on Node, the output of
 * xsnap. Never throws, whatever it is given.
 *
 * Text of a value: a string as it is; an Error as "Name: message"; an array
 * or a plain object (one without a prototype too) as JSON (as MicroPython shows lists and dicts, close
 * enough); anything else as String() gives it (or a description when that
 * throws).
 */
export function print(...values: unknown[]): void {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += " ";
    line += text(values[i]);
  }
  try {
    const host = getHost();
    if (host.print) host.print(line);
    else host.report(line);
  } catch {
    // A host whose output fails has nowhere left to print to.
  }
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || typeof v !== "object") return safeString(v);
  try {
    if (v instanceof Error) return formatError(v).split("\n")[0];
    const proto = Object.getPrototypeOf(v);
    // An object without a prototype (Object.create(null)) is a plain one too: "{}", not "[object Object]".
    if (Array.isArray(v) || proto === Object.prototype || proto === null) {
      const json = JSON.stringify(v);
      if (typeof json === "string") return json;
    }
  } catch {
    // A cycle, a throwing getter, a revoked Proxy: fall back below.
  }
  return safeString(v);
}
