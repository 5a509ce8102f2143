// TCP streams on the Node host: real sockets on 127.0.0.1, ephemeral ports.
import { expect } from "chai";
import * as net from "net";
import asyncio, { EOFError, IncompleteReadError, NoNetPortError, OSError, READ_BUFFER_LIMIT, type Loop, type Server, type Stream, type Task } from "../modules/asyncio";
import { setDefaultNetPort, setNetPort } from "../modules/asyncio/netport";
import { NodeHost } from "../hosts/node";
import { installNodeNet, openListenerCount, openSocketCount } from "../hosts/node/net";
import { greenLateness, HttpConnection, LOAD_LIMITS, startWebApp, webLoad, type WebApp } from "../bench/webload";
import { withHost } from "./helpers";
import { onUartStream } from "./peripherals-helpers";
import { byteMs } from "../modules/machine/sim/uart";

const HOST = "127.0.0.1";
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

/** Runs main on a fresh loop over the Node host (real time). */
function real<T>(main: (loop: Loop) => Promise<T>): Promise<T> {
  return withHost(new NodeHost(), (loop) => loop.runUntilComplete(() => main(loop)));
}

async function echoServer(): Promise<Server> {
  return asyncio.startServer(async (r: Stream, w: Stream) => {
    try {
      for (;;) {
        const line = await r.readline();
        if (line.length === 0) break;
        w.write(line);
        await w.drain();
      }
    } catch {
      // a reset peer
    } finally {
      await w.waitClosed();
    }
  }, HOST, 0);
}

