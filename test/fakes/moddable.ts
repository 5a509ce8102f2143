import { getEventLoop, getHost, newEventLoop, setHost } from "asyncio";
// A stand-in for Moddable's "time" and "timer" modules, so that
// hosts/moddable/host.ts runs under Node on a virtual clock. Time.ticks is
// a signed 32-bit millisecond count, as on ESP32: it jumps from 2^31−1 to
// −2^31 and wraps every 2^32 ms.
//
// The Timer is a line-by-line model of the SDK's own code (Moddable SDK
// 8.2.3), so that what the host does to it behaves as on the real thing:
//   - the script layer, modules/base/timer/modTimer.c (Timer.set/repeat/
//     schedule/clear; a timer whose repeat is 0 after its callback is
//     forgotten by its script object);
//   - flavor "mc": modules/base/timer/mc/timer.c, the timer list of ESP32,
//     ESP8266 and Pico (modTimersExecute between message services);
//   - flavor "lin": modules/base/timer/lin/timer.c, the Linux simulator's
//     timers on GLib timeout sources (modTimerExecuteOne), with the GLib
//     main loop's dispatch: sources ready at the same time run in priority
//     order, then attach order; a source returning G_SOURCE_CONTINUE runs
//     again after its interval (at once for 0 ms).
// Promise jobs run in full between two dispatches (between two
// modTimersExecute passes, between two GLib iterations).
import Module = require("module");
import * as path from "path";

export type TimerFlavor = "mc" | "lin";

type NativeCallback = (timer: NativeTimer) => void;

/** What the script holds (the host object): its native timer, null once cleared or forgotten. */
export class FakeTimer {
  constructor(public native: NativeTimer | null) {}
}

interface ScriptRefcon {
  callback: ((t: FakeTimer) => void) | null;
  self: FakeTimer;
}

interface NativeTimer {
  cb: NativeCallback | null;
  refcon: ScriptRefcon;
  useCount: number;
  freed: boolean;
  // mc/timer.c
  triggerTime: number;
  repeatInterval: number;
  fire: boolean;
  unscheduled: boolean;
  // lin/timer.c
  gTimer: number;
  id: number;
  first: number;
  interval: number;
}

interface GSource {
  id: number;
  interval: number;
  expiration: number;
  priority: number;
  dispatch: () => boolean;
  destroyed: boolean;
}

const G_PRIORITY_HIGH = -100;
const G_PRIORITY_DEFAULT = 0;
const G_SOURCE_REMOVE = false;
const G_SOURCE_CONTINUE = true;
/** Dispatches at one virtual instant beyond which the fake calls it a spin. */
const SPIN_LIMIT = 100_000;

export class FakeModdable {
  /** Virtual ms since the fake started. */
  time = 0;
  /** Added to `time` before it is truncated to int32 for Time.ticks. */
  readonly offset: number;
  readonly flavor: TimerFlavor;
  /** Script timer callbacks run so far. */
  fired = 0;
  /** Timers added at G_PRIORITY_HIGH (lin: a 0/0 timer), which run ahead of promise jobs. */
  highPriorityTimers = 0;

  // mc/timer.c: gTimers
  private timers: NativeTimer[] = [];
  // lin/timer.c: gTimers and the GLib main context's sources
  private sources: GSource[] = [];
  private nextSourceId = 1;
  private gTimerID = 1;

  constructor(offset = 0, flavor: TimerFlavor = "mc") {
    this.offset = offset;
    this.flavor = flavor;
  }

  get ticks(): number {
    return (this.time + this.offset) | 0;
  }

  /** How many timers will fire if time goes on: mc, scheduled timers; lin, live GLib sources (tracked or not). */
  pending(): number {
    if (this.flavor === "mc") return this.timers.filter((t) => !t.unscheduled).length;
    return this.sources.length;
  }

  /** As if the app had made n timers before (lin: the 16-bit timer id moves on). */
  timersMadeBefore(n: number): void {
    this.gTimerID = ((this.gTimerID + n) << 16) >> 16;
  }

  /** How many scheduled timers (mc) or GLib sources (lin) come due within `ms` from now. */
  dueWithin(ms: number): number {
    if (this.flavor === "mc") return this.timers.filter((t) => !t.unscheduled && t.triggerTime - this.time <= ms).length;
    return this.sources.filter((s) => s.expiration - this.time <= ms).length;
  }

  /** Timer records the SDK still holds (cleared timers are freed after their callback returns). */
  allocated(): number {
    return this.timers.length;
  }

  // ---- modTimer.c: the script API ----------------------------------------

