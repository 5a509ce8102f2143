import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { FeedHub, type BoardEvent, type BoardFeed } from "../hosts/node/feed";
import { startApp } from "../hosts/node/thread";
import { startWebBoard, WebBoardError, type WebBoard } from "../hosts/node/web/server";

// The browser board: its server (any HTTP client, always run) and its page
// (in a real headless Chromium, run when one is installed).

// The page's globals, for the functions page.evaluate() runs in the browser
// (this program is typed for Node, without the DOM's types).
declare const window: any;
declare const document: any;
declare const getComputedStyle: (el: unknown) => { boxShadow: string };
declare const MutationObserver: new (cb: () => void) => { observe(el: unknown, options: object): void };

const ROOT = path.resolve(__dirname, "..");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A feed the test drives by hand: push() events, see what was driven and who listens. */
class FakeFeed implements BoardFeed {
  readonly events: BoardEvent[] = [];
  readonly listeners = new Set<(e: BoardEvent) => void>();
  readonly drives: [number, 0 | 1 | null][] = [];
  driveError: Error | null = null;
  push(...events: BoardEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      for (const l of [...this.listeners]) l(e);
    }
  }
  subscribe(listener: (e: BoardEvent) => void): () => void {
    for (const e of this.events) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  drive(pin: number, level: 0 | 1 | null): void {
    if (this.driveError) throw this.driveError;
    this.drives.push([pin, level]);
  }
}

