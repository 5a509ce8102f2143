// A small HTTP/1.1 server beside the two blinking LEDs of main.ts.
//   GET /          the LED states, as an HTML page with a toggle button per LED
//   POST /led/<n>  toggles LED n (0: green, pin 14; 1: blue, pin 12), then
//                  303 See Other back to /
// Keep-alive (HTTP/1.1 default, HTTP/1.0 with "Connection: keep-alive") and
// "Connection: close" are both honoured. A malformed request line, or one
// longer than 1 KiB, gets 400 and the connection is closed. Each request must
// arrive whole (request line, headers, body) within 10 s, else 408 and close
// (a kept-alive connection idle that long is just closed); beyond 6
// connections at once a client gets 503 and is closed (see `limits`).
// Port: 8080, or the WEBSERVER_PORT environment variable on Node (0 picks a
// free port).
//
// Wi-Fi as in MicroPython: network.WLAN(STA_IF), active(true), connect(),
// then `await wlan.connected(30)`. On an ESP32/ESP8266 connect() without
// arguments joins the network the firmware was built for: with `mcconfig …
// ssid=<name> password=<key>` Moddable's own set-up joins it before main
// runs (main waits for it); with `wlan_ssid=<name> wlan_password=<key>`
// this code joins it while the LEDs already blink, and a wrong key or a
// missing network is reported (OSError, TimeoutError). On Node and the
// desktop simulator the station is a model that is connected from the
// start, at 127.0.0.1. The same source runs on all.
import asyncio from "asyncio";
import type { Server, Stream } from "asyncio";
import { Pin } from "machine";
import network from "network";

export const DEFAULT_PORT = 8080;
const HOST = "0.0.0.0";

/**
 * What one client may hold. An ESP32 has about ten sockets (lwIP's default)
 * shared by the listener, every client and the app's own connections; a
 * client that is slow on purpose (one header line every few seconds, a body
 * a byte at a time) must not keep one for long, and a crowd must not take
 * them all. Read at each use, so a test (or an app) may change them.
 */
export const limits = {
  /**
   * Seconds for a whole request: request line, headers and body. A bound
   * per line would not do: a line every 8 s held a connection for half a
   * minute. Also how long a kept-alive connection may sit idle. 408 and
   * close when it passes mid-request.
   */
  requestTimeoutS: 10,
  /**
   * Connections served at once: the listener, these, and REFUSING_AT_ONCE
   * refusals stay within ten sockets with one to spare for the app. One more
   * is answered 503 (Retry-After) and closed.
   */
  maxConnections: 6,
};
/** Refusals (503) in progress at once; a connection beyond them is closed unanswered, as each holds a socket. */
const REFUSING_AT_ONCE = 2;
/**
 * Seconds for the last steps of a connection: a refused client to send its
 * request head, a parting reply (408, 503) to be taken, the close to finish
 * (then the socket is dropped).
 */
const PARTING_S = 2;
/** Seconds a client that stopped reading may keep a reply (and the socket) waiting. */
const WRITE_TIMEOUT_S = 10;
/** After an error reply: seconds to read and drop what the client still sends, so closing does not reset the connection under the reply. */
const LINGER_S = 2;
const MAX_LINGER_BYTES = 1 << 20;
const MAX_REQUEST_LINE = 1024;
const MAX_HEADER_LINE = 1024;
const MAX_HEADERS = 32;
const MAX_BODY = 1024;
// Connections the system queues before the server accepts them (MicroPython's default is 5; a
// burst of clients beyond the queue waits for a SYN retransmission, a second or more).
const BACKLOG = 64;

/** Seconds to wait for Wi-Fi before giving up (TimeoutError, reported; the LEDs blink on). */
const WIFI_TIMEOUT_S = 30;

function configuredPort(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.WEBSERVER_PORT;
  if (v === undefined || v === "") return DEFAULT_PORT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`WEBSERVER_PORT=${v} is not a port number`);
  return n;
}

const leds = [
  { name: "green", pin: new Pin(14, Pin.OUT), period: 0.5 },
  { name: "blue", pin: new Pin(12, Pin.OUT), period: 1 },
];

/** What the tests look at. */
export const app = { server: null as Server | null, port: 0, leds, requests: 0, limits };

/** Connections being served, and being refused (to keep within the sockets). */
let serving = 0;
let refusing = 0;

async function blink(led: (typeof leds)[number]) {
  while (true) {
    led.pin.value(!led.pin.value());
    await asyncio.sleep(led.period);
  }
}

