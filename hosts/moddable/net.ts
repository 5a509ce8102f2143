// asyncio streams over ECMA-419 sockets (embedded:io/socket/tcp and
// embedded:io/socket/listener): ESP32 and ESP8266 (lwIP) and the desktop
// simulator. modules/network/manifest.json maps it as "network/sockets" and
// preloads it: loading it names it as the network port; nothing native runs
// until a stream is opened.
//
// Names: dotted IPv4 addresses and "localhost" are used as they are; other
// names are resolved through the SDK's DNS (`net`: Net.resolve, lwIP's
// resolver on the devices, the desktop's on the simulator). A name that
// does not resolve is OSError ENOTFOUND; resolving takes the resolver's
// own time (lwIP gives up after its retries); close() meanwhile drops the
// connection before it starts.
// ECMA-419 reports the end of the stream and a failure the same way
// (onError), so after connecting onError reads as EOF; before it, as
// ECONNREFUSED. There is no reset: abort() is close().
//
// Every callback here runs from the socket layer's host callback, where an
// exception that escapes aborts the VM (a reboot): each one catches what it
// runs and turns it into a failed connection or a reported accept.
import TCP from "embedded:io/socket/tcp";
import Listener from "embedded:io/socket/listener";
import Net from "net";
import { thrownMessage } from "asyncio/format";
import { OSError, setDefaultNetPort, type ListenHandlers, type NetListener, type NetPort, type NetSocket, type SocketHandlers } from "asyncio/netport";

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The address of host when it is one already ("localhost" included), else undefined: a name to resolve. */
function literal(host: string): string | undefined {
  if (host === "localhost") return "127.0.0.1";
  if (IPV4.test(host)) return host;
  return undefined;
}

/** A name a resolver could look up (letters, digits, '-', dots; at most 253). */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

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
      if (!this.done) this.h.onError(new OSError(`socket failed: ${thrownMessage(e)}`, "EIO"));
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
      this.h.onError(new OSError(`write failed: ${thrownMessage(e)}`, "EIO"));
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

/**
 * A connection to a name: Net.resolve first, then the socket. Until the
 * address arrives it holds what the stream asks (pause, close); the stream
 * writes nothing before onConnect.
 */
class Resolving implements NetSocket {
  private inner: NetSocket | null = null;
  private done = false;
  private paused = false;

  constructor(private readonly host: string, private readonly port: number, private readonly h: SocketHandlers) {
    if (!HOSTNAME.test(host)) throw new OSError(`connect ${JSON.stringify(host)}:${port}: not a host name or IPv4 address`, "ENOTFOUND");
    const self = this;
    try {
      Net.resolve(host, (_name: string, address?: string) => {
        try {
          self.resolved(address);
        } catch (e) {
          // nothing may escape into the resolver's callback
          self.fail(new OSError(`connect ${host}:${port}: ${thrownMessage(e)}`, "EIO"));
        }
      });
    } catch (e) {
      // lwIP's table of look-ups in progress is full (4 on ESP8266), or no resolver
      throw new OSError(`connect ${JSON.stringify(host)}:${port}: can't resolve now: ${thrownMessage(e)}`, "EAGAIN");
    }
  }
  private resolved(address: string | undefined): void {
    if (this.done) return;
    if (typeof address !== "string" || !IPV4.test(address)) {
      this.fail(new OSError(`connect ${JSON.stringify(this.host)}:${this.port}: the name does not resolve`, "ENOTFOUND"));
      return;
    }
    let inner: NetSocket;
    try {
      inner = new Ecma419Socket(this.h, { address, port: this.port });
    } catch (e) {
      this.fail(new OSError(`connect ${this.host}:${this.port}: ${thrownMessage(e)}`, "EIO"));
      return;
    }
    this.inner = inner;
    if (this.paused) inner.pause();
  }
  /** Never throws. */
  private fail(e: OSError): void {
    if (this.done) return;
    this.done = true;
    try {
      this.h.onError(e);
      this.h.onClose();
    } catch {
      // the stream's handlers only record
    }
  }
  peer(): [string, number] | undefined {
    return this.inner?.peer();
  }
  write(data: Uint8Array): number {
    return this.inner ? this.inner.write(data) : 0;
  }
  pause(): void {
    this.paused = true;
    this.inner?.pause();
  }
  resume(): void {
    this.paused = false;
    this.inner?.resume();
  }
  close(): void {
    if (this.inner) this.inner.close();
    else if (!this.done) {
      this.done = true;
      this.h.onClose();
    }
  }
  abort(): void {
    if (this.inner) this.inner.abort();
    else this.close();
  }
}

export class Ecma419NetPort implements NetPort {
  readonly name = "ECMA-419 embedded:io/socket";
  connect(host: string, port: number, handlers: SocketHandlers): NetSocket {
    const a = literal(host);
    if (a === undefined) return new Resolving(host, port, handlers);
    try {
      return new Ecma419Socket(handlers, { address: a, port });
    } catch (e) {
      throw new OSError(`connect ${host}:${port}: ${thrownMessage(e)}`, "EIO");
    }
  }
  listen(host: string, port: number, _backlog: number, h: ListenHandlers): NetListener {
    // The socket listens on every interface; a host to listen on must be one of ours, given as an address.
    if (host !== "0.0.0.0" && host !== "" && literal(host) === undefined) throw new OSError(`listen ${JSON.stringify(host)}:${port}: give an IPv4 address (or "0.0.0.0") to listen on`, "EADDRNOTAVAIL");
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
                throw new OSError(`accept failed: ${thrownMessage(e)}`, "EMFILE");
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
      throw new OSError(`listen ${host}:${port}: ${thrownMessage(e)}`, "EADDRINUSE");
    }
    h.onListening(listener.port || port);
    return {
      close: () => (listener as unknown as { close(): void }).close(),
    };
  }
}

setDefaultNetPort(() => new Ecma419NetPort());