/** A plain node:net server for scripted peers; resolves with its port. */
function rawServer(onConnection: (s: net.Socket) => unknown): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
      void onConnection(s); // its rejection fails the test (test/setup.ts)
    });
    srv.listen(0, HOST, () => {
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
      });
    });
  });
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expectReject(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("streams (TCP, Node host)", function () {
  this.timeout(20000);

  afterEach(async () => {
    // Every stream the tests opened got closed.
    for (let i = 0; i < 200 && openSocketCount() > 0; i++) await pause(5);
    expect(openSocketCount(), "sockets left open").to.equal(0);
  });

  it("echo server and clients", async () => {
    await real(async () => {
      const server = await echoServer();
      const client = async (i: number) => {
        const [r, w] = await asyncio.openConnection(HOST, server.port);
        expect(w).to.equal(r);
        const peer = r.getExtraInfo("peername") as [string, number];
        expect(peer[0]).to.equal(HOST);
        expect(peer[1]).to.equal(server.port);
        const got: string[] = [];
        for (let k = 0; k < 5; k++) {
          w.write(`client ${i} line ${k}\n`);
          await w.drain();
          got.push(text(await r.readline()));
        }
        w.close();
        await w.waitClosed();
        return got;
      };
      const all = await asyncio.gather([client(0), client(1), client(2), client(3)]);
      all.forEach((got, i) => expect(got).to.deep.equal([0, 1, 2, 3, 4].map((k) => `client ${i} line ${k}\n`)));
      server.close();
      await server.waitClosed();
      for (let i = 0; i < 100 && server.connectionCount(); i++) await asyncio.sleepMs(5);
      expect(server.connectionCount()).to.equal(0);
      expect(server.handlerCount()).to.equal(0);
    });
  });

  it("readexactly: whole chunks, then EOF raises IncompleteReadError", async () => {
    const raw = await rawServer((s) => {
      s.write("abc");
      setTimeout(() => s.end("defgh"), 20);
    });
    try {
      await real(async () => {
        const [r] = await asyncio.openConnection(HOST, raw.port);
        expect(text(await r.readexactly(5))).to.equal("abcde");
        const e = await expectReject(r.readexactly(10));
        expect(e).to.be.instanceOf(IncompleteReadError);
        expect(e).to.be.instanceOf(EOFError);
        expect(text((e as IncompleteReadError).partial)).to.equal("fgh");
        expect((e as IncompleteReadError).expected).to.equal(10);
        await r.waitClosed();
      });
    } finally {
      await raw.close();
    }
  });

  it("a big transfer both ways: drain waits, unread input stays bounded", async () => {
    const SIZE = 1 << 20;
    const data = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i++) data[i] = (i * 7) & 255;
    let received = 0;
    let matches = true;
    const raw = await rawServer((s) => {
      s.write(data); // 1 MiB towards the stream, which reads late
      s.on("data", (b: Buffer) => {
        for (let i = 0; i < b.length; i++) if (b[i] !== data[(received + i) % SIZE]) matches = false;
        received += b.length;
        if (received === SIZE) s.end();
      });
    });
    try {
      await real(async () => {
        const [r, w] = await asyncio.openConnection(HOST, raw.port);
        // Writer: 1 MiB back, in 64 KiB writes, each drained.
        const writer = asyncio.createTask(async () => {
          for (let off = 0; off < SIZE; off += 65536) {
            w.write(new Uint8Array(data.subarray(off, off + 65536)));
            await w.drain();
          }
        });
        await asyncio.sleepMs(100); // let the peer fill our input
        const buffered = (r as unknown as { input: { length: number } }).input.length;
        expect(buffered).to.be.at.most(READ_BUFFER_LIMIT + 65536);
        let got = 0;
        let same = true;
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await r.readinto(buf);
          if (n === 0) break;
          for (let i = 0; i < n; i++) if (buf[i] !== data[got + i]) same = false;
          got += n;
        }
        await writer;
        expect(got).to.equal(SIZE);
        expect(same).to.equal(true);
        await w.waitClosed();
      });
      expect(received).to.equal(SIZE);
      expect(matches).to.equal(true);
    } finally {
      await raw.close();
    }
  });

  it("a peer that resets: the handler sees EOF or OSError, the server keeps serving", async () => {
    await real(async () => {
      const outcomes: string[] = [];
      const server = await asyncio.startServer(async (r: Stream, w: Stream) => {
        try {
          const line = await r.readline();
          if (line.length === 0 || line[line.length - 1] !== 10) outcomes.push("eof");
          else {
            w.write(line);
            await w.drain();
            outcomes.push("echo");
          }
        } catch (e) {
          outcomes.push(e instanceof OSError ? `oserror ${e.code}` : `other ${String(e)}`);
        } finally {
          await w.waitClosed();
        }
      }, HOST, 0);
      const victim = net.connect(server.port, HOST);
      victim.on("error", () => undefined);
      await new Promise((res) => victim.once("connect", res));
      victim.write("partial line, no newline");
      await asyncio.sleepMs(20);
      victim.resetAndDestroy();
      for (let i = 0; i < 200 && outcomes.length === 0; i++) await asyncio.sleepMs(5);
      expect(outcomes[0]).to.match(/^(eof|oserror ECONNRESET)$/);
      const [r, w] = await asyncio.openConnection(HOST, server.port);
      w.write("still there?\n");
      await w.drain();
      expect(text(await r.readline())).to.equal("still there?\n");
      await w.waitClosed();
      server.close();
      await server.waitClosed();
    });
  });

  it("closing the server with clients attached: they carry on, new ones are refused", async () => {
    await real(async () => {
      const server = await echoServer();
      const [r, w] = await asyncio.openConnection(HOST, server.port);
      w.write("one\n");
      expect(text(await r.readline())).to.equal("one\n");
      expect(server.connectionCount()).to.equal(1);
      server.close();
      await server.waitClosed();
      w.write("two\n");
      expect(text(await r.readline())).to.equal("two\n");
      const e = await expectReject(asyncio.openConnection(HOST, server.port));
      expect(e).to.be.instanceOf(OSError);
      expect((e as OSError).code).to.equal("ECONNREFUSED");
      await w.waitClosed();
      for (let i = 0; i < 200 && server.connectionCount(); i++) await asyncio.sleepMs(5);
      expect(server.connectionCount()).to.equal(0);
    });
  });

  it("a handler that raises goes to the exception handler; the server keeps serving", async () => {
    await real(async (loop) => {
      const seen: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
      let n = 0;
      const server = await asyncio.startServer(async (r: Stream, w: Stream) => {
        const line = await r.readline();
        if (n++ === 0) {
          w.close();
          throw new Error("handler failed");
        }
        w.write(line);
        await w.drain();
        await w.waitClosed();
      }, HOST, 0);
      for (let k = 0; k < 2; k++) {
        const [r, w] = await asyncio.openConnection(HOST, server.port);
        w.write("hi\n");
        const back = text(await r.readline());
        expect(back).to.equal(k === 0 ? "" : "hi\n");
        await w.waitClosed();
      }
      expect(seen.length).to.equal(1);
      expect(String(seen[0])).to.contain("handler failed");
      server.close();
      await server.waitClosed();
    });
  });

  it("connection refused, unknown host, bad ports: typed errors", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, HOST, () => r()));
    const freePort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await real(async () => {
      const refused = await expectReject(asyncio.openConnection(HOST, freePort));
      expect(refused).to.be.instanceOf(OSError);
      expect((refused as OSError).code).to.equal("ECONNREFUSED");

      const unknown = await expectReject(asyncio.openConnection("no-such-host.invalid", 80));
      expect(unknown).to.be.instanceOf(OSError);
      expect((unknown as OSError).code).to.match(/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL)$/);

      expect(await expectReject(asyncio.openConnection(HOST, 65536))).to.be.instanceOf(RangeError);
      expect(await expectReject(asyncio.openConnection(HOST, -1))).to.be.instanceOf(RangeError);
      expect(await expectReject(asyncio.openConnection(HOST, 1.5))).to.be.instanceOf(RangeError);
      expect(await expectReject(asyncio.openConnection(HOST, "80" as unknown as number))).to.be.instanceOf(TypeError);
      expect(await expectReject(asyncio.startServer(() => undefined, HOST, 70000))).to.be.instanceOf(RangeError);
      expect(await expectReject(asyncio.startServer(() => undefined, HOST, -5))).to.be.instanceOf(RangeError);

      const server = await echoServer();
      const inUse = await expectReject(asyncio.startServer(() => undefined, HOST, server.port));
      expect(inUse).to.be.instanceOf(OSError);
      expect((inUse as OSError).code).to.equal("EADDRINUSE");

      server.close();
      await server.waitClosed();
    });
  });

  it("cancelling startServer and openConnection while they wait leaves nothing open", async () => {
    await real(async () => {
      const t = asyncio.createTask(asyncio.startServer(() => undefined, HOST, 0));
      await asyncio.sleepMs(0);
      t.cancel();
      expect(await expectReject(t as unknown as Promise<unknown>)).to.be.instanceOf(asyncio.CancelledError);
      const server = await echoServer();
      const c = asyncio.createTask(asyncio.openConnection(HOST, server.port));
      c.cancel();
      expect(await expectReject(c as unknown as Promise<unknown>)).to.be.instanceOf(asyncio.CancelledError);
      server.close();
      await server.waitClosed();
      for (let i = 0; i < 200 && (openListenerCount() || server.connectionCount()); i++) await asyncio.sleepMs(5);
      expect(openListenerCount()).to.equal(0);
      expect(server.connectionCount()).to.equal(0);
    });
  });

  it("no network port installed: NoNetPortError", async () => {
    setNetPort(null);
    setDefaultNetPort(null);
    try {
      await real(async () => {
        expect(await expectReject(asyncio.openConnection(HOST, 80))).to.be.instanceOf(NoNetPortError);
        expect(await expectReject(asyncio.startServer(() => undefined, HOST, 0))).to.be.instanceOf(NoNetPortError);
      });
    } finally {
      installNodeNet();
    }
  });

  describe("examples/webserver.ts", () => {
    let web: WebApp;
    const created: Task<unknown>[] = [];
    before(async () => {
      web = await startWebApp(LOAD_LIMITS);
      // Track every task made from now on (connection handlers, waitFor runners…); the blink tasks came before.
      const loop = web.run.loop as unknown as { createTask: (...a: unknown[]) => Task<unknown> };
      const createTask = loop.createTask;
      loop.createTask = function (this: unknown, ...a: unknown[]) {
        const t = createTask.apply(this, a);
        created.push(t);
        return t;
      };
    });
    after(async () => {
      web.server.close();
      web.run.stop();
      await web.run.finished;
    });

    const settle = async (): Promise<void> => {
      for (let i = 0; i < 400 && (web.server.connectionCount() || openSocketCount() || created.some((t) => !t.done())); i++) await pause(5);
    };

    it("answers GET /, POST /led/<n>, 404, 405 and 400", async () => {
      const c = await HttpConnection.connect(web.port);
      const home = await c.request("GET", "/");
      expect(home.status).to.equal(200);
      expect(home.headers.connection).to.equal("keep-alive");
      expect(home.body).to.contain("LED 0 (green, pin 14)");
      const before = web.app.leds[1].pin.value();
      const post = await c.request("POST", "/led/1");
      expect(post.status).to.equal(303);
      expect(post.headers.location).to.equal("/");
      expect(web.app.leds[1].pin.value()).to.not.equal(before);
      expect((await c.request("POST", "/led/7")).status).to.equal(404);
      expect((await c.request("GET", "/led/0")).status).to.equal(405);
      expect((await c.request("DELETE", "/")).status).to.equal(405);
      expect((await c.request("GET", "/nowhere")).status).to.equal(404);
      const old = await c.request("GET", "/", {}, "1.0"); // HTTP/1.0 without keep-alive: close
      expect(old.status).to.equal(200);
      expect(old.headers.connection).to.equal("close");
      await c.untilEnd();
      c.destroy();
      const bad = await HttpConnection.connect(web.port);
      bad.send("NOT A REQUEST\r\n\r\n");
      bad.sock.end();
      const r = await bad.response();
      expect(r.status).to.equal(400);
      expect(r.headers.connection).to.equal("close");
      await bad.untilEnd();
      bad.destroy();
      await settle();
    });

    it("a 100 KB request line gets 400 and the connection closed", async () => {
      const c = await HttpConnection.connect(web.port);
      c.send("GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\n\r\n");
      c.sock.end();
      const r = await c.response();
      expect(r.status).to.equal(400);
      expect(r.headers.connection).to.equal("close");
      await c.untilEnd();
      c.destroy();
      await settle();
      expect(web.server.connectionCount()).to.equal(0);
    });

    it("50 clients × 20 requests: every response right, nothing left open, the LEDs kept blinking", async function () {
      this.timeout(60000);
      const from = web.run.elapsed();
      const result = await webLoad(web.port, 50, 20);
      const to = web.run.elapsed();
      expect(result.wrong).to.deep.equal([]);
      expect(result.responses).to.equal(1000);
      await settle();
      expect(web.server.connectionCount(), "server connections").to.equal(0);
      expect(web.server.handlerCount(), "handler tasks").to.equal(0);
      expect(openSocketCount(), "open sockets").to.equal(0);
      expect(created.filter((t) => !t.done()).length, "tasks still running").to.equal(0);
      expect(created.length).to.be.greaterThan(1000);
      // The green LED kept toggling under the load (loose bound: one toggle per second at least; it should be two).
      const during = web.run.board.history.filter((ch) => ch.pin === 14 && ch.time >= from && ch.time <= to).length;
      expect(during).to.be.at.least(Math.floor((to - from) / 1000));
      const late = greenLateness(web.run, from, to);
      if (process.env.STREAMS_VERBOSE) console.log(`load: ${Math.round(to - from)} ms, ${during} green toggles, lateness ${late.map((l) => l.toFixed(1)).join(" ")}`);
    });
  });
});

