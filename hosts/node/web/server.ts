import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import type { BoardEvent, BoardFeed } from "../feed";

// Server-Sent Events + POST on Node's own http: the board only ever pushes
// one way and the page sends a press now and then, so a WebSocket (and the
// `ws` package) would add a dependency and buy nothing.

export interface WebBoardOptions {
  /** TCP port on 127.0.0.1; 0 or undefined: a free port. */
  port?: number;
  /** The app's name, shown as the page's title. */
  title?: string;
  /**
   * When a page that stopped reading is dropped (it reconnects and gets the
   * history again): once it has been backed up for stallMs with more than
   * maxQueued events waiting. Tests make these small.
   */
  limits?: { maxQueued?: number; stallMs?: number };
}

export interface WebBoard {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** Ends every stream, releases the buttons the pages hold, frees the port. Safe to call twice. */
  close(): Promise<void>;
}

/** The board could not be served: code is the system's (EADDRINUSE, EACCES, …). */
export class WebBoardError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}
Object.defineProperty(WebBoardError.prototype, "name", { value: "WebBoardError" });

/** The only files served, by URL path: nothing else of the folder (or above it) is reachable. */
const STATIC = new Map<string, [file: string, type: string]>([
  ["/", ["index.html", "text/html; charset=utf-8"]],
  ["/board.js", ["board.js", "text/javascript; charset=utf-8"]],
  ["/board.css", ["board.css", "text/css; charset=utf-8"]],
]);
// Printed lines are the app's text: the page only ever sets textContent, and
// the policy makes sure nothing else could run even if that slipped.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};
/** Events per SSE message: one JSON.parse per batch on the page, not per event. */
const BATCH = 500;
/** More changes than this of one pin within one ms of the run go to the page as one burst. */
const BURST_MIN = 3;
const MAX_BODY = 1024;
const HEARTBEAT_MS = 15000;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A request that gets a 4xx: its status and the reason shown to the page. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Serves the board of a run to browsers on 127.0.0.1: the page, a stream of
 * the feed's events (GET /events) and button presses (POST /drive). Nothing a
 * browser sends or does reaches the run except a validated drive().
 * @throws RangeError (port not an integer 0–65535); rejects with WebBoardError when the port can't be had
 */
