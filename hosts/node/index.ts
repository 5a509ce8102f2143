import { GlobalTimersHost } from "../../modules/asyncio/host";
import { setHost } from "../../modules/asyncio/loop";

/** Node.js host: real time (performance.now), setImmediate/setTimeout, reports to stderr. */
export class NodeHost extends GlobalTimersHost {
  override report(text: string): void {
    process.stderr.write(text.endsWith("\n") ? text : text + "\n");
  }
}

/** Makes NodeHost the host of loops created from now on. */
export function installNodeHost(): NodeHost {
  const host = new NodeHost();
  setHost(host);
  return host;
}