/** The other end of a stream, scripted. */
interface Peer {
  /** Sends bytes; resolves once they have reached the stream's side. */
  write(data: string): Promise<void>;
  /** Waits on the peer's side. */
  pause(ms: number): Promise<void>;
  /** No more bytes: TCP's FIN; a UART has no end of stream, so it is closed (deinit()) once what was sent has arrived. */
  end(): Promise<void>;
  /** What reading past the end gives: TCP, EOF (nothing); a closed UART, OSError EBADF. */
  expectEnd(read: () => Promise<Uint8Array | number>): Promise<void>;
}
/** Runs body on a stream whose other end runs script (from when the stream exists). */
type Live = (script: ((peer: Peer) => Promise<void>) | null, body: (r: Stream, w: Stream, peer: Peer) => Promise<void>) => Promise<void>;

const overTcp: Live = async (script, body) => {
  let sock: net.Socket | null = null;
  const peerOf = (s: net.Socket): Peer => ({
    write: (data) => new Promise<void>((r) => s.write(data, () => r())),
    pause: async (ms) => {
      await pause(ms);
    },
    end: async () => {
      s.end();
    },
    expectEnd: async (read) => {
      const v = await read();
      expect(typeof v === "number" ? v : v.length, "EOF").to.equal(0);
    },
  });
  const raw = await rawServer((s) => {
    sock = s;
    return script?.(peerOf(s));
  });
  try {
    await real(async () => {
      const [r, w] = await asyncio.openConnection(HOST, raw.port);
      for (let i = 0; i < 400 && !sock; i++) await asyncio.sleepMs(5);
      await body(r, w, peerOf(sock!));
    });
  } finally {
    await raw.close();
  }
};

