import type { BoardEvent, BoardFeed } from "./feed";

/** How long a tap holds the button down: longer than a Pushbutton's debounce (50 ms), far shorter than a long press (1 s). */
export const TAP_MS = 100;
/** How long a button stays up between two queued taps: past the debounce, so the second press is seen. */
export const TAP_GAP_MS = 60;
/** Taps waiting behind the one in progress (more are dropped: a key held down repeats for as long as it is held). */
const MAX_QUEUED_TAPS = 2;

/** The keys inputs get, in the order they are opened: the letters but q, which quits. */
export const INPUT_KEYS = "abcdefghijklmnoprstuvwxyz";

/** What readline's 'keypress' event gives (readline.emitKeypressEvents). */
export interface Keypress {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

interface Input {
  pin: number;
  key: string;
  pull: "none" | "up" | "down";
  /** "tap": pressed for TAP_MS by a tap, or waiting out the gap before a queued one; "held": down until the key comes again. */
  phase: "idle" | "tap" | "held";
  down: boolean;
  queued: number;
  timer: ReturnType<typeof setTimeout> | null;
  releasedAt: number;
}

/**
 * The keyboard as the board's buttons. Terminals report no key release, so
 * a key cannot be held like a button: each input gets a letter, which taps
 * it (down for TAP_MS: a short press; two taps within 0.4 s: a double
 * click), and Shift+letter, which holds it down until the letter (either
 * case) comes again (held 1 s or more: a long press). "Down" is the level
 * the input's pull makes active: a pull-up button connects the pin to
 * ground (0); a pull-down or unpulled one to 3.3 V (1). Up lets the pin float
 * back to its pull.
 */
export class InputKeys {
  private readonly inputs = new Map<number, Input>();
  private readonly byKey = new Map<string, Input>();
  private readonly unsubscribe: () => void;
  private disposed = false;

  /** onChange: an input's key state changed (a view redraws). */
  constructor(private readonly feed: BoardFeed, private readonly onChange: () => void = () => {}) {
    this.unsubscribe = feed.subscribe((e) => this.seen(e));
  }

  /** The key of an input pin, once it has been opened (undefined past the 25th input, or for an output). */
  keyFor(pin: number): string | undefined {
    return this.inputs.get(pin)?.key;
  }
  /** The keyboard holds the pin down (a tap in progress, or Shift held it). */
  isDown(pin: number): boolean {
    return this.inputs.get(pin)?.down ?? false;
  }
  /** Shift+key holds the pin down. */
  isHeld(pin: number): boolean {
    return this.inputs.get(pin)?.phase === "held";
  }
  /** The inputs that have keys, in the order they got them. */
  list(): { pin: number; key: string }[] {
    return [...this.byKey.values()].map((i) => ({ pin: i.pin, key: i.key }));
  }

  /**
   * A key was typed. Returns "quit" for q and Ctrl-C (the caller stops the
   * run), "input" when it pressed or released an input, "ignored" otherwise.
   */
  handle(key: Keypress | undefined, ch?: string): "quit" | "input" | "ignored" {
    if (this.disposed) return "ignored";
    const name = key?.name ?? (typeof ch === "string" ? ch.toLowerCase() : undefined);
    if (!name) return "ignored";
    if (key?.ctrl && (name === "c" || name === "d")) return "quit";
    if (key?.ctrl || key?.meta) return "ignored";
    if (name === "q") return "quit";
    const input = this.byKey.get(name);
    if (!input) return "ignored";
    // Shift+letter arrives as the capital (Caps Lock too): readline sets shift for it.
    const shifted = key?.shift ?? (typeof ch === "string" && ch !== ch.toLowerCase());
    if (shifted) this.hold(input);
    else this.tap(input);
    return "input";
  }

  /** Lets go of every input the keyboard holds down, and stops listening. */
  dispose(): void {
    if (this.disposed) return;
    for (const input of this.inputs.values()) {
      if (input.timer) clearTimeout(input.timer);
      input.timer = null;
      input.queued = 0;
      if (input.down) this.up(input);
      input.phase = "idle";
    }
    this.disposed = true;
    this.unsubscribe();
  }

  private seen(e: BoardEvent): void {
    if (e.type !== "pin") return;
    const known = this.inputs.get(e.pin);
    if (e.mode !== "input") {
      // Now an output: it keeps its key (for when it is an input again), but nothing holds it.
      if (known) this.reset(known);
      return;
    }
    if (known) {
      known.pull = e.pull;
      return;
    }
    const key = INPUT_KEYS[this.byKey.size];
    if (key === undefined) return;
    const input: Input = { pin: e.pin, key, pull: e.pull, phase: "idle", down: false, queued: 0, timer: null, releasedAt: -Infinity };
    this.inputs.set(e.pin, input);
    this.byKey.set(key, input);
  }

  private tap(input: Input): void {
    if (input.phase === "held") {
      // The letter ends a hold rather than tapping: a long press is Shift+a … a.
      this.reset(input);
      return;
    }
    if (input.phase === "tap") {
      if (input.queued < MAX_QUEUED_TAPS) input.queued++;
      return;
    }
    this.startTap(input);
  }

  private startTap(input: Input): void {
    input.phase = "tap";
    const wait = input.releasedAt + TAP_GAP_MS - performance.now();
    if (wait > 0) {
      input.timer = setTimeout(() => this.pressTap(input), wait);
      return;
    }
    this.pressTap(input);
  }

  private pressTap(input: Input): void {
    input.timer = null;
    if (this.disposed) return;
    this.down(input);
    input.timer = setTimeout(() => {
      input.timer = null;
      if (this.disposed) return;
      this.up(input);
      if (input.queued > 0) {
        input.queued--;
        this.startTap(input);
      } else input.phase = "idle";
      this.changed();
    }, TAP_MS);
    this.changed();
  }

  private hold(input: Input): void {
    if (input.phase === "held") {
      this.reset(input);
      return;
    }
    if (input.timer) clearTimeout(input.timer);
    input.timer = null;
    input.queued = 0;
    input.phase = "held";
    // A tap in progress just stays down.
    if (!input.down) this.down(input);
    this.changed();
  }

  /** Up and idle, nothing pending. */
  private reset(input: Input): void {
    if (input.timer) clearTimeout(input.timer);
    input.timer = null;
    input.queued = 0;
    input.phase = "idle";
    if (input.down) this.up(input);
    this.changed();
  }

  private down(input: Input): void {
    input.down = true;
    this.drive(input.pin, input.pull === "up" ? 0 : 1);
  }
  private up(input: Input): void {
    input.down = false;
    input.releasedAt = performance.now();
    this.drive(input.pin, null);
  }
  private drive(pin: number, level: 0 | 1 | null): void {
    try {
      this.feed.drive(pin, level);
    } catch {
      // The run is going away (its worker ended): there is no pin left to press.
    }
  }
  private changed(): void {
    try {
      this.onChange();
    } catch {
      // A view that fails to redraw must not stop the keys.
    }
  }
}
