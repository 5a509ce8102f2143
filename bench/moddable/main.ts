// Figure 1 on the target engine and platform code: XS in the Moddable Linux
// simulator, with Moddable's Timer.set for the naive way. Traces one JSON line
// per figure ("BENCH {...}"), then "BENCH DONE". Run by bench/run.ts when
// $MODDABLE is set.
import Time from "time";
import Timer from "timer";
import * as suite from "bench/suite";

const tasks = 100;
const rounds = 100;

const timerDefer = (fn: () => void): void => {
  Timer.set(fn, 0);
};

// Best of three: the first run of a workload also pays for growing the heap.
async function ms(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = Time.microseconds ?? Time.ticks * 1000;
    await fn();
    best = Math.min(best, ((Time.microseconds ?? Time.ticks * 1000) - t0) / 1000);
  }
  return best;
}

function report(figure: string, data: Record<string, number>): void {
  trace(`BENCH ${JSON.stringify({ figure, ...data })}\n`);
}

async function main(): Promise<void> {
  const n = tasks * rounds;
  const floor = await ms(() => suite.switchFloor(tasks, rounds));
  const naive = await ms(() => suite.switchNaive(tasks, rounds, timerDefer));
  // One Timer at a time, each set from the last one's callback: the host
  // turn the loop itself takes per step (the naive row fires 100 timers per
  // pass over the timer list).
  const chain = await ms(() => suite.switchNaive(1, n, timerDefer));
  const ours = await ms(() => suite.switchLoop(tasks, rounds));
  report("switch", { oursNs: (ours * 1e6) / n, floorNs: (floor * 1e6) / n, naiveNs: (naive * 1e6) / n, chainNs: (chain * 1e6) / n });

  trace("BENCH DONE\n");
}

main().catch((e) => trace(`BENCH FAILED ${e}\n`));
