import type { BoardEvent } from "./feed";

/** A pin level at a time (ms since the app started): a PinChange, or a feed's "pin" event. */
export interface LevelAt {
  pin: number;
  level: 0 | 1;
  time: number;
}

/** An analog value at a time: a PWM output's duty (0 … 1) or an ADC pin's reading (volts). */
export interface RealAt {
  kind: "pwm" | "adc";
  pin: number;
  value: number;
  time: number;
}

/** What of a run's feed goes into its VCD: pin levels, PWM duties and ADC readings, in order. */
export function vcdChanges(events: readonly BoardEvent[]): (LevelAt | RealAt)[] {
  const out: (LevelAt | RealAt)[] = [];
  for (const e of events) {
    if (e.type === "pin") out.push(e);
    else if (e.type === "pwm") out.push({ kind: "pwm", pin: e.pin, value: e.duty / 65535, time: e.time });
    else if (e.type === "analog") out.push({ kind: "adc", pin: e.pin, value: e.uv / 1e6, time: e.time });
  }
  return out;
}

/**
 * Value Change Dump (IEEE 1364) of pin changes, for GTKWave and PulseView.
 * Time unit 1 µs; one 1-bit wire per pin, named gpio<N>; a PWM output is a
 * `real` variable pwm<N> (its duty, 0 … 1), an ADC pin a `real` adc<N> (its
 * readings, in volts). Every variable has a value from time 0, the one its
 * pin was opened with (in real time an app opens its pins a few ms after it
 * starts, and a viewer would show a pin that never changes as unknown all
 * along); `endTime` stretches the dump to when the run ended.
 */
export function toVcd(changes: readonly (LevelAt | RealAt)[], options: { date?: string; endTime?: number } = {}): string {
  const keyOf = (c: LevelAt | RealAt): string => ("kind" in c ? `${c.kind}${c.pin}` : `gpio${c.pin}`);
  const valueOf = (c: LevelAt | RealAt): string => ("kind" in c ? `r${real(c.value)} ` : `${c.level}`);
  const first = new Map<string, LevelAt | RealAt>();
  for (const c of changes) if (!first.has(keyOf(c))) first.set(keyOf(c), c);
  // Wires first, then PWM outputs, then ADC inputs, each by pin number.
  const rank = (c: LevelAt | RealAt): number => ("kind" in c ? (c.kind === "pwm" ? 1 : 2) : 0);
  const vars = [...first.values()].sort((a, b) => rank(a) - rank(b) || a.pin - b.pin);
  const ids = new Map(vars.map((c, i) => [keyOf(c), identifier(i)]));
  const lines = [
    `$date ${options.date ?? new Date().toISOString()} $end`,
    "$version moddable-asyncio simulated board $end",
    "$timescale 1us $end",
    "$scope module board $end",
    ...vars.map((c) => ("kind" in c ? `$var real 64 ${ids.get(keyOf(c))} ${keyOf(c)} $end` : `$var wire 1 ${ids.get(keyOf(c))} ${keyOf(c)} $end`)),
    "$upscope $end",
    "$enddefinitions $end",
  ];
  // The initial values, in the order the pins were opened (the order of their first changes at time 0).
  if (first.size) lines.push("#0");
  for (const [key, c] of first) lines.push(`${valueOf(c)}${ids.get(key)}`);
  let last = 0;
  const seen = new Set<string>();
  for (const c of changes) {
    const key = keyOf(c);
    // A variable's first change is its initial value, already dumped at 0.
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    const t = Math.max(last, Math.round(c.time * 1000));
    if (t !== last) {
      lines.push(`#${t}`);
      last = t;
    }
    lines.push(`${valueOf(c)}${ids.get(key)}`);
  }
  if (options.endTime !== undefined) {
    const t = Math.round(options.endTime * 1000);
    if (t > last) lines.push(`#${t}`);
  }
  return lines.join("\n") + "\n";
}

/** A real value as VCD writes it: plain decimal, 9 significant digits at most. */
function real(v: number): string {
  return String(+v.toPrecision(9));
}

function identifier(i: number): string {
  // Printable ASCII 33..126, as VCD asks.
  let s = "";
  do {
    s += String.fromCharCode(33 + (i % 94));
    i = Math.floor(i / 94) - 1;
  } while (i >= 0);
  return s;
}
