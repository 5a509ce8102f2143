// ADC, PWM, Encoder and AADC inside XS (xsnap): the checks of
// test/xs/analog-checks.ts on virtual time with exact turns. One
// "ANALOG <json>" line per check for test/analog-xs.test.ts.
import { VirtualHost } from "../../hosts/virtual";
import { turn, XsHost } from "../../hosts/xs/host";
import { setHost } from "../../modules/asyncio/loop";
import { formatError } from "../../modules/asyncio/format";
import { runAnalogChecks } from "./analog-checks";

declare const print: (text: string) => void;

async function main(): Promise<void> {
  setHost(new XsHost()); // the host restored after each check
  await runAnalogChecks(
    () => new VirtualHost({ turn }),
    (name, error) => print(`ANALOG ${JSON.stringify({ name, error: error === null ? null : formatError(error) })}`),
  );
}

main().then(
  () => print("ANALOG DONE"),
  (e) => print(`ANALOG FAILED ${formatError(e)}`),
);
