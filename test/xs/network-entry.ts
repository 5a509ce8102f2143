// network.WLAN inside XS (xsnap): the checks of test/xs/network-checks.ts on
// virtual time, with exact turns and with turns between promise jobs (as on
// Moddable). One "NETWORK <json>" line per check for test/xs.test.ts.
import { VirtualHost } from "../../hosts/virtual";
import { turn, XsHost } from "../../hosts/xs/host";
import { setHost } from "../../modules/asyncio/loop";
import { formatError } from "../../modules/asyncio/format";
import { runNetworkChecks } from "./network-checks";

declare const print: (text: string) => void;

async function main(): Promise<void> {
  setHost(new XsHost()); // the host restored after each check
  const profiles: [string, () => VirtualHost, number][] = [
    ["exact", () => new VirtualHost({ turn }), 0],
    ["moddable", () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => void Promise.resolve().then(fn) }), 50],
  ];
  for (const [profile, makeHost, slack] of profiles) {
    await runNetworkChecks(makeHost, slack, (name, error) =>
      print(`NETWORK ${JSON.stringify({ profile, name, error: error === null ? null : formatError(error) })}`),
    );
  }
}

main().then(
  () => print("NETWORK DONE"),
  (e) => print(`NETWORK FAILED ${formatError(e)}`),
);
