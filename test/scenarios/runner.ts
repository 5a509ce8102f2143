import { formatError, newEventLoop, setHost, type Host } from "asyncio";
import { scenarios } from "./index";
import { makePrint, type Scenario } from "./scenario";

export interface ScenarioOutcome {
  name: string;
  lines: string[];
  error: string | null;
  passed: boolean;
}

/**
 * Runs the scenarios one after the other, each on a fresh loop over the host
 * makeHost gives it. Used inside XS (xsnap, the Moddable simulator).
 */
export async function runScenarios(makeHost: (s: Scenario) => Host | null, report: (o: ScenarioOutcome) => void): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const s of scenarios) {
    const host = makeHost(s);
    if (!host) continue;
    setHost(host);
    newEventLoop();
    const lines: string[] = [];
    let error: string | null = null;
    try {
      await s.run(makePrint(lines));
    } catch (e) {
      error = formatError(e);
    }
    const ok = error === null && lines.length === s.expected.length && lines.every((l, i) => l === s.expected[i]);
    if (ok) passed++;
    else failed++;
    report({ name: s.name, lines, error, passed: ok });
  }
  return { passed, failed };
}

/** First difference between what a scenario printed and what it should have, for a log. */
export function firstDifference(o: ScenarioOutcome): string {
  const s = scenarios.find((x) => x.name === o.name)!;
  if (o.error) return o.error;
  for (let i = 0; i < Math.max(o.lines.length, s.expected.length); i++) {
    if (o.lines[i] !== s.expected[i]) return `line ${i + 1}: expected ${JSON.stringify(s.expected[i])}, got ${JSON.stringify(o.lines[i])}`;
  }
  return "no difference";
}
