// Streams under failure: connection handlers that throw anything, reads that
// are cancelled or time out. Most of it runs on a scripted network port and
// virtual time (exact and fast); the leaks are also checked on real sockets.
import { expect } from "chai";
import * as net from "net";
import asyncio, { OSError, READ_BUFFER_LIMIT, type ExceptionContext, type Loop, type Server, type Stream, type Task } from "../modules/asyncio";
import { setNetPort, type ListenHandlers, type NetListener, type NetPort, type NetSocket, type SocketHandlers } from "../modules/asyncio/netport";
import { NodeHost } from "../hosts/node";
import { openSocketCount } from "../hosts/node/net";
import type { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";
import { onUartStream, transportPaused } from "./peripherals-helpers";
import { thrownValues } from "./xs/thrown-values";

const HOST = "127.0.0.1";
const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expectReject(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

// ---- a scripted network port --------------------------------------------------

class FakeSocket implements NetSocket {
  closed = false;
  aborted = false;
  paused = false;
  readonly written: Uint8Array[] = [];
  constructor(readonly h: SocketHandlers, private readonly address: [string, number]) {}
  peer(): [string, number] {
    return this.address;
  }
  write(data: Uint8Array): number {
    if (this.closed) return 0;
    this.written.push(data.slice());
    return data.length;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(): void {
    this.finish();
  }
  abort(): void {
    this.aborted = true;
    this.finish();
  }
  /** The peer sends bytes. */
  send(s: string | Uint8Array): void {
    this.h.onData(typeof s === "string" ? bytes(s) : s);
  }
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    // As real sockets: the close is reported from a later host callback.
    void Promise.resolve().then(() => this.h.onClose());
  }
}

class FakePort implements NetPort {
  readonly name = "scripted";
  readonly sockets: FakeSocket[] = [];
  private listener: ListenHandlers | null = null;
  private nextPeerPort = 40000;
  failAttach: unknown = undefined;
  connect(_host: string, _port: number, h: SocketHandlers): NetSocket {
    const s = new FakeSocket(h, ["10.0.0.1", 7]);
    this.sockets.push(s);
    void Promise.resolve().then(() => h.onConnect());
    return s;
  }
  listen(_host: string, port: number, _backlog: number, h: ListenHandlers): NetListener {
    this.listener = h;
    h.onListening(port || 8080);
    return { close: () => (this.listener = null) };
  }
  /** A client connects to the listening server; returns the server side's socket. */
  client(): FakeSocket {
    let made: FakeSocket | null = null;
    this.listener!.onConnection((h) => {
      if (this.failAttach !== undefined) throw this.failAttach;
      made = new FakeSocket(h, ["10.0.0.2", this.nextPeerPort++]);
      this.sockets.push(made);
      return made;
    });
    return made!;
  }
  open(): number {
    return this.sockets.filter((s) => !s.closed).length;
  }
}

async function withFakePort<R>(body: (port: FakePort, host: VirtualHost, loop: Loop) => Promise<R>): Promise<R> {
  const port = new FakePort();
  const previous = setNetPort(port);
  try {
    return await onVirtualTime((host, loop) => loop.runUntilComplete(() => body(port, host, loop)));
  } finally {
    setNetPort(previous);
  }
}

const nastyValues = thrownValues;

describe("streams: failing connection handlers", function () {
  this.timeout(20000);

  for (const [what, make] of nastyValues()) {
    for (const style of ["rejects", "throws synchronously"] as const) {
      it(`a handler that ${style} with ${what}: reported once (naming the server and peer), its connection closed`, async () => {
        await withFakePort(async (port, _host, loop) => {
          const seen: ExceptionContext[] = [];
          loop.setExceptionHandler((_l, ctx) => void seen.push(ctx));
          const server = await asyncio.startServer(
            style === "rejects"
              ? async (r: Stream) => {
                  await r.readline();
                  throw make();
                }
              : () => {
                  throw make();
                },
            HOST,
            8080,
          );
          const sock = port.client();
          sock.send("hello\n");
          for (let i = 0; i < 5; i++) await asyncio.sleep(0.01);
          expect(seen.length, "reports").to.equal(1);
          expect(seen[0].message).to.be.a("string");
          expect(seen[0].message).to.contain("10.0.0.2:40000").and.contain("8080");
          expect(seen[0].future).to.not.equal(null);
          // The report carries the very value thrown (the revoked proxy can't even be compared safely).
          if (what !== "a revoked Proxy" && what !== "a Symbol") expect(typeof seen[0].exception).to.equal(typeof make());
          expect(sock.closed, "connection closed").to.equal(true);
          expect(server.connectionCount()).to.equal(0);
          expect(server.handlerCount()).to.equal(0);
          expect(port.open()).to.equal(0);
          server.close();
        });
      });
    }
  }

  it("the default handler reports every kind of failure through the host, and the server keeps serving", async () => {
    await withFakePort(async (port, host) => {
      const values = nastyValues();
      let i = 0;
      const server = await asyncio.startServer(async (r: Stream, w: Stream) => {
        const line = await r.readline();
        if (i < values.length) throw values[i++][1]();
        w.write(line);
        await w.drain();
        w.close();
      }, HOST, 8080);
      for (let k = 0; k < values.length; k++) {
        port.client().send("x\n");
        await asyncio.sleep(0.01);
      }
      expect(host.reports.length).to.equal(values.length);
      for (const r of host.reports) expect(r).to.contain("10.0.0.2:");
      const last = port.client();
      last.send("still serving\n");
      for (let k = 0; k < 5; k++) await asyncio.sleep(0.01);
      expect(last.written.map(text).join("")).to.equal("still serving\n");
      expect(port.open()).to.equal(0);
      server.close();
    });
  });

  it("a handler returning a revoked Proxy, and an exception handler that throws: reported, nothing escapes", async () => {
    await withFakePort(async (port, host, loop) => {
      loop.setExceptionHandler(() => {
        throw Object.create(null);
      });
      const server = await asyncio.startServer(() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      }, HOST, 8080);
      const sock = port.client();
      for (let k = 0; k < 3; k++) await asyncio.sleep(0.01);
      expect(sock.closed).to.equal(true);
      // The throwing handler is reported, then the original report.
      expect(host.reports.length).to.equal(2);
      expect(host.reports[0]).to.contain("exception handler");
      expect(host.reports[1]).to.contain("10.0.0.2:");
      server.close();
    });
  });

  it("a cancelled handler closes its connection (CPython)", async () => {
    await withFakePort(async (port, host) => {
      let handlerTask: Task<unknown> | null = null;
      const server = await asyncio.startServer(async (r: Stream) => {
        handlerTask = asyncio.currentTask();
        await r.readline();
      }, HOST, 8080);
      const sock = port.client();
      await asyncio.sleep(0.01);
      expect(handlerTask).to.not.equal(null);
      handlerTask!.cancel();
      for (let k = 0; k < 3; k++) await asyncio.sleep(0.01);
      expect(sock.closed).to.equal(true);
      expect(server.connectionCount()).to.equal(0);
      expect(host.reports).to.deep.equal([]); // a cancellation is not an error
      server.close();
    });
  });

  it("a handler that returns without closing keeps its connection (it may have handed the stream on)", async () => {
    await withFakePort(async (port) => {
      const kept: Stream[] = [];
      const server = await asyncio.startServer((r: Stream) => void kept.push(r), HOST, 8080);
      const sock = port.client();
      await asyncio.sleep(0.01);
      expect(sock.closed).to.equal(false);
      kept[0].close();
      await asyncio.sleep(0.01);
      expect(sock.closed).to.equal(true);
      server.close();
    });
  });

  it("accepting fails (the port can't make a socket: out of sockets): reported, the server keeps serving", async () => {
    await withFakePort(async (port, host) => {
      const server = await asyncio.startServer(async (_r: Stream, w: Stream) => w.close(), HOST, 8080);
      port.failAttach = Object.create(null);
      expect(() => port.client()).to.not.throw();
      port.failAttach = undefined;
      expect(host.reports.length).to.equal(1);
      expect(host.reports[0]).to.contain("8080");
      const sock = port.client();
      await asyncio.sleep(0.01);
      expect(sock.closed).to.equal(true);
      expect(server.isServing()).to.equal(true);
      server.close();
    });
  });

  describe("on real sockets", () => {
    function real<T>(main: (loop: Loop) => Promise<T>): Promise<T> {
      return withHost(new NodeHost(), (loop) => loop.runUntilComplete(() => main(loop)));
    }
    for (const [what, make] of [["a plain Error", () => new Error("handler failed")], ["Object.create(null)", () => Object.create(null)]] as const) {
      it(`a handler that fails with ${what} after the client left: no server connection or socket stays open`, async () => {
        await real(async (loop) => {
          const seen: ExceptionContext[] = [];
          loop.setExceptionHandler((_l, ctx) => void seen.push(ctx));
          let server: Server | null = null;
          server = await asyncio.startServer(async (r: Stream) => {
            await r.readline();
            await asyncio.sleep(0.05); // the client leaves meanwhile
            throw make();
          }, HOST, 0);
          const c = net.connect(server.port, HOST);
          c.on("error", () => undefined);
          await new Promise((res) => c.once("connect", res));
          c.write("hi\n");
          await asyncio.sleep(0.02);
          c.destroy();
          for (let i = 0; i < 100 && (server.connectionCount() || openSocketCount()); i++) await asyncio.sleep(0.01);
          expect(seen.length).to.equal(1);
          expect(seen[0].message).to.contain(`${server.port}`);
          expect(server.connectionCount(), "server connections").to.equal(0);
          expect(openSocketCount(), "open sockets").to.equal(0);
          server.close();
          await server.waitClosed();
        });
      });
    }
  });
});

describe("streams: the node:net port turns any error into an OSError", function () {
  it("a socket error that is not an Error (Object.create(null), a revoked Proxy) arrives as OSError EIO; nothing is thrown in the event", async () => {
    const srv = net.createServer((s) => s.on("error", () => undefined));
    await new Promise<void>((res) => srv.listen(0, HOST, () => res()));
    try {
      await withHost(new NodeHost(), (loop) =>
        loop.runUntilComplete(async () => {
          for (const bad of [Object.create(null), (() => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; })()]) {
            const [r] = await asyncio.openConnection(HOST, (srv.address() as net.AddressInfo).port);
            const sock = (r as unknown as { sock: { s: net.Socket } }).sock.s;
            const reading = asyncio.createTask(() => r.read(10));
            await asyncio.sleep(0.01);
            sock.emit("error", bad);
            const e = await expectReject(reading);
            expect(e).to.be.instanceOf(OSError);
            expect((e as OSError).code).to.equal("EIO");
            expect((e as OSError).message).to.contain("connect");
            r.abort();
          }
        }),
      );
    } finally {
      await new Promise((res) => srv.close(res));
      for (let i = 0; i < 100 && openSocketCount(); i++) await pause(5);
    }
  });
});

