import type { Loop } from "../../modules/asyncio";

// What the app's worker tells its parent without a message, through shared
// memory, so that the parent can read it while the worker is stuck (a
// message needs the worker's event loop, which a task that never yields
// holds): a heartbeat, and what ran last.
//
// Int32 slots: 0 heartbeat, 1 seq (odd while the name is being written),
// 2 kind, 3 name length; Float64 at byte 16: when the step started (the
// app's ms); UTF-16 name from byte 24.
const HEARTBEAT = 0;
const SEQ = 1;
const KIND = 2;
const LENGTH = 3;
const NAME_CHARS = 240;
const BYTES = 24 + NAME_CHARS * 2;

const NOTHING = 0;
const TASK = 1;
/** Not a task: the app's top-level code, an interrupt handler (the name says which). */
const CONTEXT = 2;

export interface StepReading {
  /** The running task's name ("" for an unnamed one); null when no task was running. */
  task: string | null;
  /** When no task was running, what was: "the app's top-level code", "the GPIO0 interrupt handler". */
  context: string | null;
  /** When its step (or the context) started, in the app's ms. */
  since: number;
}

export function createStepMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(BYTES);
}

/** The worker's side. */
export class StepWriter {
  private readonly ints: Int32Array;
  private readonly time: Float64Array;
  private readonly chars: Uint16Array;
  private last: unknown = undefined;

  constructor(memory: SharedArrayBuffer, private readonly now: () => number) {
    this.ints = new Int32Array(memory, 0, 4);
    this.time = new Float64Array(memory, 16, 1);
    this.chars = new Uint16Array(memory, 24, NAME_CHARS);
  }

  /** The worker's event loop is free: called from an interval, which cannot run while a task holds the thread. */
  beat(): void {
    Atomics.add(this.ints, HEARTBEAT, 1);
  }

  /** A step starts with `current` as its task (null: none). */
  step(task: { readonly name: string } | null): void {
    this.time[0] = this.now();
    if (task === this.last) return;
    this.last = task;
    if (task === null) this.write(NOTHING, "");
    else this.write(TASK, safeName(task));
  }

  /** Code outside any task starts running (until the next step()). */
  context(what: string): void {
    this.time[0] = this.now();
    this.last = undefined;
    this.write(CONTEXT, what);
  }

  /**
   * Records each step of the loop: its `current` becomes an accessor that
   * notes the task as the loop sets it at the start of every step (the loop
   * has no hook for this; see the runner's README notes). Returns false when
   * `current` is not a plain data property (the loop changed): the
   * heartbeat still works, the task name is then unknown.
   */
  watch(loop: Loop): boolean {
    const d = Object.getOwnPropertyDescriptor(loop, "current");
    if (!d || !("value" in d) || !d.configurable) return false;
    let current = d.value as Loop["current"];
    Object.defineProperty(loop, "current", {
      configurable: true,
      enumerable: d.enumerable,
      get: () => current,
      set: (task: Loop["current"]) => {
        current = task;
        this.step(task);
      },
    });
    this.step(current);
    return true;
  }

  private write(kind: number, name: string): void {
    const n = Math.min(name.length, NAME_CHARS);
    Atomics.add(this.ints, SEQ, 1);
    for (let i = 0; i < n; i++) this.chars[i] = name.charCodeAt(i);
    this.ints[KIND] = kind;
    this.ints[LENGTH] = n;
    Atomics.add(this.ints, SEQ, 1);
  }
}

/** The parent's side. */
export class StepReader {
  private readonly ints: Int32Array;
  private readonly time: Float64Array;
  private readonly chars: Uint16Array;

  constructor(memory: SharedArrayBuffer) {
    this.ints = new Int32Array(memory, 0, 4);
    this.time = new Float64Array(memory, 16, 1);
    this.chars = new Uint16Array(memory, 24, NAME_CHARS);
  }

  heartbeat(): number {
    return Atomics.load(this.ints, HEARTBEAT);
  }

  read(): StepReading {
    // A few tries: the worker may be writing a name right now (it is not stuck, then).
    for (let attempt = 0; ; attempt++) {
      const seq = Atomics.load(this.ints, SEQ);
      const kind = this.ints[KIND];
      const n = Math.min(this.ints[LENGTH], NAME_CHARS);
      let name = "";
      for (let i = 0; i < n; i++) name += String.fromCharCode(this.chars[i]);
      const since = this.time[0];
      if ((seq % 2 === 0 && Atomics.load(this.ints, SEQ) === seq) || attempt >= 100) {
        if (kind === TASK) return { task: name, context: null, since };
        return { task: null, context: kind === CONTEXT ? name : null, since };
      }
    }
  }
}

function safeName(task: { readonly name: string }): string {
  try {
    const name = task.name;
    return typeof name === "string" ? name : "";
  } catch {
    return "";
  }
}
