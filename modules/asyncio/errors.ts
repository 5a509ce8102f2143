// `name` is defined on each prototype rather than assigned in the
// constructor: once Moddable freezes Error.prototype (after preload),
// assigning an inherited read-only property throws.
export function named(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false });
}

/** Raised inside a task at its pending await when the task is cancelled. */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
  }
}
named(CancelledError, "CancelledError");

/** The message of the cancel(msg) being delivered, for what it cancels in turn (CPython passes msg on). */
let cancelMessage: string | undefined;
/** @internal Sets the message of the cancel in progress; returns the one before, to put back. */
export function swapCancelMessage(msg: string | undefined): string | undefined {
  const before = cancelMessage;
  cancelMessage = msg;
  return before;
}
/** @internal The message of the cancel in progress (undefined: none). */
export function currentCancelMessage(): string | undefined {
  return cancelMessage;
}
/** @internal The CancelledError a cancel delivers: with its message, if it has one. */
export function cancelledError(msg: string | undefined): CancelledError {
  return msg === undefined ? new CancelledError() : new CancelledError(msg);
}

/** Raised by waitFor() when its timeout expires. */
export class TimeoutError extends Error {
  constructor(message = "timed out") {
    super(message);
  }
}
named(TimeoutError, "TimeoutError");

/** Misuse of the loop or a primitive (MicroPython raises RuntimeError for these). */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
  }
}
named(RuntimeError, "RuntimeError");

/**
 * An operation a Future or Task does not allow in its current state:
 * result()/exception() before it is done, setResult()/setException() once it
 * is (CPython 3.13's asyncio.InvalidStateError). A RuntimeError here: the
 * library's error for misuse of an object in its current state.
 */
export class InvalidStateError extends RuntimeError {
  constructor(message = "invalid state") {
    super(message);
  }
}
named(InvalidStateError, "InvalidStateError");

/**
 * `v instanceof cls`, or false when the check itself throws (a revoked
 * Proxy, a Proxy whose getPrototypeOf trap throws). Any value may be thrown
 * at the library, and none may make it throw in turn.
 */
export function isInstance(v: unknown, cls: abstract new (...args: any[]) => unknown): boolean {
  try {
    return v instanceof cls;
  } catch {
    return false;
  }
}

/** The value is a CancelledError; false for anything else, whatever it is. */
export function isCancelledError(v: unknown): boolean {
  return isInstance(v, CancelledError);
}