const led = (pin: number, level: 0 | 1, time: number): BoardEvent => ({ type: "pin", pin, level, time, mode: "output", pull: "none" });
const button = (pin: number, level: 0 | 1, time: number, pull: "up" | "down" = "up"): BoardEvent => ({ type: "pin", pin, level, time, mode: "input", pull });

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function request(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const u = new URL(options.path ?? "/", url);
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", path: "/drive", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

/** An /events stream read as the page reads it: resets, then messages of {now, events}. */
function openStream(url: string, client?: string) {
  const got: { resets: { title: string; now: number | null }[]; events: BoardEvent[]; nows: (number | null)[] } = { resets: [], events: [], nows: [] };
  let buffer = "";
  let res: http.IncomingMessage | undefined;
  const req = http.get(new URL(`/events${client ? `?client=${client}` : ""}`, url), (r) => {
    res = r;
    r.setEncoding("utf8");
    r.on("data", (chunk: string) => {
      buffer += chunk;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data === undefined) continue;
        const m = JSON.parse(data);
        if (event === "reset") got.resets.push(m);
        else {
          got.events.push(...m.events);
          got.nows.push(m.now);
        }
      }
    });
  });
  req.on("error", () => {});
  const onEnd: (() => void)[] = [];
  req.on("close", () => onEnd.forEach((f) => f()));
  return {
    got,
    onEnd: (f: () => void) => onEnd.push(f),
    status: () => res?.statusCode,
    headers: () => res?.headers,
    close: () => req.destroy(),
    async until(check: () => boolean, what: string, ms = 3000) {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got).slice(0, 500)}`);
        await sleep(10);
      }
    },
  };
}

/** An app run as npm start runs it (in a worker thread), with what the tests look at. */
function runBoard(entry: string, options: { duration?: number } = {}) {
  const run = startApp({ entry, from: ROOT, graceMs: 300, ...options });
  const pinEvents = () => run.feed.history.filter((e): e is Extract<BoardEvent, { type: "pin" }> => e.type === "pin");
  return {
    feed: run.feed,
    pinEvents,
    /** The pin's level as the run last reported it. */
    level: (pin: number) => pinEvents().filter((e) => e.pin === pin).pop()?.level,
    async stop() {
      run.stop();
      await run.finished;
    },
  };
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("web board: the server", function () {
  let web: WebBoard | undefined;
  afterEach(async () => {
    await web?.close();
    web = undefined;
  });

  it("serves the page, its script and its style under a content security policy; 404 for anything else, 405 for the wrong method", async () => {
    web = await startWebBoard(new FakeFeed());
    expect(web.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await request(web.url);
    expect(page.status).to.equal(200);
    expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).to.include("default-src 'self'");
    expect(page.body).to.include('<canvas id="diagram"');
    for (const [file, type] of [["/board.js", "text/javascript"], ["/board.css", "text/css"]]) {
      const r = await request(web.url, { path: file });
      expect(r.status, file).to.equal(200);
      expect(r.headers["content-type"]).to.include(type);
      expect(r.body).to.equal(fs.readFileSync(path.join(ROOT, "hosts", "node", "web", file.slice(1)), "utf8"));
    }
    for (const p of ["/server.ts", "/__proto__", "/constructor", "/../feed.ts", "/%2e%2e/feed.ts", "/index.html/", "/nothing"]) {
      expect((await request(web.url, { path: p })).status, p).to.equal(404);
    }
    expect((await request(web.url, { method: "POST" })).status).to.equal(405);
    expect((await request(web.url, { path: "/drive" })).status).to.equal(405);
    expect((await request(web.url, { method: "DELETE", path: "/events" })).status).to.equal(405);
  });

  it("streams the feed's history, then each event as it happens, with the run's time", async () => {
    const feed = new FakeFeed();
    feed.push(led(14, 1, 0), led(12, 1, 0), led(14, 0, 500));
    web = await startWebBoard(feed, { title: "main.ts" });
    const s = openStream(web.url);
    await s.until(() => s.got.events.length === 3, "the history");
    expect(s.headers()!["content-type"]).to.equal("text/event-stream; charset=utf-8");
    expect(s.got.resets).to.have.length(1);
    expect(s.got.resets[0].title).to.equal("main.ts");
    expect(s.got.events).to.deep.equal(feed.events);
    feed.push(led(12, 0, 1000), { type: "print", line: 'a "quoted"\nline', time: 1001 });
    await s.until(() => s.got.events.length === 5, "the live events");
    expect(s.got.events.slice(3)).to.deep.equal(feed.events.slice(3));
    // The run's time goes on between events: the page's time axis moves with it.
    const last = s.got.nows[s.got.nows.length - 1]!;
    expect(last).to.be.at.least(1001);
    feed.push({ type: "end", time: 1500, reason: "stopped" });
    await s.until(() => s.got.events.length === 6, "the end");
    expect(s.got.nows[s.got.nows.length - 1]).to.equal(1500);
    s.close();
  });

  it("a pin's dense changes (more than 3 in a ms) reach a page as bursts that count every change; the rest as they are", async () => {
    const feed = new FakeFeed();
    feed.push(led(2, 0, 0), led(14, 0, 0));
    web = await startWebBoard(feed);
    const s = openStream(web.url);
    await s.until(() => s.got.events.length === 2, "the history");
    let level: 0 | 1 = 0;
    for (let i = 0; i < 10_000; i++) feed.push(led(2, (level ^= 1) as 0 | 1, 100 + i * 0.01)); // 100 a ms, for 100 ms
    feed.push(led(14, 1, 150), { type: "print", line: "hello", time: 150 });
    feed.push({ type: "end", time: 300, reason: "duration" });
    await s.until(() => s.got.events.some((e) => e.type === "end"), "the end");
    const got = s.got.events as unknown as { type: string; pin?: number; changes?: number; time: number; until?: number; level?: number }[];
    const bursts = got.filter((e) => e.type === "burst");
    expect(bursts.length).to.be.within(100, 110);
    expect(bursts.reduce((n, b) => n + b.changes!, 0)).to.equal(10_000);
    expect(bursts[0]).to.include({ pin: 2, time: 100 });
    expect(bursts[bursts.length - 1]).to.include({ until: 100 + 9_999 * 0.01, level: 0 });
    expect(got.filter((e) => e.type !== "burst").map((e) => e.type)).to.deep.equal(["pin", "pin", "pin", "print", "end"]);
    s.close();
  });

  it("POST /drive drives an open input: pressed is the level given, null releases it", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0), led(2, 1, 0));
    web = await startWebBoard(feed);
    expect((await post(web.url, { pin: 0, level: 0 })).status).to.equal(204);
    expect((await post(web.url, { pin: 0, level: null, client: "page-1" })).status).to.equal(204);
    expect(feed.drives).to.deep.equal([[0, 0], [0, null]]);
  });

  it("refuses a bad drive request with a 4xx saying why, drives nothing, and goes on serving", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0), led(2, 1, 0));
    web = await startWebBoard(feed);
    const cases: [unknown, number, RegExp][] = [
      ["{pin: 0}", 400, /not JSON/],
      ["", 400, /not JSON/],
      ["[0, 0]", 400, /expected \{"pin"/],
      ["null", 400, /expected \{"pin"/],
      ['"0"', 400, /expected \{"pin"/],
      [{ level: 0 }, 400, /pin must be an integer/],
      [{ pin: "0", level: 0 }, 400, /pin must be an integer/],
      [{ pin: 0.5, level: 0 }, 400, /pin must be an integer/],
      [{ pin: -1, level: 0 }, 400, /pin must be an integer/],
      [{ pin: 1e9, level: 0 }, 400, /pin must be an integer/],
      [{ pin: 0 }, 400, /level must be 0, 1 or null/],
      [{ pin: 0, level: 2 }, 400, /level must be 0, 1 or null/],
      [{ pin: 0, level: "0" }, 400, /level must be 0, 1 or null/],
      [{ pin: 0, level: true }, 400, /level must be 0, 1 or null/],
      [{ pin: 0, level: 0, client: "../x" }, 400, /client must be/],
      [{ pin: 0, level: 0, client: 7 }, 400, /client must be/],
      [{ pin: 0, level: 0, extra: 1 }, 400, /unexpected field "extra"/],
      ['{"pin": 0, "level": 0, "__proto__": {"x": 1}}', 400, /unexpected field "__proto__"/],
      [{ pin: 2, level: 1 }, 409, /GPIO2 is not an input/],
      [{ pin: 5, level: 1 }, 409, /GPIO5 is not an input/],
      [JSON.stringify({ pin: 0, level: 0, pad: "x".repeat(2000) }), 413, /body over 1024 bytes/],
    ];
    for (const [body, status, reason] of cases) {
      const r = await post(web.url, body);
      expect(r.status, `${JSON.stringify(body)}`).to.equal(status);
      expect(r.body, `${JSON.stringify(body)}`).to.match(reason);
    }
    const plain = await request(web.url, { method: "POST", path: "/drive", headers: { "content-type": "text/plain" }, body: '{"pin":0,"level":0}' });
    expect(plain.status).to.equal(415);
    const form = await request(web.url, { method: "POST", path: "/drive", body: '{"pin":0,"level":0}' });
    expect(form.status).to.equal(415);
    expect(feed.drives).to.deep.equal([]);
    // The pin was re-opened as an output: pressing it is refused from then on.
    feed.push({ ...led(0, 0, 10) });
    expect((await post(web.url, { pin: 0, level: 0 })).status).to.equal(409);
    feed.push(button(0, 1, 20));
    expect((await post(web.url, { pin: 0, level: 0 })).status).to.equal(204);
    feed.push({ type: "end", time: 30, reason: "duration" });
    const after = await post(web.url, { pin: 0, level: null });
    expect(after.status).to.equal(409);
    expect(after.body).to.match(/the run has ended/);
    expect(feed.drives).to.deep.equal([[0, 0]]);
    expect((await request(web.url)).status).to.equal(200);
  });

  it("a feed whose drive() throws gets a 500 with its message; the server goes on", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0));
    feed.driveError = new TypeError("the run is gone");
    web = await startWebBoard(feed);
    const r = await post(web.url, { pin: 0, level: 0 });
    expect(r.status).to.equal(500);
    expect(r.body).to.match(/drive failed: the run is gone/);
    feed.driveError = null;
    expect((await post(web.url, { pin: 0, level: 0 })).status).to.equal(204);
  });

  it("refuses another Host name (DNS rebinding) and a cross-origin POST", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0));
    web = await startWebBoard(feed);
    const port = new URL(web.url).port;
    expect((await request(web.url, { headers: { host: `attacker.example:${port}` } })).status).to.equal(403);
    expect((await request(web.url, { path: "/events", headers: { host: "attacker.example" } })).status).to.equal(403);
    expect((await post(web.url, { pin: 0, level: 0 }, { host: `attacker.example:${port}` })).status).to.equal(403);
    expect((await post(web.url, { pin: 0, level: 0 }, { origin: "http://attacker.example" })).status).to.equal(403);
    expect(feed.drives).to.deep.equal([]);
    expect((await request(web.url, { headers: { host: `localhost:${port}` } })).status).to.equal(200);
    expect((await post(web.url, { pin: 0, level: 0 }, { origin: `http://127.0.0.1:${port}` })).status).to.equal(204);
  });

  it("listens on 127.0.0.1 only", async function () {
    web = await startWebBoard(new FakeFeed());
    const port = Number(new URL(web.url).port);
    const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal);
    if (!external) return this.skip(); // no other interface to try from
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, external.address, () => {
        s.destroy();
        resolve("connected");
      });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).to.equal("ECONNREFUSED");
  });

  it("browsers that go away mid-request or mid-stream, or send garbage, leave the server and the run going", async () => {
    const run = runBoard(path.join(ROOT, "main.ts"));
    try {
      const listenersBefore = countListeners(run.feed);
      web = await startWebBoard(run.feed);
      const port = Number(new URL(web.url).port);
      const raw = (bytes: string, end = true) => new Promise<string>((resolve) => {
        let got = "";
        const s = net.connect(port, "127.0.0.1", () => {
          s.write(bytes);
          if (!end) setTimeout(() => s.destroy(), 50);
        });
        s.setEncoding("utf8");
        s.on("data", (d: string) => (got += d));
        s.on("close", () => resolve(got));
        s.on("error", () => {});
      });
      expect(await raw("GARBAGE\r\n\r\n")).to.match(/^HTTP\/1\.1 400/);
      expect(await raw("\x00\xff\xfe\r\n\r\n")).to.match(/^HTTP\/1\.1 400/);
      // Half a POST, then the browser is gone.
      await raw(`POST /drive HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pin":`, false);
      // Streams opened and dropped at once, and one dropped while it is written to.
      for (let i = 0; i < 5; i++) await raw(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, false);
      const s = openStream(web.url);
      // The app's thread compiles it first (seconds, on a busy machine).
      await s.until(() => s.got.events.length >= 2, "the history", 20000);
      s.close();
      await until(() => countListeners(run.feed) === listenersBefore + 1, "the streams to unsubscribe");
      // The run kept going all along, and the server still answers.
      const changes = run.pinEvents().length;
      await until(() => run.pinEvents().length > changes, "the LEDs to go on blinking", 2000);
      expect((await request(web.url)).status).to.equal(200);
    } finally {
      await run.stop();
    }
  });

  it("a page that holds a button and goes away releases it", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0), button(4, 0, 0, "down"));
    web = await startWebBoard(feed);
    const other = openStream(web.url, "other-page");
    const s = openStream(web.url, "page-1");
    await s.until(() => s.got.events.length === 2, "the history");
    expect((await post(web.url, { pin: 0, level: 0, client: "page-1" })).status).to.equal(204);
    expect((await post(web.url, { pin: 4, level: 1, client: "page-1" })).status).to.equal(204);
    expect((await post(web.url, { pin: 4, level: null, client: "page-1" })).status).to.equal(204);
    s.close();
    await until(() => feed.drives.length === 4, "the release");
    expect(feed.drives).to.deep.equal([[0, 0], [4, 1], [4, null], [0, null]]);
    other.close();
  });

  it("a page that stops reading is dropped (it reconnects for the history), not buffered without bound", async () => {
    const feed = new FakeFeed();
    web = await startWebBoard(feed, { limits: { maxQueued: 100, stallMs: 50 } });
    const port = Number(new URL(web.url).port);
    const reader = net.connect(port, "127.0.0.1", () => reader.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    reader.on("error", () => {});
    await until(() => feed.listeners.size === 2, "the stream");
    reader.pause();
    const line = "x".repeat(10_000);
    for (let i = 0; i < 5000 && feed.listeners.size === 2; i++) {
      feed.push({ type: "print", line, time: i });
      if (i % 200 === 0) await sleep(20);
    }
    expect(feed.listeners.size, "the stalled page is still subscribed").to.equal(1);
    reader.destroy();
    // A page that reads is not dropped by the same flood.
    const s = openStream(web.url);
    await s.until(() => s.got.events.length === feed.events.length, "the whole history", 10000);
    expect(feed.listeners.size).to.equal(2);
    s.close();
  });

  it("close() ends the streams, releases held buttons, unsubscribes and frees the port; twice is fine", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0));
    const board = await startWebBoard(feed);
    const port = Number(new URL(board.url).port);
    const s = openStream(board.url, "page-1");
    await s.until(() => s.got.events.length === 1, "the history");
    expect((await post(board.url, { pin: 0, level: 0, client: "page-1" })).status).to.equal(204);
    let ended = false;
    s.onEnd(() => (ended = true));
    // The run's last word, pushed just before the board closes, still reaches the page.
    feed.push({ type: "end", time: 100, reason: "finished" });
    const t0 = Date.now();
    await Promise.all([board.close(), board.close()]);
    expect(Date.now() - t0, "close() waits for no timeout").to.be.below(500);
    await board.close();
    await until(() => ended, "the stream to end");
    expect(s.got.events[s.got.events.length - 1]).to.deep.equal({ type: "end", time: 100, reason: "finished" });
    expect(feed.listeners.size).to.equal(0);
    expect(feed.drives).to.deep.equal([[0, 0], [0, null]]);
    // The port is free again.
    web = await startWebBoard(feed, { port });
    expect(web.url).to.equal(`http://127.0.0.1:${port}/`);
  });

  it("a port in use rejects with a WebBoardError (EADDRINUSE) saying what to do; a port outside 0–65535 is a RangeError", async () => {
    const feed = new FakeFeed();
    web = await startWebBoard(feed);
    const port = Number(new URL(web.url).port);
    const e = await startWebBoard(feed, { port }).then(() => null, (err: unknown) => err);
    expect(e).to.be.instanceOf(WebBoardError);
    expect((e as WebBoardError).code).to.equal("EADDRINUSE");
    expect((e as WebBoardError).message).to.equal(`port ${port} on 127.0.0.1 is in use; choose another with --port N, or leave --port out for a free one`);
    // The failed attempt left no subscription behind.
    expect(feed.listeners.size).to.equal(1);
    for (const bad of [-1, 65536, 1.5, NaN, "80" as unknown as number]) {
      const r = await startWebBoard(feed, { port: bad }).then(() => null, (err: unknown) => err);
      expect(r, String(bad)).to.be.instanceOf(RangeError);
    }
  });
});

