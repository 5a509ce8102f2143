// "blink lateness under 50-client load": examples/webserver.ts on the
// simulated board (real time, Node host), hammered by 50 concurrent HTTP
// clients × 20 requests (keep-alive and Connection: close mixed), repeated
// for at least 10 s; the figure is how late the green LED's 500 ms
// toggles were while the load ran. The client is shared with test/streams.test.ts.
import * as net from "net";
import * as path from "path";
import { runApp, type Run } from "../hosts/node/runner";
import type { Server } from "../modules/asyncio";

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A minimal HTTP/1.1 client over one TCP connection (responses with Content-Length only). */
export class HttpConnection {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  readonly closed: Promise<void>;

  private constructor(readonly sock: net.Socket) {
    sock.on("data", (b: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
      this.poke();
    });
    sock.on("end", () => {
      this.ended = true;
      this.poke();
    });
    sock.on("error", (e) => {
      this.failure = e;
      this.poke();
    });
    this.closed = new Promise((r) => sock.on("close", () => r()));
  }
  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  static connect(port: number, host = "127.0.0.1"): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(new HttpConnection(s));
      });
    });
  }
  private more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((r) => (this.wake = r));
  }
  send(text: string | Buffer): void {
    this.sock.write(text);
  }
  async request(method: string, target: string, headers: Record<string, string> = {}, version = "1.1"): Promise<HttpResponse> {
    let text = `${method} ${target} HTTP/${version}\r\nHost: 127.0.0.1\r\n`;
    for (const k in headers) text += `${k}: ${headers[k]}\r\n`;
    this.send(text + "\r\n");
    return this.response();
  }
  async response(): Promise<HttpResponse> {
    let end: number;
    while ((end = this.buf.indexOf("\r\n\r\n")) < 0) {
      if (this.ended) throw new Error("connection ended before a response");
      await this.more();
    }
    const head = this.buf.subarray(0, end).toString("latin1").split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3}) /.exec(head[0]);
    if (!m) throw new Error(`bad status line ${JSON.stringify(head[0])}`);
    const headers: Record<string, string> = {};
    for (const h of head.slice(1)) {
      const i = h.indexOf(":");
      headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    while (this.buf.length < end + 4 + length) {
      if (this.ended) throw new Error("connection ended inside a response body");
      await this.more();
    }
    const body = this.buf.subarray(end + 4, end + 4 + length).toString("utf8");
    this.buf = this.buf.subarray(end + 4 + length);
    return { status: Number(m[1]), headers, body };
  }
  /** Resolves once the server ended the connection (EOF or reset) with nothing more to read. */
  async untilEnd(): Promise<void> {
    while (!this.ended && !this.failure) await this.more().catch(() => undefined);
  }
  destroy(): void {
    this.sock.destroy();
  }
}

export interface LoadResult {
  responses: number;
  wrong: string[];
}

/**
 * clients × requests against the example server: even clients keep one
 * connection alive (the last request says Connection: close), odd ones open a
 * connection per request with Connection: close. Every 4th request is
 * POST /led/1 (the blue LED; the green one stays a pure blink), the others GET /.
 */
export async function webLoad(port: number, clients = 50, requests = 20): Promise<LoadResult> {
  const wrong: string[] = [];
  let responses = 0;
  const check = (r: HttpResponse, post: boolean, close: boolean, who: string): void => {
    responses++;
    const ok = post
      ? r.status === 303 && r.headers.location === "/"
      : r.status === 200 && r.body.includes("LED 0 (green, pin 14)") && r.body.includes("LED 1 (blue, pin 12)") && Number(r.headers["content-length"]) === Buffer.byteLength(r.body);
    const conn = r.headers.connection;
    if (!ok || conn !== (close ? "close" : "keep-alive")) wrong.push(`${who}: ${r.status} ${conn} ${r.body.slice(0, 60)}`);
  };
  const one = async (c: number): Promise<void> => {
    const keep = c % 2 === 0;
    let conn: HttpConnection | null = null;
    for (let j = 0; j < requests; j++) {
      const post = j % 4 === 3;
      const last = j === requests - 1;
      const close = !keep || last;
      if (!conn) conn = await HttpConnection.connect(port);
      const r = await conn.request(post ? "POST" : "GET", post ? "/led/1" : "/", close ? { Connection: "close" } : {});
      check(r, post, close, `client ${c} request ${j}`);
      if (close) {
        await conn.untilEnd();
        conn.destroy();
        await conn.closed;
        conn = null;
      }
    }
  };
  const all = [];
  for (let c = 0; c < clients; c++) all.push(one(c));
  const settled = await Promise.allSettled(all);
  for (const s of settled) if (s.status === "rejected") wrong.push(String(s.reason));
  return { responses, wrong };
}

