import { getHost, newEventLoop, setHost, type Host, type Loop } from "../modules/asyncio";
import { VirtualHost } from "../hosts/virtual";

/** Runs body on a fresh loop over a fresh virtual-time host, then restores the previous host. */
export async function onVirtualTime<R>(body: (host: VirtualHost, loop: Loop) => Promise<R>, options: { turnCost?: number } = {}): Promise<R> {
  const host = new VirtualHost(options);
  return withHost(host, (loop) => body(host, loop));
}

export async function withHost<R>(host: Host, body: (loop: Loop) => Promise<R>): Promise<R> {
  const previous = getHost();
  setHost(host);
  const loop = newEventLoop();
  try {
    return await body(loop);
  } finally {
    setHost(previous);
    newEventLoop();
  }
}