describe("npm start -- --web", function () {
  this.timeout(60000);
  const START = ["-r", "ts-node/register/transpile-only", path.join(ROOT, "hosts", "node", "start.ts")];

  it("prints the page's address, serves the run, and the page gets the run's end before the process exits", async () => {
    const child = spawn(process.execPath, [...START, "main", "--web", "--duration", "3"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until(() => /the board in your browser: http:\/\/127\.0\.0\.1:\d+\/\n/.test(stderr), "the address", 30000);
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1];
      expect((await request(url)).body).to.include('<canvas id="diagram"');
      const s = openStream(url);
      await s.until(() => s.got.events.some((e) => e.type === "pin" && e.pin === 12), "the LEDs", 10000);
      expect(s.got.resets[0].title).to.equal("main.ts");
      expect(await exited).to.equal(0);
      const last = s.got.events[s.got.events.length - 1];
      expect(last).to.include({ type: "end", reason: "duration" });
      expect(stdout).to.match(/stopped at t=3\.\d{3} s after \d+ pin changes/);
    } finally {
      child.kill();
    }
  });

  it("a bad --port, --port without --web, --web with --virtual: exit 2 saying why", () => {
    const cases: [string[], RegExp][] = [
      [["--web", "--port", "http"], /^--port needs a port number from 1 to 65535, got "http"/],
      [["--web", "--port", "65536"], /^--port needs a port number from 1 to 65535, got "65536"/],
      [["--web", "--port", "0"], /^--port needs a port number from 1 to 65535, got "0"/],
      [["--web", "--port", "-1"], /^--port needs a port number from 1 to 65535, got "-1"/],
      [["--web", "--port"], /^--port needs a port number from 1 to 65535, got nothing/],
      [["--port", "8080"], /^--port goes with --web/],
      [["--web", "--virtual", "--duration", "1"], /^--web shows a run in real time; drop --virtual/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [...START, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30000 });
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
    }
  });

  it("a port in use: exit 2 saying so", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...START, "--web", "--port", String(port), "--duration", "10"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("exit", (status) => resolve({ status, stderr }));
      });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include(`--web: port ${port} on 127.0.0.1 is in use; choose another with --port N, or leave --port out for a free one`);
    } finally {
      taken.close();
    }
  });
});

