// A stand-in for Moddable's "time" and "timer" modules, so that
// hosts/moddable/host.ts runs under Node on a virtual clock. Time.ticks is
// a signed 32-bit millisecond count, as on ESP32: it jumps from 2^31−1 to
// −2^31 and wraps every 2^32 ms.
import Module = require("module");
import * as path from "path";

interface FakeTimer {
  id: number;
  cb: () => void;
  due: number | null;
  repeat: number;
}

export class FakeModdable {
  /** Virtual ms since the fake started. */
  time = 0;
  /** Added to `time` before it is truncated to int32 for Time.ticks. */
  readonly offset: number;
  private timers = new Map<number, FakeTimer>();
  private next = 1;
  fired = 0;

  constructor(offset = 0) {
    this.offset = offset;
  }

  get ticks(): number {
    return (this.time + this.offset) | 0;
  }

  readonly Timer = {
    repeat: (cb: () => void, interval: number): FakeTimer => this.add(cb, interval, interval),
    set: (cb: () => void, delay = 0, repeat = 0): FakeTimer => this.add(cb, delay, repeat),
    schedule: (t: FakeTimer, delay?: number, repeat?: number): void => {
      if (delay === undefined) t.due = null;
      else {
        t.due = this.time + delay;
        t.repeat = repeat ?? 0;
      }
    },
    clear: (t: FakeTimer): void => {
      this.timers.delete(t.id);
    },
  };

  private add(cb: () => void, delay: number, repeat: number): FakeTimer {
    const t = { id: this.next++, cb, due: this.time + delay, repeat };
    this.timers.set(t.id, t);
    return t;
  }

  /** Fires due timers in order until virtual time reaches `until`, letting promise jobs run between fires. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      let first: FakeTimer | null = null;
      for (const t of this.timers.values()) if (t.due !== null && (first === null || t.due < first.due!)) first = t;
      if (first === null || first.due! > until) {
        this.time = until;
        return;
      }
      if (first.due! > this.time) this.time = first.due!;
      if (first.repeat > 0) first.due = this.time + first.repeat;
      else this.timers.delete(first.id);
      this.fired++;
      first.cb();
      await new Promise((r) => setImmediate(r));
    }
  }
}

let current: FakeModdable | null = null;

/** Makes `import Time from "time"` / `import Timer from "timer"` resolve to this fake, and asyncio/* to the sources. */
export function installFakeModdable(fake: FakeModdable): void {
  current = fake;
}

const root = path.resolve(__dirname, "..", "..");
const timeModule = path.join(__dirname, "moddable-time.ts");
const timerModule = path.join(__dirname, "moddable-timer.ts");
type Resolve = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve };
const original = M._resolveFilename;
M._resolveFilename = function (this: unknown, request, ...rest) {
  if (request === "time") return timeModule;
  if (request === "timer") return timerModule;
  if (request.startsWith("asyncio/")) return original.call(this, path.join(root, "modules", "asyncio", request.slice(8)), ...rest);
  return original.call(this, request, ...rest);
};

export function fake(): FakeModdable {
  if (current === null) throw new Error("installFakeModdable() first");
  return current;
}
