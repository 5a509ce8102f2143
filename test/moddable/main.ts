// The conformance scenarios on XS in the Moddable simulator: every scenario on
// virtual time driven by a Moddable Timer (turns interleave with promise jobs
// there), then the real-time smoke subset on the Moddable host itself.
import { getHost } from "asyncio";
import Timer from "timer";
import { VirtualHost } from "virtual-host";
import { firstDifference, runScenarios } from "scenarios/runner";

// Timer.set(fn, 0, repeat) runs at the priority of promise jobs on the
// simulator (a 0/0 timer would outrank them); clear it after its first call.
const timerTurn = (fn: () => void): void => {
  const t = Timer.set(() => {
    Timer.clear(t);
    fn();
  }, 0, 1000);
};

async function main(): Promise<void> {
  const moddableHost = getHost();
  let passed = 0;
  let failed = 0;
  for (const realTime of [false, true]) {
    const r = await runScenarios(
      (s) => (realTime ? (s.smoke ? moddableHost : null) : new VirtualHost({ turn: timerTurn, exactTurns: false, turnCost: s.turnCost })),
      (o) => trace(`${o.passed ? "ok" : "FAIL"} ${realTime ? "real-time" : "virtual"} ${o.name}${o.passed ? "" : ": " + firstDifference(o)}\n`),
    );
    passed += r.passed;
    failed += r.failed;
  }
  trace(`${passed} passed, ${failed} failed\n`);
}

main().catch((e) => trace(`scenarios crashed: ${e}\n`));
