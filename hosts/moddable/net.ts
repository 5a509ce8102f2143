// asyncio streams over ECMA-419 sockets (embedded:io/socket/tcp and
// embedded:io/socket/listener): ESP32 (lwIP) and the Linux simulator.
// Loading this module names it as the network port; nothing native runs
// until a stream is opened, so it may be preloaded.
//
// Names: only dotted IPv4 addresses (and "localhost") are accepted; other
// names raise OSError ENOTFOUND (no DNS resolver is wired in).
// ECMA-419 reports the end of the stream and a failure the same way
// (onError), so after connecting onError reads as EOF; before it, as
// ECONNREFUSED. There is no reset: abort() is close().
//
// Every callback here runs from the socket layer's host callback, where an
// exception that escapes aborts the VM (a reboot): each one catches what it
// runs and turns it into a failed connection or a reported accept.
import TCP from "embedded:io/socket/tcp";
import Listener from "embedded:io/socket/listener";
import { safeString } from "asyncio/format";
import { OSError, setDefaultNetPort, type ListenHandlers, type NetListener, type NetPort, type NetSocket, type SocketHandlers } from "asyncio/netport";

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function address(host: string): string {
  if (host === "localhost") return "127.0.0.1";
  if (IPV4.test(host)) return host;
  throw new OSError(`${JSON.stringify(host)}: this host resolves no names; use a dotted IPv4 address`, "ENOTFOUND");
}

/** The message of whatever the socket layer threw. Never throws. */
function message(e: unknown): string {
  try {
    const m = (e as { message?: unknown }).message;
    if (typeof m === "string") return m;
  } catch {
    // a throwing getter, a revoked Proxy
  }
  return safeString(e);
}

class Ecma419Socket implements NetSocket {
  private tcp: TCP | null = null;
  private writable = 0;
  private readable = 0;
  private paused = false;
  private connected: boolean;
  private ended = false;
  private done = false;
  private peerInfo: [string, number] | undefined;

  constructor(private readonly h: SocketHandlers, options: { address: string; port: number } | { from: TCP }) {
    const self = this;
    this.connected = "from" in options;
    this.tcp = new TCP({
      ...options,
      nodelay: true,
      format: "buffer",
      onReadable(count: number) {
        try {
          self.readable = count;
          if (!self.paused) self.pull();
        } catch (e) {
          self.broken(e);
        }
      },
      onWritable(count: number) {
        try {
          self.writable = count;
          if (!self.connected) {
            self.connected = true;
            self.h.onConnect();
          } else self.h.onWritable();
        } catch (e) {
          self.broken(e);
        }
      },
      onError() {
        try {
          self.failed();
        } catch (e) {
          self.broken(e);
        }
      },
    } as ConstructorParameters<typeof TCP>[0]);
    if (this.connected) this.remember();
  }
  private remember(): void {
    const t = this.tcp;
    if (t && t.remoteAddress !== undefined && t.remotePort !== undefined) this.peerInfo = [t.remoteAddress, t.remotePort];
  }
  private pull(): void {
    const t = this.tcp;
    if (!t || this.readable <= 0) return;
    const count = this.readable;
    this.readable = 0;
    const b = t.read(count) as ArrayBuffer | undefined;
    if (b) this.h.onData(new Uint8Array(b));
  }
  private failed(): void {
    if (this.done) return;
    if (!this.connected) {
      this.h.onError(new OSError("connection failed (refused or unreachable)", "ECONNREFUSED"));
      this.finish();
    } else if (!this.ended) {
      // End of stream or a broken connection: ECMA-419 does not tell them apart.
      if (this.readable > 0 && !this.paused) this.pull();
      this.ended = true;
      this.h.onEnd();
    }
  }
  /** Something threw inside a socket callback (a read that failed): the connection is unusable. Never throws. */
  private broken(e: unknown): void {
    try {
      if (!this.done) this.h.onError(new OSError(`socket failed: ${message(e)}`, "EIO"));
    } catch {
      // the stream's handlers only record; nothing is left to tell
    }
    try {
      this.finish();
    } catch {
      // already torn down
    }
  }
  private finish(): void {
    if (this.done) return;
    this.done = true;
    const t = this.tcp;
    this.tcp = null;
    try {
      t?.close();
    } catch {
      // already closed
    }
    this.h.onClose();
  }
  peer(): [string, number] | undefined {
    if (!this.peerInfo) this.remember();
    return this.peerInfo;
  }
  write(data: Uint8Array): number {
    const t = this.tcp;
    if (!t || !this.connected) return 0;
    if (this.ended) {
      this.h.onError(new OSError("the connection was closed by the peer", "EPIPE"));
      return 0;
    }
    const k = Math.min(this.writable, data.length);
    if (k <= 0) return 0;
    try {
      t.write(k === data.length ? data : data.subarray(0, k));
    } catch (e) {
      this.h.onError(new OSError(`write failed: ${message(e)}`, "EIO"));
      return 0;
    }
    this.writable -= k;
    return k;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pull();
  }
  close(): void {
    this.finish();
  }
  abort(): void {
    this.finish();
  }
}

export class Ecma419NetPort implements NetPort {
  readonly name = "ECMA-419 embedded:io/socket";
  connect(host: string, port: number, handlers: SocketHandlers): NetSocket {
    const a = address(host);
    try {
      return new Ecma419Socket(handlers, { address: a, port });
    } catch (e) {
      throw new OSError(`connect ${host}:${port}: ${message(e)}`, "EIO");
    }
  }
  listen(host: string, port: number, _backlog: number, h: ListenHandlers): NetListener {
    if (host !== "0.0.0.0" && host !== "") address(host); // checked; the socket listens on every interface
    let listener: Listener;
    try {
      listener = new Listener({
        port,
        onReadable(this: Listener, count: number) {
          for (let i = 0; i < count; i++) {
            let from: TCP | undefined;
            try {
              from = this.read();
            } catch (e) {
              // The connection could not be taken (out of sockets or memory): the
              // server reports it as a failed accept and goes on listening.
              h.onConnection(() => {
                throw new OSError(`accept failed: ${message(e)}`, "EMFILE");
              });
              break;
            }
            if (!from) break;
            // Server.accept catches what attaching throws and reports it.
            h.onConnection((handlers) => new Ecma419Socket(handlers, { from }));
          }
        },
      });
    } catch (e) {
      throw new OSError(`listen ${host}:${port}: ${message(e)}`, "EADDRINUSE");
    }
    h.onListening(listener.port || port);
    return {
      close: () => (listener as unknown as { close(): void }).close(),
    };
  }
}

setDefaultNetPort(() => new Ecma419NetPort());