export async function startWebBoard(feed: BoardFeed, options: WebBoardOptions = {}): Promise<WebBoard> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startWebBoard: port must be an integer from 0 to 65535, got ${String(port)}`);
  const maxQueued = options.limits?.maxQueued ?? 200_000;
  const stallMs = options.limits?.stallMs ?? 10_000;
  const title = options.title ?? "";
  const files = new Map<string, Buffer>();
  for (const [file] of STATIC.values()) files.set(file, fs.readFileSync(path.join(__dirname, file)));

  // What a POST may drive: the pins the app has open as inputs, and nothing once the run is over.
  const inputs = new Set<number>();
  let ended = false;
  // The feed has no clock: the run's time is estimated from its events, whose
  // delivery lag only makes an estimate too small, so the largest one is kept.
  // The page gets it with every message and can move its time axis between events.
  let offset = -Infinity;
  let endTime: number | null = null;
  const runNow = (): number | null => endTime ?? (offset === -Infinity ? null : performance.now() + offset);
  const stopWatching = feed.subscribe((e) => {
    if (Number.isFinite(e.time)) offset = Math.max(offset, e.time - performance.now());
    if (e.type === "pin") {
      if (e.mode === "input") inputs.add(e.pin);
      else inputs.delete(e.pin);
    } else if (e.type === "end") {
      ended = true;
      endTime = e.time;
    }
  });

  /** Pins each page holds pressed, released when its stream goes away (tab closed, crashed, asleep). */
  const held = new Map<string, Set<number>>();
  const streams = new Set<Stream>();
  const release = (client: string): void => {
    const pins = held.get(client);
    if (!pins) return;
    held.delete(client);
    for (const pin of pins) safeDrive(feed, pin, null);
  };

  let actualPort = port;
  const server = http.createServer((req, res) => {
    // A socket error after the response started must not become an uncaught 'error' event.
    req.on("error", () => {});
    res.on("error", () => {});
    try {
      route(req, res);
    } catch (e) {
      reply(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    // DNS rebinding: a page on another site resolving its name to 127.0.0.1 must not reach the board.
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${actualPort}` && host !== `localhost:${actualPort}`) return reply(res, 403, "unexpected Host header");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://127.0.0.1");
    } catch {
      return reply(res, 400, "bad URL");
    }
    const file = STATIC.get(url.pathname);
    if (file) {
      if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "GET only", { allow: "GET, HEAD" });
      const body = files.get(file[0])!;
      res.writeHead(200, { "content-type": file[1], "content-length": body.length, ...SECURITY_HEADERS });
      res.end(req.method === "HEAD" ? undefined : body);
    } else if (url.pathname === "/events") {
      if (req.method !== "GET") return reply(res, 405, "GET only", { allow: "GET" });
      const client = url.searchParams.get("client") ?? "";
      streams.add(new Stream(res, feed, title, runNow, CLIENT_ID.test(client) ? client : null, maxQueued, stallMs, (s) => {
        streams.delete(s);
        if (s.client && ![...streams].some((o) => o.client === s.client)) release(s.client);
      }));
    } else if (url.pathname === "/drive") {
      if (req.method !== "POST") return reply(res, 405, "POST only", { allow: "POST" });
      drive(req, res);
    } else reply(res, 404, "not found");
  }

  function drive(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A cross-site form or fetch can't send this content type without a preflight we never answer.
    if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) return reply(res, 415, "expected Content-Type: application/json");
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return reply(res, 403, "cross-origin request");
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        refused = true;
        reply(res, 413, `body over ${MAX_BODY} bytes`, { connection: "close" });
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      try {
        const { client, pin, level } = parseDrive(Buffer.concat(chunks).toString("utf8"));
        if (ended) throw new Refusal(409, "the run has ended");
        if (!inputs.has(pin)) throw new Refusal(409, `GPIO${pin} is not an input the app has open`);
        feed.drive(pin, level);
        if (client) {
          const pins = held.get(client) ?? new Set<number>();
          if (level === null) pins.delete(pin);
          else pins.add(pin);
          if (pins.size) held.set(client, pins);
          else held.delete(client);
        }
        res.writeHead(204, SECURITY_HEADERS);
        res.end();
      } catch (e) {
        if (e instanceof Refusal) reply(res, e.status, e.message);
        else reply(res, 500, `drive failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  const heartbeat = setInterval(() => {
    for (const s of streams) s.heartbeat();
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException): void => {
      clearInterval(heartbeat);
      stopWatching();
      const code = e.code ?? "ERROR";
      const why = code === "EADDRINUSE" ? "is in use" : code === "EACCES" ? "needs privileges" : `can't be used (${e.message})`;
      reject(new WebBoardError(`port ${port} on 127.0.0.1 ${why}; choose another with --port N, or leave --port out for a free one`, code));
    };
    server.once("error", failed);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", failed);
      // A later server error (none expected once listening) must not crash the run.
      server.on("error", () => {});
      actualPort = (server.address() as AddressInfo).port;
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${actualPort}/`,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const client of [...held.keys()]) release(client);
        stopWatching();
        // What the run said last (its end, when start.ts closes the board on it) still reaches the pages.
        for (const s of [...streams]) s.end({ flush: true });
        // A page that does not take what is left is not waited for long.
        const cutOff = setTimeout(() => server.closeAllConnections(), 1000);
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * What the page gets for many changes of one pin within one ms of the run (a
 * task toggling a pin in a loop without an await makes hundreds of thousands
 * a second, more than a page can take and far more than it can draw: it
 * would fall behind the run, and its diagram go flat while the pin toggles):
 * from `time` to `until`, `changes` level changes, ending at `level`.
 */
export interface Burst { type: "burst"; pin: number; time: number; until: number; changes: number; level: 0 | 1; mode: Extract<BoardEvent, { type: "pin" }>["mode"]; pull: Extract<BoardEvent, { type: "pin" }>["pull"] }
export type PageEvent = BoardEvent | Burst;

/**
 * The events as the page gets them: each pin's changes within one ms (of the
 * same mode and pull), when there are more than BURST_MIN, as one Burst in the
 * place of the first (a pin's events stay in order; other events are left
 * where they are). `levels`: each pin's last level, kept from call to call.
 */
export function coalesce(events: readonly PageEvent[], levels: Map<number, number>): PageEvent[] {
  type Group = { pin: Extract<BoardEvent, { type: "pin" }>[]; ms: number };
  const out: (PageEvent | Group)[] = [];
  const open = new Map<number, Group>();
  for (const e of events) {
    if (e.type !== "pin") {
      out.push(e);
      continue;
    }
    const ms = Math.floor(e.time);
    const g = open.get(e.pin);
    const first = g?.pin[0];
    if (g && g.ms === ms && first!.mode === e.mode && first!.pull === e.pull) g.pin.push(e);
    else {
      const group: Group = { pin: [e], ms };
      open.set(e.pin, group);
      out.push(group);
    }
  }
  const result: PageEvent[] = [];
  for (const item of out) {
    if (!("ms" in item)) {
      if (item.type === "burst") levels.set(item.pin, item.level);
      result.push(item);
      continue;
    }
    const pins = item.pin;
    if (pins.length <= BURST_MIN) {
      for (const e of pins) {
        levels.set(e.pin, e.level);
        result.push(e);
      }
      continue;
    }
    let changes = 0;
    let level = levels.get(pins[0].pin);
    for (const e of pins) {
      if (level !== undefined && e.level !== level) changes++;
      level = e.level;
    }
    const first = pins[0];
    const last = pins[pins.length - 1];
    levels.set(first.pin, last.level);
    result.push({ type: "burst", pin: first.pin, time: first.time, until: last.time, changes, level: last.level, mode: first.mode, pull: first.pull });
  }
  return result;
}

/** One page's event stream: the feed's history, then each event, in batches (a pin's dense changes as bursts), at the pace the page reads. */
class Stream {
  /** Events from the feed not yet coalesced. */
  private incoming: BoardEvent[] = [];
  /** Coalesced, waiting to be written from `head` on. */
  private queue: PageEvent[] = [];
  /** Each pin's last level as the page has it (a burst counts its changes from it). */
  private readonly levels = new Map<number, number>();
  private head = 0;
  private scheduled = false;
  /** Since when the socket has been full (0: it is not). */
  private backedUpSince = 0;
  private closed = false;
  /** Unset while the feed replays its history into push() (which may end the stream already). */
  private unsubscribe?: () => void;

  constructor(
    private readonly res: http.ServerResponse,
    feed: BoardFeed,
    title: string,
    private readonly runNow: () => number | null,
    readonly client: string | null,
    private readonly maxQueued: number,
    private readonly stallMs: number,
    private readonly onClose: (s: Stream) => void,
  ) {
    // connection: close, so that when the stream ends (close()) the socket goes with it, after what it holds.
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", connection: "close", ...SECURITY_HEADERS });
    // reset: a reconnecting page drops what it had, since the history comes again.
    res.write(`retry: 1000\nevent: reset\ndata: ${JSON.stringify({ title, now: runNow() })}\n\n`);
    res.on("close", () => this.end());
    res.on("drain", () => {
      this.backedUpSince = 0;
      this.flush();
    });
    try {
      const unsubscribe = feed.subscribe((e) => this.push(e));
      if (this.closed) unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch {
      this.end();
    }
  }

  private waiting(): number {
    return this.queue.length - this.head + this.incoming.length;
  }

  private push(e: BoardEvent): void {
    if (this.closed) return;
    this.incoming.push(e);
    // Backed up behind a flood of changes: they take far less room as bursts.
    if (this.backedUpSince && this.incoming.length > this.maxQueued / 2) this.compact();
    if (this.backedUpSince && this.waiting() > this.maxQueued && Date.now() - this.backedUpSince >= this.stallMs) {
      // The page stopped reading: drop it rather than hold the run's events for it without bound.
      this.res.destroy();
      this.end();
      return;
    }
    if (!this.scheduled && !this.backedUpSince) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** What came in, with each pin's dense changes as bursts, to the queue. */
  private compact(): void {
    if (this.incoming.length === 0) return;
    for (const e of coalesce(this.incoming, this.levels)) this.queue.push(e);
    this.incoming = [];
  }

  private flush(): void {
    this.scheduled = false;
    this.compact();
    while (!this.closed && this.head < this.queue.length) {
      const batch = this.queue.slice(this.head, this.head + BATCH);
      this.head += batch.length;
      if (!this.res.write(`data: ${JSON.stringify({ now: this.runNow(), events: batch })}\n\n`)) {
        this.backedUpSince = Date.now();
        break;
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 4 * BATCH) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  heartbeat(): void {
    // Also finds a page that went away without closing its connection, and resyncs the page's clock.
    if (!this.closed && !this.backedUpSince && !this.scheduled) this.res.write(`data: ${JSON.stringify({ now: this.runNow(), events: [] })}\n\n`);
  }

  end(options: { flush?: boolean } = {}): void {
    if (this.closed) return;
    if (options.flush) {
      // Not waiting for the socket, even a backed-up one: the response ends right after, and Node sends what it holds first
      // (the run's end among it: a page that never gets it says its connection was lost, and its clock runs on).
      this.compact();
      while (this.head < this.queue.length) {
        const batch = this.queue.slice(this.head, this.head + BATCH);
        this.head += batch.length;
        this.res.write(`data: ${JSON.stringify({ now: this.runNow(), events: batch })}\n\n`);
      }
    }
    this.closed = true;
    this.unsubscribe?.();
    this.queue.length = 0;
    this.incoming = [];
    if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }
}

/**
 * A drive request's body: {"pin": n, "level": 0 | 1 | null, "client"?: id}.
 * @throws Refusal (400) naming what is wrong
 */
function parseDrive(text: string): { pin: number; level: 0 | 1 | null; client: string | null } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Refusal(400, "body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Refusal(400, 'expected {"pin": n, "level": 0, 1 or null}');
  const { pin, level, client, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new Refusal(400, `unexpected field ${JSON.stringify(extra[0])}`);
  if (typeof pin !== "number" || !Number.isInteger(pin) || pin < 0 || pin > 1023) throw new Refusal(400, "pin must be an integer from 0 to 1023");
  if (level !== 0 && level !== 1 && level !== null) throw new Refusal(400, "level must be 0, 1 or null");
  if (client !== undefined && (typeof client !== "string" || !CLIENT_ID.test(client))) throw new Refusal(400, "client must be 1–64 letters, digits, - or _");
  return { pin, level, client: (client as string | undefined) ?? null };
}

function reply(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS, ...headers });
  res.end(`${message}\n`);
}

function safeDrive(feed: BoardFeed, pin: number, level: 0 | 1 | null): void {
  try {
    feed.drive(pin, level);
  } catch {
    // Releasing a pin the app has since closed: nothing left to release.
  }
}
