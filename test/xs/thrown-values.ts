// Values user code may throw, none of which may break a report: shared by
// the Node tests and the XS entries (so it imports nothing).

/** [name, make] pairs; make() builds a fresh value each time. */
export function thrownValues(): [string, () => unknown][] {
  return [
    ["Object.create(null)", () => Object.create(null)],
    ["a Symbol", () => Symbol("boom")],
    [
      "an object whose toString, message and stack getters throw",
      () => ({
        toString() {
          throw new Error("toString");
        },
        get message(): string {
          throw new Error("message");
        },
        get stack(): string {
          throw new Error("stack");
        },
      }),
    ],
    [
      "an Error whose message and stack getters throw",
      () => {
        const e = new Error("x");
        // stack first: on V8 redefining it formats the stack, which reads message.
        Object.defineProperty(e, "stack", { get() { throw Object.create(null); } });
        Object.defineProperty(e, "message", { get() { throw Symbol("m"); } });
        return e;
      },
    ],
    [
      "a revoked Proxy",
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      "a Proxy whose every trap throws",
      () => {
        const fail = (): never => {
          throw new Error("trap");
        };
        return new Proxy({}, { get: fail, getPrototypeOf: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail });
      },
    ],
    ["a plain Error", () => new Error("handler failed")],
    ["undefined", () => undefined],
  ];
}

/** The same values as { name, value } records, made now. */
export function hostileValues(): { name: string; value: unknown }[] {
  return thrownValues().map(([name, make]) => ({ name, value: make() }));
}