  readonly Timer = {
    set: (callback: (t: FakeTimer) => void, interval = 0, repeat = 0): FakeTimer => this.createTimer(callback, interval, repeat),
    repeat: (callback: (t: FakeTimer) => void, interval: number): FakeTimer => this.createTimer(callback, interval, interval),
    schedule: (t: FakeTimer, interval?: number, repeat?: number): void => {
      const timer = t?.native;
      if (!timer) throw new Error("Timer.schedule: not a live timer (xsmcGetHostDataValidate)");
      if (interval === undefined) this.unschedule(timer);
      else this.reschedule(timer, Math.trunc(interval), Math.trunc(repeat ?? 0));
    },
    clear: (t: FakeTimer | null | undefined): void => {
      const timer = t?.native;
      if (!timer) return;
      timer.refcon.callback = null;
      this.remove(timer);
      t!.native = null;
    },
    delay: (_ms: number): void => {},
  };

  private createTimer(callback: (t: FakeTimer) => void, interval: number, repeat: number): FakeTimer {
    const self = new FakeTimer(null);
    const refcon: ScriptRefcon = { callback, self };
    self.native = this.add(Math.trunc(interval), Math.trunc(repeat), (timer) => this.scriptCallback(timer), refcon);
    return self;
  }

  /** xs_timer_callback */
  private scriptCallback(timer: NativeTimer): void {
    const ts = timer.refcon;
    this.fired++;
    ts.callback!(ts.self);
    if (ts.callback && this.secondInterval(timer) === 0) ts.self.native = null;
  }

  private newRecord(cb: NativeCallback, refcon: ScriptRefcon): NativeTimer {
    return { cb, refcon, useCount: 1, freed: false, triggerTime: 0, repeatInterval: 0, fire: false, unscheduled: false, gTimer: 0, id: 0, first: 0, interval: 0 };
  }

  private add(first: number, second: number, cb: NativeCallback, refcon: ScriptRefcon): NativeTimer {
    const timer = this.newRecord(cb, refcon);
    if (this.flavor === "mc") {
      timer.triggerTime = this.time + first;
      timer.repeatInterval = second;
    } else {
      // txS2: the id wraps, and the timer whose id is 0 never fires (modTimerExecuteOne drops it).
      timer.id = this.gTimerID = ((this.gTimerID + 1) << 16) >> 16;
      timer.first = first;
      timer.interval = second;
      timer.gTimer = this.timeoutAdd(first, first === 0 && second === 0 ? G_PRIORITY_HIGH : G_PRIORITY_DEFAULT, timer);
    }
    this.timers.push(timer);
    return timer;
  }

  private reschedule(timer: NativeTimer, first: number, second: number): void {
    if (this.flavor === "mc") {
      timer.triggerTime = this.time + first;
      timer.repeatInterval = second;
      timer.unscheduled = false;
      return;
    }
    if (timer.gTimer) this.sourceRemove(timer.gTimer);
    timer.first = first;
    timer.interval = second;
    timer.gTimer = this.timeoutAdd(first, first === 0 && second === 0 ? G_PRIORITY_HIGH : G_PRIORITY_DEFAULT, timer);
  }

  private unschedule(timer: NativeTimer): void {
    if (this.flavor === "mc") {
      timer.unscheduled = true;
      timer.fire = false;
      timer.repeatInterval = -1;
      return;
    }
    if (!timer.id) return;
    if (timer.gTimer) this.sourceRemove(timer.gTimer);
    timer.gTimer = 0;
  }

  private secondInterval(timer: NativeTimer): number {
    if (this.flavor === "mc") return timer.repeatInterval;
    return timer.gTimer ? timer.interval : -1;
  }

  private remove(timer: NativeTimer): void {
    if (this.flavor === "lin" && timer.gTimer) {
      this.sourceRemove(timer.gTimer);
      timer.gTimer = 0;
    }
    const i = this.timers.indexOf(timer);
    if (i < 0) return;
    if (this.flavor === "mc") {
      timer.unscheduled = true;
      timer.fire = false;
    } else {
      timer.id = 0;
      timer.cb = null;
    }
    if (--timer.useCount <= 0) {
      this.timers.splice(i, 1);
      timer.freed = true;
    }
  }

  // ---- mc/timer.c --------------------------------------------------------

  private timersExecute(): void {
    const now = this.time;
    for (const w of this.timers) if (!w.unscheduled && !w.fire && w.triggerTime - now <= 0) w.fire = true;
    for (let i = 0; i < this.timers.length; ) {
      const w = this.timers[i];
      if (!w.fire) {
        i++;
        continue;
      }
      w.fire = false;
      w.triggerTime += w.repeatInterval;
      w.useCount++;
      w.cb!(w);
      w.useCount--;
      if (w.useCount <= 0 || w.repeatInterval === 0) {
        this.remove(w);
        i = 0;
        continue;
      }
      i++;
    }
  }

