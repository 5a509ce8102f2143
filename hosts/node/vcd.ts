/** A pin level at a time (ms since the app started): a PinChange, or a feed's "pin" event. */
export interface LevelAt {
  pin: number;
  level: 0 | 1;
  time: number;
}

/**
 * Value Change Dump (IEEE 1364) of pin changes, for GTKWave and PulseView.
 * Time unit 1 µs; one 1-bit wire per pin, named gpio<N>. Every wire has a
 * value from time 0, the level its pin was opened with (in real time an app
 * opens its pins a few ms after it starts, and a viewer would show a pin
 * that never changes as unknown all along); `endTime` stretches the dump to
 * when the run ended.
 */
export function toVcd(changes: readonly LevelAt[], options: { date?: string; endTime?: number } = {}): string {
  const first = new Map<number, 0 | 1>();
  for (const c of changes) if (!first.has(c.pin)) first.set(c.pin, c.level);
  const pins = [...first.keys()].sort((a, b) => a - b);
  const ids = new Map(pins.map((p, i) => [p, identifier(i)]));
  const lines = [
    `$date ${options.date ?? new Date().toISOString()} $end`,
    "$version moddable-asyncio simulated board $end",
    "$timescale 1us $end",
    "$scope module board $end",
    ...pins.map((p) => `$var wire 1 ${ids.get(p)} gpio${p} $end`),
    "$upscope $end",
    "$enddefinitions $end",
  ];
  // The initial values, in the order the pins were opened (the order of their first changes at time 0).
  if (first.size) lines.push("#0");
  for (const [pin, level] of first) lines.push(`${level}${ids.get(pin)}`);
  let last = 0;
  const seen = new Set<number>();
  for (const c of changes) {
    // A pin's first change is its initial value, already dumped at 0.
    if (!seen.has(c.pin)) {
      seen.add(c.pin);
      continue;
    }
    const t = Math.max(last, Math.round(c.time * 1000));
    if (t !== last) {
      lines.push(`#${t}`);
      last = t;
    }
    lines.push(`${c.level}${ids.get(c.pin)}`);
  }
  if (options.endTime !== undefined) {
    const t = Math.round(options.endTime * 1000);
    if (t > last) lines.push(`#${t}`);
  }
  return lines.join("\n") + "\n";
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
