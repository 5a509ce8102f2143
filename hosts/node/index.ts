import { GlobalTimersHost } from "../../modules/asyncio/host";
import { setHost } from "../../modules/asyncio/loop";
import { installNodeNet } from "./net";

/** Node.js host: real time (performance.now), setImmediate/setTimeout, reports to stderr. */
export class NodeHost extends GlobalTimersHost {
  override report(text: string): void {
    process.stderr.write(text.endsWith("\n") ? text : text + "\n");
  }
}

/** Makes NodeHost the host of loops created from now on (and node:net the network of streams). */
export function installNodeHost(): NodeHost {
  installNodeNet();
  const host = new NodeHost();
  setHost(host);
  return host;
}