/** The far end of a stream on virtual time, whatever its transport. */
interface Far {
  /** Bytes arrive at the stream now. */
  send(data: string | Uint8Array): void;
  /** No more bytes: TCP's FIN; a UART has no end of stream, so deinit() (what arrived stays readable). */
  end(): void;
  /** The transport fails: a TCP reset; a UART closed with deinit(). */
  fail(): void;
  /** Whether the stream has paused the transport (16 KiB unread). */
  paused(): boolean;
}
type OpenStream = (body: (r: Stream, peer: Far, host: VirtualHost) => Promise<void>) => Promise<void>;

/** A connected client stream on the scripted port, and the peer's end of it. */
async function connect(port: FakePort): Promise<[Stream, FakeSocket]> {
  const [r] = await asyncio.openConnection("10.0.0.1", 7);
  return [r, port.sockets[port.sockets.length - 1]];
}

/** The transports whose streams must lose nothing: TCP (the scripted port) and a UART (the simulated board; bytes land as a receive interrupt hands them over). */
const lossless: [string, OpenStream][] = [
  [
    "TCP",
    (body) =>
      withFakePort(async (port, host) => {
        const [r, sock] = await connect(port);
        await body(r, { send: (d) => sock.send(d), end: () => sock.h.onEnd(), fail: () => sock.h.onError(new OSError("reset", "ECONNRESET")), paused: () => sock.paused }, host);
      }),
  ],
  [
    "a UART",
    (body) =>
      onUartStream(async (r, dev, uart, { host }) => {
        await body(r, { send: (d) => dev.deliverNow(d), end: () => uart.deinit(), fail: () => uart.deinit(), paused: () => transportPaused(r) }, host);
      }),
  ],
];

