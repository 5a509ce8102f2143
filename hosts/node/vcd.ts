import type { PinChange } from "./board";

/**
 * Value Change Dump (IEEE 1364) of pin changes, for GTKWave and PulseView.
 * Time unit 1 µs; one 1-bit wire per pin, named gpio<N>.
 */
export function toVcd(changes: readonly PinChange[], options: { date?: string; endTime?: number } = {}): string {
  const pins = [...new Set(changes.map((c) => c.pin))].sort((a, b) => a - b);
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
  let last = -1;
  for (const c of changes) {
    const t = Math.round(c.time * 1000);
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
