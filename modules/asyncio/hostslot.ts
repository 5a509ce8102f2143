/**
 * A service a host provides (the digital-IO port, the network port): one
 * current value, or a factory that makes it on first use. The value lives
 * on the global object, made at run time; the factory is kept here because
 * hosts register it while their module loads, possibly during Moddable's
 * preload, when no native call (and so no port) may be made.
 */
export class HostSlot<T> {
  private factory: (() => T) | null = null;
  constructor(private readonly key: symbol) {}

  /** Installs a value now; returns the previous one. */
  set(value: T | null): T | null {
    const state = this.state();
    const previous = state.value;
    state.value = value;
    return previous;
  }
  /** Names the factory used when nothing is installed. */
  setDefault(factory: (() => T) | null): void {
    this.factory = factory;
  }
  /** The installed value, made by the factory if need be; `missing()` is thrown when there is neither. */
  get(missing: () => Error): T {
    const state = this.state();
    let value = state.value;
    if (value === null && this.factory) value = state.value = this.factory();
    if (value === null) throw missing();
    return value;
  }

  private state(): { value: T | null } {
    const g = globalThis as unknown as Record<symbol, { value: T | null } | undefined>;
    return g[this.key] ?? (g[this.key] = { value: null });
  }
}
