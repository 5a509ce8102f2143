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

async function ms(fn: () => Promise<unknown>): Promise<number> {
  const t0 = Time.microseconds ?? Time.ticks * 1000;
  await fn();
  return ((Time.microseconds ?? Time.ticks * 1000) - t0) / 1000;
}

function report(figure: string, data: Record<string, number>): void {
  trace(`BENCH ${JSON.stringify({ figure, ...data })}\n`);
}

async function main(): Promise<void> {
  const n = tasks * rounds;
  const floor = await ms(() => suite.switchFloor(tasks, rounds));
  const naive = await ms(() => suite.switchNaive(tasks, rounds, timerDefer));
  const ours = await ms(() => suite.switchLoop(tasks, rounds));
  report("switch", { oursNs: (ours * 1e6) / n, floorNs: (floor * 1e6) / n, naiveNs: (naive * 1e6) / n });

  trace("BENCH DONE\n");
}

main().catch((e) => trace(`BENCH FAILED ${e}\n`));
