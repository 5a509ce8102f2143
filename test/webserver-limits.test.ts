// examples/webserver.ts as a device needs it: a deadline on the whole request
// (a slow client can't hold a socket), and a cap on concurrent connections
// (an ESP32 has about ten sockets). Real sockets on 127.0.0.1, the example
// run on the simulated board; the limits are shortened through app.limits.
import { expect } from "chai";
import { openSocketCount } from "../hosts/node/net";
import { HttpConnection, startWebApp, type WebApp } from "../bench/webload";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ms until the server ended the connection, or Infinity if it did not within `limit` ms. */
async function endsWithin(c: HttpConnection, limit: number, from = Date.now()): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    c.untilEnd().then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, limit - (Date.now() - from))))),
  ]);
  clearTimeout(timer);
  return ended ? Date.now() - from : Infinity;
}

describe("examples/webserver.ts limits", function () {
  this.timeout(20000);
  let web: WebApp;
  const open: HttpConnection[] = [];
  const connect = async (): Promise<HttpConnection> => {
    const c = await HttpConnection.connect(web.port);
    open.push(c);
    return c;
  };

  // Tolerates an example without limits, so that these tests show what it lacks rather than stop in a hook.
  const setLimit = (key: "requestTimeoutS" | "maxConnections", value: number | undefined): void => {
    const limits = web.app.limits as WebApp["app"]["limits"] | undefined;
    if (limits && value !== undefined) limits[key] = value;
  };

  before(async () => {
    web = await startWebApp();
  });
  after(async () => {
    web.server.close();
    web.run.stop();
    await web.run.finished;
  });
  afterEach(async () => {
    for (const c of open.splice(0)) c.destroy();
    for (let i = 0; i < 400 && (web.server.connectionCount() || openSocketCount()); i++) await pause(5);
    expect(web.server.connectionCount(), "server connections").to.equal(0);
  });

  it("defaults: a 10 s request deadline and a connection cap below the ESP32's ten sockets", () => {
    expect(web.defaults.requestTimeoutS).to.equal(10);
    expect(web.defaults.maxConnections).to.be.within(1, 9);
  });

  describe("the request deadline covers request line, headers and body", () => {
    beforeEach(() => {
      setLimit("requestTimeoutS", 1);
    });
    afterEach(() => {
      setLimit("requestTimeoutS", web.defaults?.requestTimeoutS);
    });

    it("a client sending one complete header line every 300 ms gets 408 and is cut at the deadline", async () => {
      const c = await connect();
      const start = Date.now();
      c.send("GET / HTTP/1.1\r\n");
      let n = 0;
      const drip = setInterval(() => {
        if (!c.sock.destroyed && c.sock.writable) c.send(`X-Slow-${n++}: yes\r\n`);
      }, 300);
      try {
        const r = await c.response();
        expect(r.status).to.equal(408);
        expect(r.headers.connection).to.equal("close");
        const took = await endsWithin(c, 3000, start);
        expect(took).to.be.within(900, 2000);
      } finally {
        clearInterval(drip);
      }
    });

    it("a body trickling in one byte every 300 ms gets 408 at the deadline", async () => {
      const c = await connect();
      const start = Date.now();
      c.send("POST /led/1 HTTP/1.1\r\nContent-Length: 20\r\n\r\n");
      const drip = setInterval(() => {
        if (!c.sock.destroyed && c.sock.writable) c.send("x");
      }, 300);
      try {
        const r = await c.response();
        expect(r.status).to.equal(408);
        expect(await endsWithin(c, 3000, start)).to.be.within(900, 2000);
      } finally {
        clearInterval(drip);
      }
    });

    it("a kept-alive connection left idle is closed at the deadline, without a reply", async () => {
      const c = await connect();
      expect((await c.request("GET", "/")).status).to.equal(200);
      const start = Date.now();
      expect(await endsWithin(c, 3000, start)).to.be.within(900, 2000);
      await expectNoMoreResponses(c);
    });

    it("a request that arrives in time is served as before", async () => {
      const c = await connect();
      c.send("GET / HT");
      await pause(300);
      c.send("TP/1.1\r\nHost: x\r\n");
      await pause(300);
      c.send("\r\n");
      const r = await c.response();
      expect(r.status).to.equal(200);
    });
  });

  describe("the connection cap", () => {
    beforeEach(() => {
      setLimit("maxConnections", 3);
    });
    afterEach(() => {
      setLimit("maxConnections", web.defaults?.maxConnections);
    });

    it("with N connections open, connection N+1 gets 503 and is closed; once one leaves, the next is served", async () => {
      const held: HttpConnection[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await connect();
        expect((await c.request("GET", "/")).status).to.equal(200);
        held.push(c);
      }
      const served = web.app.requests;
      const extra = await connect();
      const r = await extra.request("GET", "/");
      expect(r.status).to.equal(503);
      expect(r.headers.connection).to.equal("close");
      expect(r.headers["retry-after"]).to.match(/^\d+$/);
      expect(await endsWithin(extra, 3000)).to.be.lessThan(3000);
      expect(web.app.requests, "the refused request was not served").to.equal(served);
      // The held ones are still served.
      expect((await held[0].request("GET", "/")).status).to.equal(200);
      held[1].destroy();
      for (let i = 0; i < 200 && web.server.connectionCount() > 2; i++) await pause(5);
      const next = await connect();
      expect((await next.request("GET", "/")).status).to.equal(200);
    });

    it("a burst of 12 connections beyond the cap: each is answered 503 or closed, none is held", async () => {
      const held: HttpConnection[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await connect();
        expect((await c.request("GET", "/")).status).to.equal(200);
        held.push(c);
      }
      const burst = await Promise.all(Array.from({ length: 12 }, () => connect()));
      const start = Date.now();
      const outcomes = await Promise.all(
        burst.map(async (c) => {
          c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          let status = "closed";
          try {
            status = String((await c.response()).status);
          } catch {
            // closed without a reply
          }
          return { status, took: await endsWithin(c, 4000, start) };
        }),
      );
      for (const o of outcomes) {
        expect(o.status).to.match(/^(503|closed)$/);
        expect(o.took).to.be.lessThan(4000);
      }
      expect(outcomes.some((o) => o.status === "503")).to.equal(true);
      for (let i = 0; i < 400 && web.server.connectionCount() > 3; i++) await pause(5);
      expect(web.server.connectionCount()).to.equal(3);
    });
  });

  it("after a 400, a client trickling bytes is not listened to for long", async () => {
    const c = await connect();
    const start = Date.now();
    c.send("NOT A REQUEST\r\n\r\n");
    const drip = setInterval(() => {
      if (!c.sock.destroyed && c.sock.writable) c.send("x");
    }, 200);
    try {
      const r = await c.response();
      expect(r.status).to.equal(400);
      expect(await endsWithin(c, 5000, start)).to.be.lessThan(4000);
    } finally {
      clearInterval(drip);
    }
  });
});

async function expectNoMoreResponses(c: HttpConnection): Promise<void> {
  let extra: unknown = null;
  try {
    extra = await c.response();
  } catch {
    // ended with nothing more: as expected
  }
  expect(extra).to.equal(null);
}