  private timersNext(): number | null {
    let next: number | null = null;
    for (const w of this.timers) if (!w.unscheduled && (next === null || w.triggerTime < next)) next = w.triggerTime;
    return next;
  }

  // ---- lin/timer.c on GLib -----------------------------------------------

  private executeOne(timer: NativeTimer): boolean {
    if (timer.freed) throw new Error("lin/timer.c: a GLib source fired for a timer that was freed (use after free)");
    if (timer.id === 0) {
      this.remove(timer);
      return G_SOURCE_REMOVE;
    }
    timer.useCount++;
    timer.cb!(timer);
    timer.useCount--;
    if (timer.useCount <= 0 || timer.interval === 0) {
      this.remove(timer);
      return G_SOURCE_REMOVE;
    }
    if (timer.interval) {
      if (timer.first !== timer.interval) {
        timer.gTimer = this.timeoutAdd(timer.interval, G_PRIORITY_DEFAULT, timer);
        timer.first = timer.interval;
        return G_SOURCE_REMOVE;
      }
      return G_SOURCE_CONTINUE;
    }
    timer.gTimer = 0;
    return G_SOURCE_REMOVE;
  }

  private timeoutAdd(interval: number, priority: number, timer: NativeTimer): number {
    if (priority === G_PRIORITY_HIGH) this.highPriorityTimers++;
    const source: GSource = { id: this.nextSourceId++, interval, expiration: this.time + interval, priority, dispatch: () => this.executeOne(timer), destroyed: false };
    // Attach order within a priority; higher priorities (lower numbers) first.
    let at = this.sources.length;
    while (at > 0 && this.sources[at - 1].priority > priority) at--;
    this.sources.splice(at, 0, source);
    return source.id;
  }

  private sourceRemove(id: number): void {
    const i = this.sources.findIndex((s) => s.id === id);
    if (i < 0) throw new Error(`g_source_remove: Source ID ${id} was not found`);
    this.sources[i].destroyed = true;
    this.sources.splice(i, 1);
  }

  /** One GLib main-loop iteration: every ready source of the highest ready priority, in order. */
  private glibIterate(): void {
    const ready = this.sources.filter((s) => s.expiration <= this.time);
    if (ready.length === 0) return;
    const top = Math.min(...ready.map((s) => s.priority));
    for (const s of ready) {
      if (s.priority !== top || s.destroyed) continue;
      const again = s.dispatch();
      if (s.destroyed) continue;
      if (again) s.expiration = this.time + s.interval;
      else {
        s.destroyed = true;
        this.sources.splice(this.sources.indexOf(s), 1);
      }
    }
  }

  // ---- the main loop -----------------------------------------------------

  private nextDue(): number | null {
    if (this.flavor === "mc") return this.timersNext();
    let next: number | null = null;
    for (const s of this.sources) if (next === null || s.expiration < next) next = s.expiration;
    return next;
  }

  /**
   * Runs the device's main loop until virtual time reaches `until`: fires due
   * timers, lets promise jobs run between passes. Throws if timers keep firing
   * without time passing (the spin the SDK's lin timer falls into when a timer
   * is rescheduled from its own callback).
   */
  async runUntil(until: number): Promise<void> {
    let spins = 0;
    let at = this.time;
    for (;;) {
      const due = this.nextDue();
      if (due === null || due > until) {
        this.time = Math.max(this.time, until);
        return;
      }
      if (due > this.time) this.time = due;
      if (this.time !== at) {
        at = this.time;
        spins = 0;
      } else if (++spins > SPIN_LIMIT) {
        throw new Error(`the ${this.flavor} timers spin: ${SPIN_LIMIT} passes at t=${this.time} ms without time passing (${this.pending()} pending)`);
      }
      if (this.flavor === "mc") this.timersExecute();
      else this.glibIterate();
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

/**
 * Runs body with hosts/moddable/host.ts installed as the loop's host, on a
 * fresh fake (Time.ticks starting at `offset`, the SDK's `flavor` timers);
 * the previous host and a fresh loop come back afterwards.
 */
export async function onFakeModdable<R>(flavor: TimerFlavor, offset: number, body: (fake: FakeModdable) => Promise<R>): Promise<R> {
  const fake = new FakeModdable(offset, flavor);
  installFakeModdable(fake);
  // Loaded at run time: it is typechecked against Moddable's typings (tsconfig.moddable.json), not Node's.
  const { ModdableHost } = require("../../hosts/moddable/host") as { ModdableHost: new () => import("asyncio").Host };
  const previous = getHost();
  setHost(new ModdableHost());
  newEventLoop();
  try {
    return await body(fake);
  } finally {
    getEventLoop().halt();
    setHost(previous);
    newEventLoop();
  }
}
