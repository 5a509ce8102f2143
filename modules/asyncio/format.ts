// Turning any thrown value into text for a report. User code may throw
// anything: Object.create(null), a Symbol, a revoked Proxy, an Error whose
// name/message/stack getters throw. On XS an exception escaping a host
// callback aborts the VM, so nothing here may throw, whatever it is given.

// Each property is read by its literal name: Moddable's linker (xsl, with
// "strip": "*") keeps a built-in such as Error.prototype.stack only when code
// names it; reading it through e[key] after it was stripped aborts the VM.
function nameOf(e: Error): string | undefined {
  try {
    const v = e.name;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
function messageOf(e: Error): string | undefined {
  try {
    const v = e.message;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
function stackOf(e: Error): string | undefined {
  try {
    const v = e.stack;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** String(v), or a description that cannot fail when String(v) throws. Never throws. */
export function safeString(v: unknown): string {
  try {
    return typeof v === "symbol" ? v.toString() : String(v);
  } catch {
    // Object.create(null), a throwing toString, a revoked Proxy.
  }
  try {
    return Object.prototype.toString.call(v);
  } catch {
    return "<unprintable value>";
  }
}

/**
 * What a driver or a socket layer threw, as text: its own `message` when that
 * is a string (an Error's, or a plain object's), else `otherwise` of the value
 * (safeString; describe where a message names the value's kind). Never
 * throws.
 */
export function thrownMessage(e: unknown, otherwise: (v: unknown) => string = safeString): string {
  return messageOf(e as Error) ?? otherwise(e);
}

/** A report of a thrown value: the stack (or "Name: message") for errors, safeString otherwise. Never throws. */
export function formatError(e: unknown): string {
  let isError = false;
  try {
    isError = e instanceof Error;
  } catch {
    // A revoked Proxy throws on the prototype lookup.
  }
  if (!isError) return describeThrown(e);
  const name = nameOf(e as Error) ?? "Error";
  const message = messageOf(e as Error) ?? "";
  const stack = stackOf(e as Error);
  if (stack && stack.includes(message)) return stack;
  return `${name}: ${message}${stack ? "\n" + stack : ""}`;
}

/**
 * A thrown value that is not an Error: its text when it has one of its own
 * ("oops", 42, a toString), else what it is and what it holds ("an object
 * with no prototype (not an Error): {"code":3}" for Object.create(null),
 * whose String() is "[object Object]", or throws). Never throws.
 */
function describeThrown(v: unknown): string {
  const text = safeString(v);
  if ((typeof v !== "object" && typeof v !== "function") || v === null || !/^\[object \w*\]$/.test(text)) return text;
  let what: string;
  try {
    what = Object.getPrototypeOf(v) === null ? "an object with no prototype" : `a thrown ${describe(v)}`;
  } catch {
    return text;
  }
  let json = "";
  try {
    const j = JSON.stringify(v);
    if (typeof j === "string") json = j.length > 200 ? `${j.slice(0, 200)}…` : j;
  } catch {
    // Cyclic, a throwing getter, a BigInt: what it is will do.
  }
  return `${what} (not an Error)${json ? `: ${json}` : ""}`;
}

/**
 * A short description of a value for TypeError messages ("string \"x\"",
 * "null", "undefined", "Array", "number NaN", "function blink"). Never throws.
 */
export function describe(v: unknown): string {
  try {
    if (typeof v === "string") return `string ${JSON.stringify(v)}`;
    if (v === null) return "null";
    if (v === undefined) return "undefined";
    // Its name, not its source text (String(f) is the whole function).
    if (typeof v === "function") return v.name && typeof v.name === "string" ? `function ${v.name}` : "function";
    if (typeof v === "object") {
      const c = (v as { constructor?: { name?: unknown } }).constructor;
      const n = c?.name;
      return typeof n === "string" && n ? n : "object";
    }
    return `${typeof v} ${safeString(v)}`;
  } catch {
    return typeof v === "object" ? "object" : typeof v;
  }
}
