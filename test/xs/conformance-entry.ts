// Runs every conformance scenario inside XS (xsnap) and prints one
// "SCENARIO <json>" line per scenario for test/xs.test.ts to compare.
import { VirtualHost } from "../../hosts/virtual";
import { formatError } from "../../modules/asyncio/format";
import { turn, XsHost } from "../../hosts/xs/host";
import { runScenarios } from "../scenarios/runner";

declare const print: (text: string) => void;

const realTime = (globalThis as { XS_REAL_TIME?: boolean }).XS_REAL_TIME === true;

runScenarios(
  (s) => (realTime ? (s.smoke ? new XsHost() : null) : new VirtualHost({ turn, turnCost: s.turnCost })),
  (o) => print(`SCENARIO ${JSON.stringify({ name: o.name, lines: o.lines, error: o.error })}`),
).then(
  () => print("SCENARIOS DONE"),
  (e) => print(`SCENARIOS FAILED ${formatError(e)}`),
);
