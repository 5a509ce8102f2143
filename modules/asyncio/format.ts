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

/** A report of a thrown value: the stack (or "Name: message") for errors, safeString otherwise. Never throws. */
export function formatError(e: unknown): string {
  let isError = false;
  try {
    isError = e instanceof Error;
  } catch {
    // A revoked Proxy throws on the prototype lookup.
  }
  if (!isError) return safeString(e);
  const name = nameOf(e as Error) ?? "Error";
  const message = messageOf(e as Error) ?? "";
  const stack = stackOf(e as Error);
  if (stack && stack.includes(message)) return stack;
  return `${name}: ${message}${stack ? "\n" + stack : ""}`;
}

/** A short description of a value for TypeError messages ("string \"x\"", "null", "Array", "number NaN"). Never throws. */
export function describe(v: unknown): string {
  try {
    if (typeof v === "string") return `string ${JSON.stringify(v)}`;
    if (v === null) return "null";
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
