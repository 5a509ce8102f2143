// Runs every conformance scenario inside XS (xsnap) and prints one
// "SCENARIO <json>" line per scenario for test/xs.test.ts to compare.
import { newEventLoop, setHost } from "../../modules/asyncio";
import { VirtualHost } from "../../hosts/virtual";
import { turn, XsHost } from "../../hosts/xs/host";
import { scenarios } from "../scenarios";
import { makePrint } from "../scenarios/scenario";

declare const print: (text: string) => void;

const realTime = (globalThis as { XS_REAL_TIME?: boolean }).XS_REAL_TIME === true;

async function main(): Promise<void> {
  for (const s of scenarios) {
    if (realTime && !s.smoke) continue;
    const host = realTime ? new XsHost() : new VirtualHost({ turn, turnCost: s.turnCost });
    setHost(host);
    newEventLoop();
    const lines: string[] = [];
    let error: string | null = null;
    try {
      await s.run(makePrint(lines));
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
    }
    print(`SCENARIO ${JSON.stringify({ name: s.name, lines, error })}`);
  }
  print("SCENARIOS DONE");
}

main().catch((e) => print(`SCENARIOS FAILED ${String(e)}`));
