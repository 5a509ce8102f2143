import { safeString } from "asyncio";
/** A conformance scenario: prints lines, compared whole with `expected`. Runs on Node and inside XS. */
export type Print = (...parts: unknown[]) => void;

export interface Scenario {
  name: string;
  /** Also run on real time (its output must not depend on timing). */
  smoke?: boolean;
  expected: string[];
  /** Virtual ms per host turn, for scenarios with busy tasks (see VirtualHost). */
  turnCost?: number;
  run(print: Print): Promise<void>;
}

export function repr(v: unknown, nested = false): string {
  if (typeof v === "string") return nested ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return `[${v.map((x) => repr(x, true)).join(", ")}]`;
  let isError = false;
  try {
    isError = v instanceof Error;
  } catch {
    // A revoked Proxy.
  }
  if (isError) {
    const e = v as Error;
    return `${e.name}(${e.message && e.message !== "cancelled" && e.message !== "timed out" ? e.message : ""})`;
  }
  return safeString(v);
}

export function makePrint(lines: string[]): Print {
  return (...parts) => {
    lines.push(parts.map((p) => repr(p)).join(" "));
  };
}

/** Python's ValueError, for the ported scenarios. `name` is an own property: Moddable freezes Error.prototype. */
export class ValueError extends Error {
  constructor(message = "") {
    super(message);
    Object.defineProperty(this, "name", { value: "ValueError" });
  }
}

/**
 * A report's message with the callback's name taken out: Moddable's stripped
 * builds (manifest_base's "strip": "*") give functions made at run time no
 * `name`, so the same report says "(anonymous)()" there (the unit tests check
 * the names on Node).
 */
export function unnamed(message: unknown): string {
  return String(message).replace(/[\w$]+\(\)|\(anonymous\)\(\)/, "<fn>()");
}