function countListeners(feed: BoardFeed): number {
  return (feed as unknown as { listeners: Set<unknown> }).listeners.size;
}

describe("web board: the page, in Chromium", function () {
  this.timeout(30000);
  let chromium: typeof import("playwright-core").chromium;
  let browser: Browser;
  let shots: string;
  const errors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      process.stdout.write(`    (skipped: no browser at ${CHROMIUM}; install Debian's chromium, or set CHROMIUM_PATH)\n`);
      return this.skip();
    }
    ({ chromium } = await import("playwright-core"));
    browser = await chromium.launch({ executablePath: CHROMIUM });
    shots = fs.mkdtempSync(path.join(os.tmpdir(), "web-board-"));
  });
  after(async () => {
    await browser?.close();
  });

  let stops: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop();
    stops = [];
    const found = errors.splice(0);
    expect(found, "errors on the page").to.deep.equal([]);
  });

  /** Runs an app in this process, serves its board and opens the page. */
  async function open(entry: string, viewport = { width: 1100, height: 760 }, options: { hasTouch?: boolean; duration?: number } = {}) {
    const duration = options.duration;
    const run = runBoard(entry, { duration });
    stops.push(() => run.stop());
    // The app's thread compiles it first (seconds, on a busy machine): the tests' timings start when it runs.
    await until(() => run.pinEvents().length > 0, "the app to open its pins", 20000);
    const web = await startWebBoard(run.feed, { title: path.relative(ROOT, entry) });
    stops.push(() => web.close());
    const page = await newPage(web.url, viewport, options);
    return { run, web, page };
  }
  async function newPage(url: string, viewport: { width: number; height: number }, options: { hasTouch?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport, hasTouch: options.hasTouch });
    stops.push(() => context.close());
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      // The browser logs each reconnect to a server that is gone: that is not the page's error.
      if (m.type() === "error" && !m.text().includes("net::ERR_CONNECTION_REFUSED")) errors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    return page;
  }
  async function shoot(page: Page, name: string): Promise<string> {
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    process.stdout.write(`    screenshot: ${file}\n`);
    return file;
  }
  const levelOf = (page: Page, selector: string) => page.getAttribute(selector, "data-level");

  /**
   * What the canvas shows of each row, read from its pixels: how many level
   * changes cross the row's middle, and whether the trace is drawn at the high
   * and at the low level; next to the changes the page's data has in view.
   */
  function readDiagram(page: Page): Promise<{ pin: number; crossings: number; high: number; low: number; inView: number; visible: number; edgesDrawn: number }[]> {
    return page.evaluate(() => {
      const wb = window.webBoard;
      wb.redraw();
      const canvas = document.getElementById("diagram");
      const { x0, plotW, dpr, rows } = wb.layout();
      const { start, end } = wb.view();
      const shownUntil = Math.min(end, wb.now());
      const img = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const isTrace = (x: number, y: number, c: number[]) => {
        const o = (Math.round(y * dpr) * img.width + x) * 4;
        return Math.abs(img.data[o] - c[0]) + Math.abs(img.data[o + 1] - c[1]) + Math.abs(img.data[o + 2] - c[2]) < 60;
      };
      const from = Math.ceil((x0 + 2) * dpr);
      const to = Math.floor((x0 + plotW - 2) * dpr);
      return rows.map((r: { pin: number; colour: string; yHigh: number; yLow: number }) => {
        const c = rgb(r.colour);
        let crossings = 0;
        let high = 0;
        let low = 0;
        let inRun = false;
        for (let x = from; x <= to; x++) {
          const on = isTrace(x, (r.yHigh + r.yLow) / 2, c);
          if (on && !inRun) crossings++;
          inRun = on;
          if (isTrace(x, r.yHigh, c)) high++;
          if (isTrace(x, r.yLow, c)) low++;
        }
        const p = wb.pins().find((q: { pin: number }) => q.pin === r.pin);
        const inView = p.times.filter((t: number, i: number) => i > 0 && t > start && t <= shownUntil);
        // What the scan can see: a change is a 2 px line on the pixels left of and at its x (X - 1, X), and the scan runs from x0 + 2.
        const X = (t: number) => Math.round(x0 + ((t - start) * plotW) / (end - start));
        const visible = inView.filter((t: number) => X(t) * dpr >= from && (X(t) - 1) * dpr <= to).length;
        return { pin: r.pin, crossings, high, low, inView: inView.length, visible, edgesDrawn: Number(canvas.dataset.edgesDrawn) };
      });
    });
  }

  it("main.ts: both LEDs change within a second, and the timing diagram draws every transition", async () => {
    const { page } = await open(path.join(ROOT, "main.ts"));
    await page.waitForSelector('.led[data-pin="14"]');
    await page.waitForSelector('.led[data-pin="12"]');
    // Watch both LEDs from now: each must change within a second (and a little, for the stream).
    await page.evaluate(() => {
      const w = window;
      w.changed = {};
      const t0 = performance.now();
      for (const el of document.querySelectorAll(".led")) {
        new MutationObserver(() => (w.changed[el.dataset.pin!] ??= performance.now() - t0)).observe(el, { attributeFilter: ["data-level"] });
      }
    });
    await page.waitForFunction(() => {
      const c = window.changed;
      return c["14"] !== undefined && c["12"] !== undefined;
    }, undefined, { timeout: 1300 });
    const changed = await page.evaluate(() => window.changed);
    expect(changed["14"]).to.be.below(1200);
    expect(changed["12"]).to.be.below(1200);
    // The lit LED is drawn lit.
    const lit = await page.$eval('.led[data-level="1"] .lamp', (el) => getComputedStyle(el).boxShadow);
    expect(lit).to.not.equal("none");

    await page.waitForFunction(() => Number(document.getElementById("diagram")!.dataset.transitions) >= 6, undefined, { timeout: 5000 });
    const rows = await readDiagram(page);
    expect(rows.map((r) => r.pin)).to.deep.equal([14, 12]);
    for (const r of rows) {
      expect(r.inView, `GPIO${r.pin} changes in view`).to.be.at.least(2);
      expect(r.crossings, `GPIO${r.pin} edges on the canvas`).to.equal(r.visible);
      expect(r.high, `GPIO${r.pin} drawn high`).to.be.above(20);
      expect(r.low, `GPIO${r.pin} drawn low`).to.be.above(20);
    }
    expect(rows[0].edgesDrawn).to.equal(rows[0].inView + rows[1].inView);
    // Green toggles twice as often as blue.
    const pins = await page.evaluate(() => window.webBoard.pins());
    const halfPeriod = (times: number[]) => (times[times.length - 1] - times[1]) / (times.length - 2);
    expect(halfPeriod(pins[0].times)).to.be.closeTo(500, 60);
    expect(halfPeriod(pins[1].times)).to.be.closeTo(1000, 60);
    expect(await page.textContent("#title")).to.equal("main.ts");
    expect(await page.getAttribute("#status", "data-state")).to.equal("live");
    await shoot(page, "main");
  });

  it("button-blink: a click moves the LED to the next rate; holding the button (a long press) stops it", async () => {
    const { page, run } = await open(path.join(ROOT, "examples", "button-blink.ts"));
    const btn = page.locator('.pin-button[data-pin="0"]');
    await btn.waitFor();
    expect(await btn.textContent()).to.include("pull-up: press = low");
    expect(await levelOf(page, '.pin-button[data-pin="0"]')).to.equal("1");
    const ledTimes = async () => (await page.evaluate(() => window.webBoard.pins())).find((p: { pin: number }) => p.pin === 2).times as number[];
    const recentHalfPeriod = async () => {
      const t = await ledTimes();
      return (t[t.length - 1] - t[t.length - 4]) / 3;
    };
    await until(() => run.pinEvents().filter((c) => c.pin === 2).length >= 5, "the LED to blink");
    expect(await recentHalfPeriod()).to.be.closeTo(500, 60);

    // A click as a hand makes one: the debouncer needs the press to last more than 50 ms.
    const box = (await btn.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    expect(await btn.getAttribute("aria-pressed")).to.equal("true");
    await until(() => run.level(0) === 0, "the press to reach the board");
    await sleep(120);
    await page.mouse.up();
    await until(() => run.level(0) === 1, "the release to reach the board");
    expect(await btn.getAttribute("aria-pressed")).to.equal("false");
    // The release counts once the double-click time (400 ms) has passed; the 500 ms wait under way ends, then 250 ms ones.
    await sleep(1900);
    expect(await recentHalfPeriod()).to.be.closeTo(250, 50);

    // Hold: after a second it is a long press, and the blinking stops with the LED off.
    await page.mouse.down();
    await sleep(1300);
    await page.mouse.up();
    await sleep(300);
    const stoppedAt = run.pinEvents().length;
    await sleep(800);
    expect(run.pinEvents().slice(stoppedAt).filter((c) => c.pin === 2), "no blinking after the long press").to.deep.equal([]);
    expect(await levelOf(page, '.led[data-pin="2"]')).to.equal("0");
    // The presses are in the timing diagram too: the button's row went low twice.
    const rows = await readDiagram(page);
    const buttonRow = rows.find((r) => r.pin === 0)!;
    expect(buttonRow.inView).to.equal(4);
    expect(buttonRow.crossings).to.equal(4);
    await shoot(page, "button-blink");
  });

  it("a printing app: its lines show as text with their times, and a key press on a pull-down button reaches it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "web-board-app-"));
    stops.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const app = path.join(dir, "printer.ts");
    fs.writeFileSync(app, [
      'import asyncio, { print } from "asyncio";',
      'import { Pin } from "machine";',
      "const button = new Pin(4, Pin.IN, Pin.PULL_DOWN);",
      'print("<b>not bold</b> & <img src=x onerror=alert(1)>");',
      "asyncio.run(async () => {",
      "  for (let n = 1; ; n++) {",
      "    await button.edge(Pin.IRQ_RISING);",
      '    print("pressed", n);',
      "  }",
      "});",
      "",
    ].join("\n"));
    const { page } = await open(app);
    await page.waitForSelector("#log li");
    const first = page.locator("#log li").first();
    expect(await first.textContent()).to.match(/^t = \d+\.\d{3} s<b>not bold<\/b> & <img src=x onerror=alert\(1\)>$/);
    expect(await page.locator("#log b, #log img").count()).to.equal(0);
    const btn = page.locator('.pin-button[data-pin="4"]');
    expect(await btn.textContent()).to.include("pull-down: press = high");
    await btn.focus();
    await page.keyboard.press("Space");
    await page.locator("#log li", { hasText: "pressed 1" }).waitFor({ timeout: 2000 });
    await btn.press("Enter");
    await page.locator("#log li", { hasText: "pressed 2" }).waitFor({ timeout: 2000 });
    expect(await page.locator("#no-lines").isHidden()).to.equal(true);
    await shoot(page, "printer");
  });

  it("zoom and scroll: +/− and the wheel change the span; dragging back stops following, Live follows again", async () => {
    const { page } = await open(path.join(ROOT, "main.ts"));
    const canvas = page.locator("#diagram");
    const attr = async (name: string) => (await canvas.getAttribute(`data-${name}`))!;
    // The diagram redraws on the next frame: wait for it.
    const shows = (name: string, op: "is" | "below" | "above" | "not" | "near", want: number | string) =>
      page.waitForFunction(([n, o, w]) => {
        const v = document.getElementById("diagram")!.dataset[n];
        if (v === undefined) return false;
        if (o === "is") return v === String(w);
        if (o === "not") return v !== String(w);
        if (o === "below") return Number(v) < Number(w);
        if (o === "above") return Number(v) > Number(w);
        return Math.abs(Number(v) - Number(w)) < 1;
      }, [name, op, want] as const, { timeout: 3000 });
    await shows("span", "is", 10000);
    await shows("follow", "is", "true");
    for (let i = 0; i < 4; i++) await page.click("#zoom-in");
    await shows("span", "is", 625);
    await page.click("#zoom-out");
    await shows("span", "is", 1250);
    expect(await page.textContent("#span")).to.equal("1.25 s shown");
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + 20);
    await page.mouse.wheel(0, -200);
    await shows("span", "below", 1250);
    await page.mouse.wheel(0, 400);
    await shows("span", "above", 1250);
    expect(await attr("follow")).to.equal("true");

    // Scroll back by dragging: the view stays where it was put while the run goes on.
    await page.waitForFunction(() => window.webBoard.now() > 3000, undefined, { timeout: 10000 });
    await page.mouse.move(box.x + box.width * 0.5, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + 20, { steps: 5 });
    await page.mouse.up();
    await shows("follow", "is", "false");
    const end = Number(await attr("end"));
    await sleep(600);
    expect(Number(await attr("end"))).to.equal(end);
    expect(await page.getAttribute("#live", "aria-pressed")).to.equal("false");

    // Scrolled back, the wheel zooms about the pointer: the time under it stays put.
    const timeAt = (x: number) => page.evaluate((px) => {
      const wb = window.webBoard;
      const { x0, plotW } = wb.layout();
      const v = wb.view();
      return v.start + ((px - x0) / plotW) * v.span;
    }, x);
    const px = box.width * 0.3;
    const before = await timeAt(px);
    await page.mouse.move(box.x + px, box.y + 20);
    await page.mouse.wheel(0, -150);
    await shows("end", "not", end);
    const span = Number(await attr("span"));
    expect(await timeAt(px)).to.be.closeTo(before, span / 200);
    expect(await attr("follow")).to.equal("false");

    await page.click("#live");
    await shows("follow", "is", "true");
    const now = await page.evaluate(() => window.webBoard.now());
    expect(Number(await attr("end"))).to.be.closeTo(now, 200);

    // The keyboard does the same on the focused diagram.
    await canvas.focus();
    await page.keyboard.press("ArrowLeft");
    await shows("follow", "is", "false");
    await page.keyboard.press("End");
    await shows("follow", "is", "true");
    await page.keyboard.press("-");
    await shows("span", "near", span * 2);
  });

  it("works at a narrow width (360 px): nothing scrolls sideways, and a tap on the button reaches the board", async () => {
    const { page, run } = await open(path.join(ROOT, "examples", "button-blink.ts"), { width: 360, height: 740 }, { hasTouch: true });
    await page.waitForSelector('.pin-button[data-pin="0"]');
    await page.waitForSelector('.led[data-pin="2"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.equal(0);
    for (const sel of ['.led[data-pin="2"]', '.pin-button[data-pin="0"]', "#diagram", "#zoom-in", "#live", "#log"]) {
      const b = (await page.locator(sel).boundingBox())!;
      expect(b.x, sel).to.be.at.least(0);
      expect(b.x + b.width, sel).to.be.at.most(360);
    }
    await page.waitForFunction(() => Number(document.getElementById("diagram")!.dataset.transitions) >= 2, undefined, { timeout: 3000 });
    const rows = await readDiagram(page);
    expect(rows.find((r) => r.pin === 2)!.crossings).to.be.at.least(1);
    const pressed = run.pinEvents().length;
    await page.tap('.pin-button[data-pin="0"]');
    await until(() => run.pinEvents().slice(pressed).some((c) => c.pin === 0 && c.level === 0), "the tap to press GPIO0");
    await until(() => run.level(0) === 1, "the tap to release GPIO0");
    await shoot(page, "narrow");
  });

  it("says when the run ends, stops its clock, and when the server goes away", async () => {
    const { page, web } = await open(path.join(ROOT, "main.ts"), undefined, { duration: 2 });
    await page.waitForSelector('.led[data-pin="14"]');
    await page.waitForFunction(() => document.getElementById("status")!.dataset.state === "ended");
    expect(await page.textContent("#status")).to.match(/^run ended at t = \d+\.\d{3} s: its duration elapsed$/);
    const clock = await page.textContent("#clock");
    await sleep(300);
    expect(await page.textContent("#clock")).to.equal(clock);

    const other = await newPage(web.url, { width: 800, height: 600 });
    await other.waitForFunction(() => document.getElementById("status")!.dataset.state === "ended");
    const feed = new FakeFeed();
    feed.push(led(14, 1, 0));
    const second = await startWebBoard(feed);
    stops.push(() => second.close());
    const live = await newPage(second.url, { width: 800, height: 600 });
    await live.waitForFunction(() => document.getElementById("status")!.dataset.state === "live");
    await second.close();
    await live.waitForFunction(() => document.getElementById("status")!.dataset.state === "connecting");
    expect(await live.textContent("#status")).to.equal("connection lost, reconnecting…");
  });

  it("a quick click's press and release reach the board in order even when the press is slow; a refused press says why", async () => {
    const feed = new FakeFeed();
    feed.push(button(0, 1, 0));
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 800, height: 600 });
    let first = true;
    await page.route("**/drive", async (route) => {
      if (first) {
        first = false;
        await sleep(300);
      }
      await route.continue();
    });
    await page.click('.pin-button[data-pin="0"]');
    await until(() => feed.drives.length === 2, "the press and the release");
    expect(feed.drives).to.deep.equal([[0, 0], [0, null]]);
    feed.driveError = new Error("no such pin on the board");
    await page.click('.pin-button[data-pin="0"]');
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "error");
    expect(await page.textContent("#status")).to.equal("GPIO0: drive failed: no such pin on the board");
    // The browser logs the two refused requests (press and release); they were meant.
    await until(() => errors.filter((e) => e.includes("status of 500")).length === 2, "the browser's log of the refusals");
    errors.splice(0);
  });

  it("shows a stall until the loop runs again, keeps the last 2000 printed lines, and draws 50 000 toggles as bars", async () => {
    const feed = new FakeFeed();
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1000, height: 700 });
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "live");
    feed.push({ type: "stall", time: 1500, task: "blink", since: 1000 });
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "stalled");
    expect(await page.textContent("#status")).to.equal("stalled: nothing has given the loop back since t = 1.000 s (task blink)");
    // A pin that changes says nothing about the loop (the task holding it may be the one toggling it) ...
    feed.push(led(14, 1, 1600));
    await page.waitForFunction(() => window.webBoard.pins().length === 1);
    expect(await page.getAttribute("#status", "data-state")).to.equal("stalled");
    // ... the thread's heartbeat does.
    feed.push({ type: "resume", time: 1650, task: "blink", since: 1000 });
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "live");

    for (let i = 0; i < 2100; i++) feed.push({ type: "print", line: `line ${i}`, time: 1700 });
    await page.locator("#log li", { hasText: "line 2099" }).waitFor();
    expect(await page.locator("#log li").count()).to.equal(2001);
    expect(await page.textContent("#log li.note")).to.equal("100 earlier lines not shown");
    expect(await page.locator("#log li").nth(1).textContent()).to.match(/line 100$/);

    for (let i = 0; i < 50_000; i++) feed.push(led(14, (i % 2) as 0 | 1, 2000 + i * 0.1));
    await page.waitForFunction(() => Number(document.getElementById("diagram").dataset.transitions) === 50_000, undefined, { timeout: 10000 });
    const drawn = await page.evaluate(() => {
      const t0 = performance.now();
      window.webBoard.redraw();
      const p = window.webBoard.pins()[0];
      return { ms: performance.now() - t0, edges: Number(document.getElementById("diagram").dataset.edgesDrawn), plotW: window.webBoard.layout().plotW, bursts: p.bursts, points: p.times.length };
    });
    // Ten changes a ms came as bursts (the page holds a bar, not 50 000 points), drawn as one bar per pixel column at most.
    expect(drawn.bursts).to.deep.equal([[2000, 2000 + 49_999 * 0.1]]);
    expect(drawn.points).to.be.below(10);
    expect(drawn.edges).to.be.at.least(1).and.at.most(drawn.plotW + 1);
    // What keeps the drawing fast is above (a bar per pixel column at most); its time only guards against a pathological case.
    expect(drawn.ms).to.be.below(1000);
    await shoot(page, "dense");
  });

  it("a runaway toggling a pin: the page shows the stall (the toggling does not clear it) with the diagram keeping up, then the end with the runaway's report; its clock stops at the end", async () => {
    const entry = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "web-runaway-")), "runaway.ts");
    fs.writeFileSync(entry, [
      'import asyncio from "asyncio";',
      'import { Pin } from "machine";',
      "const led = new Pin(2, Pin.OUT);",
      "async function blink() {",
      "  await asyncio.sleep(0.3);",
      "  while (true) {",
      "    led.toggle();",
      "    asyncio.sleep(0.5); // forgot the await",
      "  }",
      "}",
      "asyncio.run(blink);",
      "",
    ].join("\n"));
    const run = startApp({ entry, from: path.dirname(entry), duration: 4, stallMs: 600, graceMs: 300 });
    stops.push(async () => {
      run.stop();
      await run.finished;
    });
    const web = await startWebBoard(run.feed, { title: "runaway.ts" });
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1000, height: 700 });
    await page.waitForFunction(() => document.getElementById("status")!.dataset.state === "stalled", undefined, { timeout: 20000 });
    expect(await page.textContent("#status")).to.match(/^stalled: nothing has given the loop back since t = \d\.\d{3} s \(task blink\)$/, (await page.textContent("#status"))!);
    // The pin goes on toggling: still stalled, and the diagram is drawn up to (nearly) the page's now, not flat behind it.
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const seen = await page.evaluate(() => {
        const p = window.webBoard.pins().find((q: { pin: number }) => q.pin === 2);
        const last = Math.max(p.times[p.times.length - 1], p.bursts.length ? p.bursts[p.bursts.length - 1][1] : 0);
        return { state: document.getElementById("status")!.dataset.state, lag: window.webBoard.now() - last, ended: !!window.webBoard.ended() };
      });
      if (seen.ended) break;
      expect(seen.state).to.equal("stalled");
      // (It fell seconds behind before the bursts; a loaded machine adds a few hundred ms.)
      expect(seen.lag, "the diagram keeps up with the toggling").to.be.below(1500);
    }
    await page.waitForFunction(() => document.getElementById("status")!.dataset.state === "ended", undefined, { timeout: 20000 });
    expect(await page.textContent("#status")).to.match(/^run ended at t = 4\.000 s: task blink never gave the loop back since t = \d\.\d{3} s \(a loop without await\?\): the app was terminated; stuck at blink \(runaway\.ts:\d+:\d+\)$/);
    expect(await page.textContent("#clock")).to.equal("t = 4.000 s");
    await sleep(300);
    expect(await page.textContent("#clock")).to.equal("t = 4.000 s");
    expect(await page.textContent("#no-lines")).to.equal("nothing was printed");
    expect(await page.isVisible("#no-lines")).to.equal(true);
    // The LED is named by its pin (no colour word: this one is no "green LED").
    expect((await page.textContent('.led[data-pin="2"]'))!.trim()).to.equal("GPIO2");
    // The run is over; the server going away now is no lost connection.
    await web.close();
    await sleep(1500);
    expect(await page.getAttribute("#status", "data-state")).to.equal("ended");
    expect(await page.textContent("#clock")).to.equal("t = 4.000 s");
  });

  it("the printed lines keep following the newest after a change of width, until the user scrolls back", async () => {
    const feed = new FakeFeed();
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1100, height: 700 });
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "live");
    const long = "a long line that wraps when the page is narrow ".repeat(3);
    for (let i = 0; i < 150; i++) feed.push({ type: "print", line: `${i} ${long}`, time: i });
    await page.locator("#log li", { hasText: "149 a long" }).waitFor();
    const atBottom = () => page.evaluate(() => {
      const log = document.getElementById("log");
      return log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    });
    expect(await atBottom()).to.equal(true);
    await page.setViewportSize({ width: 520, height: 700 });
    await sleep(200);
    for (let i = 150; i < 160; i++) feed.push({ type: "print", line: `${i} ${long}`, time: i });
    await page.locator("#log li", { hasText: "159 a long" }).waitFor();
    await sleep(100);
    expect(await atBottom(), "following after the width changed").to.equal(true);
    await page.setViewportSize({ width: 1100, height: 700 });
    await sleep(200);
    expect(await atBottom(), "following after it changed back").to.equal(true);
    // Scrolled back by the user: the lines stay where they were put.
    const box = (await page.locator("#log").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(() => document.getElementById("log").scrollTop > 0 && document.getElementById("log").scrollTop + document.getElementById("log").clientHeight < document.getElementById("log").scrollHeight - 100);
    feed.push({ type: "print", line: "one more", time: 200 });
    await page.locator("#log li", { hasText: "one more" }).waitFor();
    await sleep(100);
    expect(await atBottom(), "scrolled back").to.equal(false);
  });

  it("zooming out stops near the run's length (not at 24 h); a run that ended with nothing printed says so", async () => {
    const feed = new FakeFeed();
    feed.push(led(14, 1, 0), led(14, 0, 20_000), { type: "end", time: 60_000, reason: "duration" });
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1000, height: 700 });
    await page.waitForFunction(() => document.getElementById("status").dataset.state === "ended");
    expect(await page.textContent("#no-lines")).to.equal("nothing was printed");
    for (let i = 0; i < 20; i++) await page.click("#zoom-out");
    await page.waitForFunction(() => Number(document.getElementById("diagram").dataset.span) >= 60_000);
    const span = Number(await page.getAttribute("#diagram", "data-span"));
    expect(span).to.be.within(60_000, 75_000);
    // A young run can still be seen over the default 10 s.
    const young = new FakeFeed();
    young.push(led(14, 1, 0));
    const web2 = await startWebBoard(young);
    stops.push(() => web2.close());
    const page2 = await newPage(web2.url, { width: 1000, height: 700 });
    await page2.waitForFunction(() => document.getElementById("status").dataset.state === "live");
    expect(await page2.textContent("#no-lines")).to.equal("nothing printed yet");
    for (let i = 0; i < 10; i++) await page2.click("#zoom-out");
    await sleep(100);
    expect(Number(await page2.getAttribute("#diagram", "data-span"))).to.be.within(10_000, 13_000);
  });

  it("a pin opened again in another mode moves between the LEDs and the buttons, and keeps its colour", async () => {
    const feed = new FakeFeed();
    feed.push(led(12, 1, 0), led(14, 1, 0));
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 800, height: 600 });
    const colourOf = () => page.$eval('.led[data-pin="14"] .lamp', (el) => el.style.getPropertyValue("--c"));
    await page.waitForSelector('.led[data-pin="14"]');
    const colour = await colourOf();
    expect(colour).to.equal("#4c8dff");
    feed.push(button(14, 1, 10));
    await page.waitForSelector('.pin-button[data-pin="14"]');
    expect(await page.locator('.led[data-pin="14"]').count()).to.equal(0);
    feed.push(led(14, 0, 20));
    await page.waitForSelector('.led[data-pin="14"]');
    expect(await page.locator(".pin-button").count()).to.equal(0);
    expect(await colourOf()).to.equal(colour);
    // Still one row in the diagram, with all three levels.
    const pins = await page.evaluate(() => window.webBoard.pins());
    expect(pins.map((p: { pin: number }) => p.pin)).to.deep.equal([12, 14]);
    expect(pins[1].levels).to.deep.equal([1, 0]);
  });

  it("a page opened late in a long run: each pin's state from before what the feed keeps, the diagram shaded up to it, the toolbar says how much is gone", async () => {
    const drives: [number, 0 | 1 | null][] = [];
    const feed = new FeedHub((p, l) => drives.push([p, l]), undefined, { keep: 50 });
    feed.push(button(0, 1, 0));
    feed.push(led(2, 0, 0));
    for (let i = 1; i <= 200; i++) feed.push(led(14, (i % 2) as 0 | 1, i * 100));
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1000, height: 700 });
    await page.waitForFunction(() => !document.getElementById("kept").hidden);
    expect(await page.textContent("#kept")).to.equal("history from t = 15.000 s: 152 earlier events not kept");
    expect(await page.evaluate(() => window.webBoard.keptFrom())).to.equal(15000);
    const pins: { pin: number; mode: string; times: number[] }[] = await page.evaluate(() => window.webBoard.pins());
    // The button and GPIO2 were opened long before what is kept and never changed: still there, from when they were.
    expect(pins.map((p) => `${p.pin} ${p.mode} ${p.times[0]}`)).to.deep.equal(["0 input 0", "2 output 0", "14 output 15000"]);
    expect(pins[2].times.length).to.equal(51);
    // The server knows the button as an input: it can be pressed.
    const box = (await page.locator('.pin-button[data-pin="0"]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await until(() => drives.length === 1, "the press");
    await page.mouse.up();
    await until(() => drives.length === 2, "the release");
    expect(drives).to.deep.equal([[0, 0], [0, null]]);
    await shoot(page, "history-not-kept");
  });

  it("a page left open on a long run keeps a pin's newest 100 000 changes, not every one: the rest shaded and counted as not kept", async () => {
    const feed = new FakeFeed();
    const web = await startWebBoard(feed);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 1000, height: 700 });
    feed.push(led(12, 1, 0));
    for (let i = 0; i < 126_000; i++) feed.push(led(14, (i % 2) as 0 | 1, i));
    await page.waitForFunction(() => window.webBoard.pins().find((p: { pin: number }) => p.pin === 14)?.times.at(-1) === 125_999, undefined, { timeout: 20000 });
    const pins: { pin: number; times: number[]; levels: number[] }[] = await page.evaluate(() => window.webBoard.pins());
    // Past 125 000 the oldest 25 001 went at once; the 999 after came on top.
    expect(pins[1].times.length).to.equal(100_999);
    expect([pins[1].times[0], pins[1].levels[0]]).to.deep.equal([25_001, 1]);
    // The other pin keeps its one change from t = 0.
    expect(pins[0].times).to.deep.equal([0]);
    expect(await page.evaluate(() => window.webBoard.keptFrom())).to.equal(25_001);
    expect(await page.textContent("#kept")).to.equal("history from t = 25.001 s: 25001 earlier events not kept");
  });

  it("a page that reconnects gets the history once, not twice", async () => {
    const feed = new FakeFeed();
    feed.push(led(14, 1, 0), led(14, 0, 100), led(14, 1, 200), button(0, 1, 0));
    let web = await startWebBoard(feed);
    const port = Number(new URL(web.url).port);
    stops.push(() => web.close());
    const page = await newPage(web.url, { width: 800, height: 600 });
    await page.waitForFunction(() => document.getElementById("diagram")!.dataset.transitions === "2");
    await web.close();
    await page.waitForFunction(() => document.getElementById("status")!.dataset.state === "connecting");
    feed.push(led(14, 0, 300), { type: "print", line: "after the reconnect", time: 300 });
    web = await startWebBoard(feed, { port });
    await page.waitForFunction(() => document.getElementById("status")!.dataset.state === "live", undefined, { timeout: 5000 });
    await page.locator("#log li", { hasText: "after the reconnect" }).waitFor();
    expect(await page.getAttribute("#diagram", "data-transitions")).to.equal("3");
    expect(await page.locator(".led").count()).to.equal(1);
    expect(await page.locator(".pin-button").count()).to.equal(1);
    expect(await page.locator("#log li").count()).to.equal(1);
  });
});