// ---- HTTP -------------------------------------------------------------------

const REASONS: Record<number, string> = {
  200: "OK", 303: "See Other", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
  408: "Request Timeout", 413: "Content Too Large", 501: "Not Implemented", 503: "Service Unavailable",
};

function ascii(bytes: Uint8Array, end = bytes.length): string {
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A line without its CRLF; null at EOF; "too long" / "cut" when the line can't be used. The caller bounds the wait. */
async function readLine(reader: Stream, max: number): Promise<string | null | "too long" | "cut"> {
  const b = await reader.readline(max + 2);
  if (b.length === 0) return null;
  if (b[b.length - 1] !== 10) return b.length >= max + 2 ? "too long" : "cut";
  let end = b.length - 1;
  if (end > 0 && b[end - 1] === 13) end--;
  if (end > max) return "too long";
  return ascii(b, end);
}

interface Response {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends r and waits (at most timeoutS seconds: TimeoutError) until the socket took it. */
async function respond(writer: Stream, r: Response, keepAlive: boolean, head = false, timeoutS = WRITE_TIMEOUT_S): Promise<void> {
  const body = r.body ?? `${r.status} ${REASONS[r.status]}\n`;
  const bytes = asyncio.utf8Encode(body);
  let text = `HTTP/1.1 ${r.status} ${REASONS[r.status]}\r\nContent-Length: ${bytes.length}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n`;
  const headers = r.headers ?? { "Content-Type": "text/plain; charset=utf-8" };
  for (const k in headers) text += `${k}: ${headers[k]}\r\n`;
  writer.write(text + "\r\n");
  if (!head) writer.write(bytes);
  await asyncio.waitFor(writer.drain(), timeoutS);
}

function page(): string {
  let rows = "";
  leds.forEach((led, i) => {
    const on = led.pin.value() ? "on" : "off";
    rows += `<li>LED ${i} (${led.name}, pin ${led.pin.id}): <b>${on}</b> <form method="post" action="/led/${i}" style="display:inline"><button>toggle</button></form></li>\n`;
  });
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>LEDs</title></head><body>\n<h1>LEDs</h1>\n<ul>\n${rows}</ul>\n</body></html>\n`;
}

function route(method: string, target: string): Response {
  const path = target.split("?")[0];
  if (path === "/") {
    if (method !== "GET" && method !== "HEAD") return { status: 405, headers: { Allow: "GET, HEAD", "Content-Type": "text/plain" } };
    return { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: page() };
  }
  const m = /^\/led\/(\d+)$/.exec(path);
  if (m) {
    const led = leds[Number(m[1])];
    if (!led) return { status: 404 };
    if (method !== "POST") return { status: 405, headers: { Allow: "POST", "Content-Type": "text/plain" } };
    led.pin.value(!led.pin.value());
    return { status: 303, headers: { Location: "/", "Content-Type": "text/plain" }, body: `LED ${m[1]} ${led.pin.value() ? "on" : "off"}\n` };
  }
  return { status: 404 };
}

/**
 * After an error reply: reads and drops what the client still
 * sends, so closing does not reset the connection under the reply; bounded in
 * time (LINGER_S) and bytes, since a client trickling bytes would otherwise
 * hold the socket.
 */
async function linger(reader: Stream): Promise<void> {
  const buf = new Uint8Array(2048);
  try {
    await asyncio.timeout(LINGER_S, async () => {
      for (let total = 0; total < MAX_LINGER_BYTES; ) {
        const n = await reader.readinto(buf);
        if (n === 0) return;
        total += n;
      }
    });
  } catch (e) {
    if (e instanceof asyncio.CancelledError) throw e;
    // out of time, or a reset: close anyway
  }
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/;

type Request = { method: string; target: string; keepAlive: boolean } | { error: Response; linger: boolean } | null;

/** One request, read whole (null: the client closed between requests). `progress.started`: the request line has arrived. */
async function readRequest(reader: Stream, progress: { started: boolean }): Promise<Request> {
  const line = await readLine(reader, MAX_REQUEST_LINE);
  if (line === null) return null;
  progress.started = true;
  const m = line === "too long" || line === "cut" ? null : REQUEST_LINE.exec(line);
  if (!m) return { error: { status: 400 }, linger: true };
  const [, method, target, version] = m;
  const headers: Record<string, string> = {};
  for (let n = 0; ; n++) {
    const h = await readLine(reader, MAX_HEADER_LINE);
    if (h === null || h === "cut" || h === "too long" || n > MAX_HEADERS) return { error: { status: 400 }, linger: true };
    if (h === "") break;
    const colon = h.indexOf(":");
    if (colon <= 0) return { error: { status: 400 }, linger: true };
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const connection = (headers.connection ?? "").toLowerCase();
  const keepAlive = version === "1.1" ? connection !== "close" : connection === "keep-alive";
  if (headers["transfer-encoding"] !== undefined) return { error: { status: 501 }, linger: false };
  const length = headers["content-length"] === undefined ? 0 : Number(headers["content-length"]);
  if (!Number.isInteger(length) || length < 0) return { error: { status: 400 }, linger: false };
  if (length > MAX_BODY) return { error: { status: 413 }, linger: true };
  if (length > 0) await reader.readexactly(length);
  return { method, target, keepAlive };
}

/**
 * Beyond the cap: 503 and close, quickly. The request head is read first
 * (within PARTING_S): closing with it unread would reset the connection
 * under the reply. Beyond the refusals a socket can spare: closed unanswered.
 */
async function refuse(reader: Stream, writer: Stream): Promise<void> {
  if (refusing >= REFUSING_AT_ONCE) {
    writer.abort();
    return;
  }
  refusing++;
  try {
    try {
      await asyncio.timeout(PARTING_S, async () => {
        for (let n = 0; n <= MAX_HEADERS; n++) {
          const line = await reader.readline(MAX_HEADER_LINE + 2);
          if (line.length <= 2) return; // the blank line (or EOF)
        }
      });
    } catch (e) {
      if (!(e instanceof asyncio.TimeoutError)) throw e;
    }
    await respond(writer, { status: 503, headers: { "Retry-After": "1", "Content-Type": "text/plain" } }, false, false, PARTING_S);
  } catch (e) {
    if (!(e instanceof asyncio.OSError || e instanceof asyncio.EOFError || e instanceof asyncio.TimeoutError)) throw e;
  } finally {
    refusing--;
    writer.close();
    try {
      await asyncio.waitFor(writer.waitClosed(), PARTING_S);
    } catch {
      writer.abort();
    }
  }
}

async function handle(reader: Stream, writer: Stream): Promise<void> {
  if (serving >= limits.maxConnections) return refuse(reader, writer);
  serving++;
  try {
    for (;;) {
      const progress = { started: false };
      let request: Request;
      try {
        request = await asyncio.timeout(limits.requestTimeoutS, () => readRequest(reader, progress));
      } catch (e) {
        if (!(e instanceof asyncio.TimeoutError)) throw e;
        // Idle between requests: just close. Mid-request: say why.
        if (progress.started) await respond(writer, { status: 408 }, false, false, PARTING_S);
        break;
      }
      if (request === null) break;
      if ("error" in request) {
        await respond(writer, request.error, false);
        if (request.linger) await linger(reader);
        break;
      }
      app.requests++;
      await respond(writer, route(request.method, request.target), request.keepAlive, request.method === "HEAD");
      if (!request.keepAlive) break;
    }
  } catch (e) {
    // The client went away (reset, EOF mid-request) or stopped reading: just close.
    if (!(e instanceof asyncio.OSError || e instanceof asyncio.EOFError || e instanceof asyncio.TimeoutError)) throw e;
  } finally {
    serving--;
    writer.close();
    try {
      await asyncio.waitFor(writer.waitClosed(), PARTING_S);
    } catch {
      writer.abort();
    }
  }
}

/** Joins the Wi-Fi network (see the top of the file); resolves with the station's IP address. */
async function joinWifi(): Promise<string> {
  const wlan = new network.WLAN(network.STA_IF);
  wlan.active(true);
  if (!wlan.isconnected()) {
    asyncio.print("webserver: connecting to Wi-Fi...");
    if (wlan.status() !== network.STAT_CONNECTING) wlan.connect();
  }
  await wlan.connected(WIFI_TIMEOUT_S);
  return wlan.ifconfig()[0];
}

async function main() {
  const port = configuredPort();
  for (const led of leds) asyncio.createTask(blink(led));
  const ip = await joinWifi();
  const server = await asyncio.startServer(handle, HOST, port, BACKLOG);
  app.server = server;
  app.port = server.port;
  asyncio.print(`webserver: http://${ip}:${server.port}/ (listening on ${HOST}:${server.port})`);
}

const loop = asyncio.getEventLoop();
loop.createTask(main());
loop.runForever();