for (const [transport, open] of lossless) describe(`streams over ${transport}: a cancelled or timed-out read loses no input`, function () {
  this.timeout(20000);

  it("read() cancelled after some chunks: the next read gets them, in order", async () => {
    await open(async (r, peer, host) => {
      const t = asyncio.createTask(() => r.read());
      host.after(10, () => peer.send("abc"));
      host.after(20, () => peer.send("def"));
      await asyncio.sleep(0.05);
      t.cancel();
      expect(await expectReject(t)).to.be.instanceOf(asyncio.CancelledError);
      peer.send("ghi");
      expect(text(await r.read(100))).to.equal("abcdefghi");
      r.close();
    });
  });

  it("read(-1) under waitFor: TimeoutError, then read() returns everything up to EOF", async () => {
    await open(async (r, peer, host) => {
      host.after(10, () => peer.send("one "));
      host.after(20, () => peer.send("two "));
      expect(await expectReject(asyncio.waitFor(r.read(-1), 0.05))).to.be.instanceOf(asyncio.TimeoutError);
      host.after(10, () => peer.send("three"));
      host.after(20, () => peer.end());
      expect(text(await r.read())).to.equal("one two three");
      r.close();
    });
  });

  it("readline() without a bound under timeout(): TimeoutError, then the whole line", async () => {
    await open(async (r, peer, host) => {
      host.after(10, () => peer.send("GET / HT"));
      expect(await expectReject(asyncio.timeout(0.05, () => r.readline()))).to.be.instanceOf(asyncio.TimeoutError);
      host.after(10, () => peer.send("TP/1.1\r\nHost: x\r\n"));
      expect(text(await r.readline())).to.equal("GET / HTTP/1.1\r\n");
      expect(text(await r.readline())).to.equal("Host: x\r\n");
      r.close();
    });
  });

  it("readexactly(n > 16 KiB) cancelled with more than 16 KiB collected: all of it comes back, and the socket stays paused", async () => {
    await open(async (r, peer, host) => {
      const n = READ_BUFFER_LIMIT + 8000;
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = (i * 13) & 255;
      const t = asyncio.createTask(() => r.readexactly(n));
      const first = READ_BUFFER_LIMIT + 1000;
      for (let off = 0, k = 0; off < first; off += 4000, k++) host.after(1 + k, () => peer.send(data.subarray(off, Math.min(off + 4000, first))));
      await asyncio.sleep(0.05);
      t.cancel();
      await expectReject(t);
      expect(peer.paused(), "paused: the unread input is over the limit again").to.equal(true);
      host.after(5, () => peer.send(data.subarray(first)));
      const got = await r.readexactly(n);
      expect(Buffer.from(got).equals(Buffer.from(data))).to.equal(true);
      expect(peer.paused()).to.equal(false);
      r.close();
    });
  });

  it("readline(max > 16 KiB) timed out with waitFor: the partial line comes back", async () => {
    await open(async (r, peer, host) => {
      const long = "x".repeat(READ_BUFFER_LIMIT + 100);
      host.after(10, () => peer.send(long.slice(0, 10000)));
      host.after(20, () => peer.send(long.slice(10000)));
      expect(await expectReject(asyncio.waitFor(r.readline(READ_BUFFER_LIMIT * 4), 0.05))).to.be.instanceOf(asyncio.TimeoutError);
      host.after(10, () => peer.send("\nnext"));
      expect(text(await r.readline(READ_BUFFER_LIMIT * 4))).to.equal(long + "\n");
      expect(text(await r.read(10))).to.equal("next");
      r.close();
    });
  });

  it("bounded reads under waitFor and cancel() take nothing either", async () => {
    await open(async (r, peer, host) => {
      host.after(10, () => peer.send("ab"));
      expect(await expectReject(asyncio.waitFor(r.readexactly(4), 0.05))).to.be.instanceOf(asyncio.TimeoutError);
      expect(await expectReject(asyncio.waitFor(r.readline(100), 0.05))).to.be.instanceOf(asyncio.TimeoutError);
      peer.send("cd\n");
      expect(text(await r.readline(100))).to.equal("abcd\n");
      r.close();
    });
  });

  for (const [what, read] of [
    ["read(10)", (r: Stream) => r.read(10)],
    ["read()", (r: Stream) => r.read()],
    ["readline()", (r: Stream) => r.readline()],
    ["readexactly(3)", (r: Stream) => r.readexactly(3)],
  ] as const) {
    it(`${what}: bytes arriving at the very moment waitFor / timeout() expires are either returned or left for the next read`, async () => {
      for (const [limit, offset] of [["waitForMs", -1], ["waitForMs", 0], ["waitForMs", 1], ["timeoutMs", -1], ["timeoutMs", 0], ["timeoutMs", 1]] as const) {
        await open(async (r, peer, host) => {
          // The data lands just before, with, or just after the deadline (virtual ms).
          host.after(50 + offset, () => {
            peer.send("ab\n");
            peer.end();
          });
          let got = "";
          try {
            got = text(await (limit === "waitForMs" ? asyncio.waitForMs(read(r), 50) : asyncio.timeoutMs(50, () => read(r))));
          } catch (e) {
            expect(e).to.be.instanceOf(asyncio.TimeoutError);
          }
          // Everything already came (a UART's end is a close: reading past it is its error).
          const rest = got.length === 3 ? "" : text(await r.read());
          expect(got + rest, `${limit}, data at ${50 + offset} ms`).to.equal("ab\n");
          r.close();
        });
      }
    });
  }

  it("a connection error in the middle of readexactly(n > 16 KiB): the error is raised and the bytes stay readable", async () => {
    await open(async (r, peer, host) => {
      const n = READ_BUFFER_LIMIT * 2;
      host.after(10, () => peer.send("partial"));
      host.after(20, () => peer.fail());
      const e = await expectReject(r.readexactly(n));
      expect(e).to.be.instanceOf(OSError);
      expect(text(await r.read(100))).to.equal("partial");
      r.close();
    });
  });

  it("a second reader is refused before it takes anything", async () => {
    await open(async (r, peer, host) => {
      const first = asyncio.createTask(() => r.readexactly(6));
      peer.send("abc");
      await asyncio.sleep(0.01);
      expect(await expectReject(r.read())).to.be.instanceOf(asyncio.RuntimeError);
      expect(await expectReject(r.read(2))).to.be.instanceOf(asyncio.RuntimeError);
      host.after(10, () => peer.send("def"));
      expect(text(await first)).to.equal("abcdef");
      r.close();
    });
  });
});

describe("streams over TCP on real sockets: a timed-out read loses no input", function () {
  this.timeout(20000);

  it("waitFor(read(), …) times out, and read() then returns every byte", async () => {
    let peer: net.Socket | null = null;
    const srv = net.createServer((s) => (peer = s));
    await new Promise<void>((res) => srv.listen(0, HOST, () => res()));
    try {
      await withHost(new NodeHost(), (loop) =>
        loop.runUntilComplete(async () => {
          const [r] = await asyncio.openConnection(HOST, (srv.address() as net.AddressInfo).port);
          for (let i = 0; i < 100 && !peer; i++) await asyncio.sleep(0.005);
          peer!.write("first ");
          expect(await expectReject(asyncio.waitFor(r.read(), 0.1))).to.be.instanceOf(asyncio.TimeoutError);
          peer!.end("second");
          expect(text(await asyncio.waitFor(r.read(), 5))).to.equal("first second");
          await r.waitClosed();
        }),
      );
    } finally {
      await new Promise((res) => srv.close(res));
      for (let i = 0; i < 100 && openSocketCount(); i++) await pause(5);
    }
  });
});
