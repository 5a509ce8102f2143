/** mulberry32: a tiny seeded PRNG (32-bit state), so every property run is reproducible from its seed. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for stream `stream` of run `seed` (each task draws from its own stream, so removing one task leaves the others' plans unchanged). */
export function subSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h | 0;
}

export function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** Picks a key by weight: weighted(rng, { a: 3, b: 1 }). */
export function weighted<K extends string>(rng: Rng, table: Partial<Record<K, number>>): K {
  let total = 0;
  for (const k in table) total += table[k] ?? 0;
  let r = rng() * total;
  let last: K | undefined;
  for (const k in table) {
    const w = table[k] ?? 0;
    if (w <= 0) continue;
    last = k;
    if (r < w) return k;
    r -= w;
  }
  return last!;
}