export const WEBSERVER_ENTRY = path.resolve(__dirname, "..", "examples", "webserver.ts");

/** The example's limits (examples/webserver.ts explains each). */
export interface WebLimits {
  /** Seconds for a whole request (request line, headers, body); also a kept-alive connection's idle time. */
  requestTimeoutS: number;
  /** Connections served at once; more get 503. */
  maxConnections: number;
}

export interface WebApp {
  run: Run;
  server: Server;
  port: number;
  app: { server: Server | null; port: number; requests: number; limits: WebLimits; leds: { name: string; pin: { value(v?: number | boolean): 0 | 1 | void } }[] };
  /** The example's own limits, before startWebApp's overrides. */
  defaults: WebLimits;
}

/** Enough connections for webLoad's 50 concurrent clients: the load figure measures the loop, not the device's socket cap. */
export const LOAD_LIMITS: Partial<WebLimits> = { maxConnections: 64 };

/**
 * Starts examples/webserver.ts on the simulated board, real time, on a free
 * port; `limits` replaces some of the example's limits before any client
 * connects.
 */
export async function startWebApp(limits: Partial<WebLimits> = {}): Promise<WebApp> {
  const previous = process.env.WEBSERVER_PORT;
  process.env.WEBSERVER_PORT = "0";
  const log = console.log;
  console.log = () => undefined; // the example prints its URL
  let run: Run;
  try {
    run = runApp({ entry: WEBSERVER_ENTRY, virtual: false, view: false });
  } finally {
    if (previous === undefined) delete process.env.WEBSERVER_PORT;
    else process.env.WEBSERVER_PORT = previous;
  }
  const app = (require.cache[WEBSERVER_ENTRY]!.exports as { app: WebApp["app"] }).app;
  try {
    for (let i = 0; i < 500 && !app.server; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    console.log = log;
  }
  if (!app.server) {
    run.stop();
    throw new Error("examples/webserver.ts did not start its server");
  }
  const defaults = app.limits ? { ...app.limits } : (undefined as unknown as WebLimits);
  if (app.limits) Object.assign(app.limits, limits);
  return { run, server: app.server, port: app.port, app, defaults };
}

const GREEN = 14;
const HALF_PERIOD = 500;
const MIN_LOAD_MS = 10000;
const ROUND_LIMIT_MS = 30000;

function stats(sorted: number[]): { p50: number; p99: number; max: number; samples: number } {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  return { p50: r(pct(50)), p99: r(pct(99)), max: r(sorted.length ? sorted[sorted.length - 1] : NaN), samples: sorted.length };
}

/** Lateness (ms) of each green toggle in [from, to] on the run's clock: interval since the previous toggle − 500 ms. */
export function greenLateness(run: Run, from: number, to: number): number[] {
  const times = run.board.history.filter((c) => c.pin === GREEN).map((c) => c.time);
  const late: number[] = [];
  for (let i = 1; i < times.length; i++) if (times[i - 1] >= from && times[i] <= to) late.push(times[i] - times[i - 1] - HALF_PERIOD);
  return late;
}

/**
 * The bench figure: lateness (ms) of the green LED's 500 ms toggles while
 * rounds of 50 clients × 20 requests run back to back for at least
 * minLoadMs (10 s: about 20 samples; pass less for a quick run). The clients
 * run in the same Node process as the server, so their CPU time counts too.
 */
export async function webLoadFigure(minLoadMs = MIN_LOAD_MS): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const web = await startWebApp(LOAD_LIMITS);
  try {
    const from = web.run.elapsed();
    let rounds = 0;
    do {
      // A round takes ~0.1 s; one that hangs must not hang the bench.
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`webload: round ${rounds} still running after ${ROUND_LIMIT_MS} ms (elapsed ${Math.round(web.run.elapsed() - from)} ms, ${web.server.connectionCount()} connections open)`)), ROUND_LIMIT_MS);
      });
      try {
        const r = await Promise.race([webLoad(web.port, 50, 20), stuck]);
        if (r.wrong.length) throw new Error(`webload: ${r.wrong.length} wrong responses, first: ${r.wrong[0]}`);
      } finally {
        clearTimeout(timer);
      }
      rounds++;
    } while (web.run.elapsed() - from < minLoadMs);
    const to = web.run.elapsed();
    return stats(greenLateness(web.run, from, to).sort((a, b) => a - b));
  } finally {
    web.server.close();
    web.run.stop();
    await web.run.finished;
  }
}
