import * as net from "net";
import { isInstance } from "../../modules/asyncio/errors";
import { safeString } from "../../modules/asyncio/format";
import { OSError, setDefaultNetPort, type ListenHandlers, type NetListener, type NetPort, type NetSocket, type SocketHandlers } from "../../modules/asyncio/netport";

// Every socket and listener this port opened and that is not closed yet (tests check nothing leaks).
const openSockets = new Set<net.Socket>();
const openListeners = new Set<net.Server>();
export function openSocketCount(): number {
  return openSockets.size;
}
export function openListenerCount(): number {
  return openListeners.size;
}

// Runs inside node:net's error events, where a throw would crash the process:
// it must not throw, whatever it is given.
function toOSError(e: unknown, what: string): OSError {
  if (isInstance(e, OSError)) return e as OSError;
  let message: unknown;
  let code: unknown;
  try {
    ({ message, code } = e as NodeJS.ErrnoException);
  } catch {
    // null, undefined, a revoked Proxy, a throwing getter
  }
  return new OSError(`${what}: ${typeof message === "string" && message ? message : safeString(e)}`, typeof code === "string" && code ? code : "EIO");
}

class NodeSocket implements NetSocket {
  private closing = false;
  constructor(private readonly s: net.Socket, h: SocketHandlers, what: string) {
    openSockets.add(s);
    // As CPython's asyncio: no Nagle delay (a reply written in pieces would wait for the peer's delayed ACK).
    s.setNoDelay(true);
    s.on("connect", () => h.onConnect());
    s.on("data", (b: Buffer) => h.onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    s.on("end", () => h.onEnd());
    s.on("drain", () => h.onWritable());
    s.on("error", (e) => h.onError(toOSError(e, what)));
    s.on("close", () => {
      openSockets.delete(s);
      h.onClose();
    });
  }
  peer(): [string, number] | undefined {
    const { remoteAddress, remotePort } = this.s;
    return remoteAddress !== undefined && remotePort !== undefined ? [remoteAddress, remotePort] : undefined;
  }
  write(data: Uint8Array): number {
    const s = this.s;
    if (s.destroyed || this.closing) return 0;
    if (s.writableNeedDrain) return 0;
    s.write(Buffer.from(data));
    return data.length;
  }
  pause(): void {
    this.s.pause();
  }
  resume(): void {
    this.s.resume();
  }
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const s = this.s;
    // FIN once everything is flushed, then release the socket even if the peer never closes its side.
    s.end(() => s.destroy());
  }
  abort(): void {
    this.closing = true;
    const s = this.s;
    if (typeof s.resetAndDestroy === "function" && !s.destroyed && !s.connecting) s.resetAndDestroy();
    else s.destroy();
  }
}

/** The Node host's network: node:net, names resolved by Node (getaddrinfo). */
export class NodeNetPort implements NetPort {
  readonly name = "node:net";
  connect(host: string, port: number, handlers: SocketHandlers): NetSocket {
    const s = net.connect({ host, port, allowHalfOpen: true });
    return new NodeSocket(s, handlers, `connect ${host}:${port}`);
  }
  listen(host: string, port: number, backlog: number, h: ListenHandlers): NetListener {
    const server = net.createServer({ allowHalfOpen: true });
    openListeners.add(server);
    server.on("connection", (s) => {
      h.onConnection((handlers) => new NodeSocket(s, handlers, "connection"));
    });
    server.on("error", (e) => h.onError(toOSError(e, `listen ${host}:${port}`)));
    server.on("close", () => openListeners.delete(server));
    let closed = false;
    server.listen({ host, port, backlog }, () => {
      // Closed while the name was being resolved: the bind happened anyway.
      if (closed) server.close();
      else {
        const a = server.address();
        h.onListening(a && typeof a === "object" ? a.port : port);
      }
    });
    return {
      close: () => {
        // Stops accepting now; Node's "close" event waits for accepted sockets, which are not ours to end here.
        closed = true;
        openListeners.delete(server);
        if (server.listening) server.close();
      },
    };
  }
}

/** Makes node:net the network port of asyncio streams (created on first use). */
export function installNodeNet(): void {
  setDefaultNetPort(() => new NodeNetPort());
}
