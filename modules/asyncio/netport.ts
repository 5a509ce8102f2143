/**
 * The small TCP port the asyncio streams sit on. One adapter per host lives
 * in hosts/<host>/net.ts (node:net on Node, ECMA-419 embedded:io/socket on
 * Moddable) and is installed with setDefaultNetPort() / setNetPort().
 *
 * Every callback may come from the host's own callback context (outside any
 * asyncio step); the library only records what happened and wakes waiters
 * with loop.wakeSoon(). An exception escaping such a context aborts the VM on
 * XS (a device reboot), so neither side lets one out: the library's handlers
 * never throw (a failed accept is reported through the loop's exception
 * handler), and a port catches what its own socket layer throws inside its
 * callbacks and reports it as onError, or as an attach that throws.
 */
import { named, RuntimeError } from "./errors";
import { HostSlot } from "./hostslot";

/** Error from the network (MicroPython raises OSError): `code` is "ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "EBADF", … */
export class OSError extends Error {
  readonly code: string;
  constructor(message: string, code = "EIO") {
    super(message);
    this.code = code;
  }
}
named(OSError, "OSError");

/** No network port is installed on this host. */
export class NoNetPortError extends RuntimeError {
  constructor() {
    super("asyncio: no network port installed (on Node import hosts/node and call installNodeHost(); on Moddable include modules/asyncio/manifest.json for esp32 or lin)");
  }
}
named(NoNetPortError, "NoNetPortError");

/** What a socket tells its stream. */
export interface SocketHandlers {
  /** openConnection only: the connection is up (accepted sockets are up from the start). */
  onConnect(): void;
  /** Bytes arrived (never called while paused). The chunk belongs to the receiver. */
  onData(chunk: Uint8Array): void;
  /** The peer will send nothing more (FIN). */
  onEnd(): void;
  /** write() refused bytes earlier; the socket takes more now. */
  onWritable(): void;
  /** The connection failed (refused, reset, unknown host …): an OSError. onClose follows. */
  onError(error: Error): void;
  /** The socket is closed for good; no callback follows. */
  onClose(): void;
}

export interface NetSocket {
  /** [address, port] of the other end, when known. */
  peer(): [string, number] | undefined;
  /**
   * Hands bytes to the transport; returns how many it took (0 … length).
   * When it took fewer, onWritable() follows once it takes more.
   */
  write(data: Uint8Array): number;
  /** Stop / restart onData (the transport's own buffers then fill and TCP flow control pushes back). */
  pause(): void;
  resume(): void;
  /** Graceful close: what write() took is still sent, then FIN. onClose follows. */
  close(): void;
  /** Closes at once, dropping unsent bytes (reset). onClose follows. */
  abort(): void;
}

export interface ListenHandlers {
  /** The listening socket is bound (port: the actual port, useful with port 0). */
  onListening(port: number): void;
  /** Binding failed, or the listener broke: an OSError. */
  onError(error: Error): void;
  /**
   * A client connected: call attach synchronously to get its socket. attach
   * may throw (the port could not make the socket: out of sockets or memory);
   * the server reports that and goes on listening.
   */
  onConnection(attach: (handlers: SocketHandlers) => NetSocket): void;
}

export interface NetListener {
  /** Stops accepting; already accepted sockets are not affected. */
  close(): void;
}

export interface NetPort {
  /** Names the transport in error messages. */
  readonly name: string;
  /** Starts a connection; errors (refused, unknown host) arrive through onError, or are thrown. */
  connect(host: string, port: number, handlers: SocketHandlers): NetSocket;
  listen(host: string, port: number, backlog: number, handlers: ListenHandlers): NetListener;
}

const slot = new HostSlot<NetPort>(Symbol.for("moddable-asyncio.net"));

/** Installs a network port now; returns the previous one. */
export function setNetPort(port: NetPort | null): NetPort | null {
  return slot.set(port);
}

/**
 * Names the port to create on first use (hosts call this when their module
 * loads; creating it lazily keeps those modules preloadable).
 */
export function setDefaultNetPort(factory: (() => NetPort) | null): void {
  slot.setDefault(factory);
}

export function getNetPort(): NetPort {
  return slot.get(() => new NoNetPortError());
}