/** UART2 of the simulated board at 115 200 baud, on virtual time; the device on its other end sends at that rate. */
const overUart: Live = (script, body) =>
  onUartStream(async (s, dev, uart, { host }) => {
    // A byte is reported once the line has been idle 4 byte times after it.
    const arrived = (): Promise<void> => asyncio.sleepMs(Math.max(0, dev.busyUntil() - host.now()) + 5 * byteMs(dev.format));
    const peer: Peer = {
      write: async (data) => {
        dev.send(data);
        await arrived();
      },
      pause: (ms) => asyncio.sleepMs(ms),
      end: async () => {
        await arrived();
        uart.deinit();
      },
      expectEnd: async (read) => {
        const e = await expectReject(read());
        expect(e).to.be.instanceOf(OSError);
        expect((e as OSError).code).to.equal("EBADF");
      },
    };
    const peerTask = script ? asyncio.createTask(() => script(peer)) : null;
    await body(s, s, peer);
    if (peerTask) await peerTask;
  });

for (const [transport, live] of [["TCP (node:net, real time)", overTcp], ["a UART (simulated board, virtual time)", overUart]] as const) describe(`streams over ${transport}: reading and writing`, function () {
  this.timeout(20000);

  afterEach(async () => {
    for (let i = 0; i < 200 && openSocketCount() > 0; i++) await pause(5);
    expect(openSocketCount(), "sockets left open").to.equal(0);
  });

  it("partial reads: read(n), readinto, read() to the end", async () => {
    await live(
      async (peer) => {
        await peer.write("0123456789abcdefghij");
        await peer.end();
      },
      async (r, _w, peer) => {
        const first = await r.read(4);
        expect(first.length).to.be.within(1, 4);
        const buf = new Uint8Array(3);
        const n = await r.readinto(buf);
        expect(n).to.be.within(1, 3);
        const rest = await r.read();
        expect(text(first) + text(buf.subarray(0, n)) + text(rest)).to.equal("0123456789abcdefghij");
        await peer.expectEnd(() => r.read(10));
        await peer.expectEnd(() => r.readinto(buf));
        await peer.expectEnd(() => r.readline());
        await r.waitClosed();
      },
    );
  });

  it("readline across chunk boundaries, and readline(max)", async () => {
    const pieces = ["ab", "c\nde", "f", "\r\n", "gh\ni", "jklmnopq\n", "tail"];
    await live(
      async (peer) => {
        for (const p of pieces) {
          await peer.write(p);
          await peer.pause(5);
        }
        await peer.end();
      },
      async (r, _w, peer) => {
        const lines: string[] = [];
        lines.push(text(await r.readline()));
        lines.push(text(await r.readline()));
        lines.push(text(await r.readline()));
        lines.push(text(await r.readline(4))); // "ijkl": longer than max
        lines.push(text(await r.readline()));
        lines.push(text(await r.readline())); // no newline before the end
        expect(lines).to.deep.equal(["abc\n", "def\r\n", "gh\n", "ijkl", "mnopq\n", "tail"]);
        await peer.expectEnd(() => r.readline());
        await r.waitClosed();
      },
    );
  });

  it("waitFor on a read that never comes: TimeoutError, no input lost, the stream still closes", async () => {
    await live(null, async (r, w, peer) => {
      const e = await expectReject(asyncio.waitFor(r.readline(), 0.05));
      expect(e).to.be.instanceOf(asyncio.TimeoutError);
      const e2 = await expectReject(asyncio.waitFor(r.readexactly(4), 0.02));
      expect(e2).to.be.instanceOf(asyncio.TimeoutError);
      void peer.write("late\n");
      expect(text(await asyncio.waitFor(r.readline(), 5))).to.equal("late\n");
      // Cancelling a parked read through its task.
      const t = asyncio.createTask(r.read(10));
      await asyncio.sleepMs(10);
      t.cancel();
      expect(await expectReject(t as unknown as Promise<unknown>)).to.be.instanceOf(asyncio.CancelledError);
      w.close();
      await asyncio.waitFor(w.waitClosed(), 5);
    });
  });

  it("only one task reads at a time", async () => {
    await live(null, async (r) => {
      const t = asyncio.createTask(r.read(1));
      await asyncio.sleepMs(5);
      expect(await expectReject(r.read(1))).to.be.instanceOf(asyncio.RuntimeError);
      t.cancel();
      await expectReject(t as unknown as Promise<unknown>);
      await r.waitClosed();
    });
  });

  it("a closed stream refuses writes (OSError EBADF); a write of the wrong type is a TypeError", async () => {
    await live(null, async (_r, w) => {
      w.close();
      const closed = (() => {
        try {
          w.write("too late");
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(closed).to.be.instanceOf(OSError);
      expect((closed as OSError).code).to.equal("EBADF");
      expect(() => w.write(42 as unknown as string)).to.throw(TypeError);
      await w.waitClosed();
    });
  });
});
