// Benchmark bodies, engine-agnostic: run on Node (bench/run.ts) and inside XS
// (bench/xs-entry.ts, driven by bench/run.ts through xsnap). Each returns
// after its work; the caller measures time and, on XS, metered compute.
import asyncio from "asyncio";

type Defer = (fn: () => void) => void;

/** 1. Task switch: `tasks` tasks × `rounds` await sleep(0). */
export async function switchLoop(tasks: number, rounds: number): Promise<void> {
  await asyncio.run(async () => {
    const all = [];
    for (let t = 0; t < tasks; t++) {
      all.push(asyncio.createTask(async () => {
        for (let i = 0; i < rounds; i++) await asyncio.sleep(0);
      }));
    }
    await asyncio.gather(all);
  });
}

/** Floor: the same number of bare `await null` in as many async functions. */
export async function switchFloor(tasks: number, rounds: number): Promise<void> {
  const all = [];
  for (let t = 0; t < tasks; t++) {
    all.push((async () => {
      for (let i = 0; i < rounds; i++) await null;
    })());
  }
  await Promise.all(all);
}

/** Naive: a fresh promise resolved by a host timer callback per sleep (what Moddable code does today with Timer.set). */
export async function switchNaive(tasks: number, rounds: number, defer: Defer): Promise<void> {
  const all = [];
  for (let t = 0; t < tasks; t++) {
    all.push((async () => {
      for (let i = 0; i < rounds; i++) await new Promise<void>((r) => defer(r));
    })());
  }
  await Promise.all(all);
}

/** 2. Ping-pong: two tasks × `trips` round trips through two Events. */
export async function pingPong(trips: number): Promise<void> {
  await asyncio.run(async () => {
    const ping = new asyncio.Event();
    const pong = new asyncio.Event();
    const a = asyncio.createTask(async () => {
      for (let i = 0; i < trips; i++) {
        ping.set();
        await pong.wait();
        pong.clear();
      }
    });
    const b = asyncio.createTask(async () => {
      for (let i = 0; i < trips; i++) {
        await ping.wait();
        ping.clear();
        pong.set();
      }
    });
    await asyncio.gather([a, b]);
  });
}

/** Naive ping-pong: each signal resolves the other side's promise from a host callback. */
export async function pingPongNaive(trips: number, defer: Defer): Promise<void> {
  let resolvePing: (() => void) | null = null;
  let resolvePong: (() => void) | null = null;
  const signal = (which: "ping" | "pong") =>
    defer(() => {
      const r = which === "ping" ? resolvePing : resolvePong;
      if (which === "ping") resolvePing = null;
      else resolvePong = null;
      r?.();
    });
  const a = (async () => {
    for (let i = 0; i < trips; i++) {
      const p = new Promise<void>((r) => (resolvePong = r));
      signal("ping");
      await p;
    }
  })();
  const b = (async () => {
    for (let i = 0; i < trips; i++) {
      await new Promise<void>((r) => (resolvePing = r));
      signal("pong");
    }
  })();
  await Promise.all([a, b]);
}

/** 3. Memory: `count` tasks blocked in sleep(3600); `measure` runs while they sleep. */
export async function sleepers(count: number, measure: () => void): Promise<void> {
  await asyncio.run(async () => {
    const all = [];
    for (let i = 0; i < count; i++) all.push(asyncio.createTask(() => asyncio.sleep(3600)));
    await asyncio.sleep(0);
    measure();
    // Let the loop arm its timer for the earliest sleeper (counted by the caller's host).
    await asyncio.sleepMs(1);
    for (const t of all) t.cancel();
    await asyncio.sleep(0);
  });
}

/** One task's body for the memory figure: sleep an hour. */
export async function sleepersOnly(): Promise<void> {
  await asyncio.sleep(3600);
}

/** The naive way: a promise and a host timer per sleeping task. */
export async function sleepersNaive(count: number, measure: () => void, timer: (fn: () => void, ms: number) => () => void): Promise<void> {
  const cancels: (() => void)[] = [];
  const all = [];
  for (let i = 0; i < count; i++) {
    all.push((async () => {
      await new Promise<void>((r) => cancels.push(timer(r, 3_600_000)));
    })());
  }
  await null;
  measure();
  for (const c of cancels) c();
}

/** 4. Lateness: `tasks` tasks × `sleeps` sleeps of 1–50 ms (fixed seed); actual − requested, ms. */
export async function lateness(tasks: number, sleeps: number, now: () => number): Promise<number[]> {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const late: number[] = [];
  await asyncio.run(async () => {
    const all = [];
    for (let t = 0; t < tasks; t++) {
      const plan: number[] = [];
      for (let i = 0; i < sleeps; i++) plan.push(1 + Math.floor(random() * 50));
      all.push(asyncio.createTask(async () => {
        for (const ms of plan) {
          const start = now();
          await asyncio.sleepMs(ms);
          late.push(now() - start - ms);
        }
      }));
    }
    await asyncio.gather(all);
  });
  return late;
}

/**
 * 7. Drift: two blinkers side by side for `periods` periods of `periodMs`,
 * one on asyncio.every (tick k due at start + k·period), one a sleep loop
 * (`toggle(); await sleepMs(period)`). How late each one's k-th toggle is
 * against start + k·period, ms, for k = 1 … periods.
 */
export async function drift(periods: number, periodMs: number, now: () => number): Promise<{ ticker: number[]; sleeper: number[] }> {
  const ticker: number[] = [];
  const sleeper: number[] = [];
  await asyncio.run(async () => {
    const start = now();
    const t = asyncio.everyMs(periodMs);
    const a = asyncio.createTask(async () => {
      for await (const tick of t) {
        ticker.push(now() - start - tick.index * periodMs);
        if (tick.index >= periods) break;
      }
    });
    const b = asyncio.createTask(async () => {
      for (let k = 1; k <= periods; k++) {
        await asyncio.sleepMs(periodMs);
        sleeper.push(now() - start - k * periodMs);
      }
    });
    await asyncio.gather([a, b]);
  });
  return { ticker, sleeper };
}

/** 5. Creation: `total` trivial tasks created and gathered in chunks of `chunk`. */
export async function create(total: number, chunk: number): Promise<void> {
  await asyncio.run(async () => {
    for (let done = 0; done < total; done += chunk) {
      const all = [];
      for (let i = 0; i < chunk; i++) all.push(asyncio.createTask(async () => i));
      await asyncio.gather(all);
    }
  });
}

/** Naive creation: the same work as bare async functions started from a host callback each, then Promise.all. */
export async function createNaive(total: number, chunk: number, defer: Defer): Promise<void> {
  for (let done = 0; done < total; done += chunk) {
    const all = [];
    for (let i = 0; i < chunk; i++) all.push(new Promise<number>((r) => defer(() => r(i))));
    await Promise.all(all);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
