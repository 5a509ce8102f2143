// A small HTTP/1.1 server beside the two blinking LEDs of main.ts.
//   GET /          the LED states, as an HTML page with a toggle button per LED
//   POST /led/<n>  toggles LED n (0: green, pin 14; 1: blue, pin 12), then
//                  303 See Other back to /
// Keep-alive (HTTP/1.1 default, HTTP/1.0 with "Connection: keep-alive") and
// "Connection: close" are both honoured. A malformed request line, or one
// longer than 1 KiB, gets 400 and the connection is closed; a client silent
// for 10 s is dropped. Port: 8080, or the WEBSERVER_PORT environment variable
// on Node (0 picks a free port).
import asyncio from "asyncio";
import type { Server, Stream } from "asyncio";
import { Pin } from "machine";

export const DEFAULT_PORT = 8080;
const HOST = "0.0.0.0";
const IDLE_TIMEOUT_S = 10;
const MAX_REQUEST_LINE = 1024;
const MAX_HEADER_LINE = 1024;
const MAX_HEADERS = 32;
const MAX_BODY = 1024;
// Connections the system queues before the server accepts them (MicroPython's default is 5; a
// burst of clients beyond the queue waits for a SYN retransmission, a second or more).
const BACKLOG = 64;

function log(text: string): void {
  const g = globalThis as { trace?: (s: string) => void; console?: { log(s: string): void } };
  if (typeof g.trace === "function") g.trace(text + "\n");
  else g.console?.log(text);
}

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
export const app = { server: null as Server | null, port: 0, leds, requests: 0 };

async function blink(led: (typeof leds)[number]) {
  while (true) {
    led.pin.value(!led.pin.value());
    await asyncio.sleep(led.period);
  }
}

// ---- HTTP -------------------------------------------------------------------

const REASONS: Record<number, string> = {
  200: "OK", 303: "See Other", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
  408: "Request Timeout", 413: "Content Too Large", 501: "Not Implemented",
};

function ascii(bytes: Uint8Array, end = bytes.length): string {
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A line without its CRLF; null at EOF; "too long" / "cut" when the line can't be used. */
async function readLine(reader: Stream, max: number): Promise<string | null | "too long" | "cut"> {
  const b = await asyncio.waitFor(reader.readline(max + 2), IDLE_TIMEOUT_S);
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

async function respond(writer: Stream, r: Response, keepAlive: boolean, head = false): Promise<void> {
  const body = r.body ?? `${r.status} ${REASONS[r.status]}\n`;
  const bytes = asyncio.utf8Encode(body);
  let text = `HTTP/1.1 ${r.status} ${REASONS[r.status]}\r\nContent-Length: ${bytes.length}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n`;
  const headers = r.headers ?? { "Content-Type": "text/plain; charset=utf-8" };
  for (const k in headers) text += `${k}: ${headers[k]}\r\n`;
  writer.write(text + "\r\n");
  if (!head) writer.write(bytes);
  await asyncio.waitFor(writer.drain(), IDLE_TIMEOUT_S);
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

/** After an error reply: read and drop what the client still sends (bounded), so closing does not reset the connection under the reply. */
async function discardInput(reader: Stream): Promise<void> {
  const buf = new Uint8Array(2048);
  let total = 0;
  try {
    while (total < 1 << 20) {
      const n = await asyncio.waitFor(reader.readinto(buf), 1);
      if (n === 0) return;
      total += n;
    }
  } catch {
    // timeout or a reset: close anyway
  }
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/;

async function handle(reader: Stream, writer: Stream): Promise<void> {
  try {
    for (;;) {
      let line: string | null | "too long" | "cut";
      try {
        line = await readLine(reader, MAX_REQUEST_LINE);
      } catch (e) {
        if (e instanceof asyncio.TimeoutError) break; // idle client
        throw e;
      }
      if (line === null) break;
      const m = line === "too long" || line === "cut" ? null : REQUEST_LINE.exec(line);
      if (!m) {
        await respond(writer, { status: 400 }, false);
        await discardInput(reader);
        break;
      }
      const [, method, target, version] = m;
      // Headers.
      const headers: Record<string, string> = {};
      let bad = false;
      for (let n = 0; ; n++) {
        const h = await readLine(reader, MAX_HEADER_LINE);
        if (h === null || h === "cut" || h === "too long" || n > MAX_HEADERS) {
          bad = true;
          break;
        }
        if (h === "") break;
        const colon = h.indexOf(":");
        if (colon <= 0) {
          bad = true;
          break;
        }
        headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
      }
      if (bad) {
        await respond(writer, { status: 400 }, false);
        await discardInput(reader);
        break;
      }
      const connection = (headers.connection ?? "").toLowerCase();
      let keepAlive = version === "1.1" ? connection !== "close" : connection === "keep-alive";
      if (headers["transfer-encoding"] !== undefined) {
        await respond(writer, { status: 501 }, false);
        break;
      }
      const length = headers["content-length"] === undefined ? 0 : Number(headers["content-length"]);
      if (!Number.isInteger(length) || length < 0) {
        await respond(writer, { status: 400 }, false);
        break;
      }
      if (length > MAX_BODY) {
        await respond(writer, { status: 413 }, false);
        await discardInput(reader);
        break;
      }
      if (length > 0) await asyncio.waitFor(reader.readexactly(length), IDLE_TIMEOUT_S);
      app.requests++;
      await respond(writer, route(method, target), keepAlive, method === "HEAD");
      if (!keepAlive) break;
    }
  } catch (e) {
    // The client went away (reset, EOF mid-request) or stopped reading: just close.
    if (!(e instanceof asyncio.OSError || e instanceof asyncio.EOFError || e instanceof asyncio.TimeoutError)) throw e;
  } finally {
    writer.close();
    try {
      await asyncio.waitFor(writer.waitClosed(), IDLE_TIMEOUT_S);
    } catch {
      writer.abort();
    }
  }
}

async function main() {
  for (const led of leds) asyncio.createTask(blink(led));
  const server = await asyncio.startServer(handle, HOST, configuredPort(), BACKLOG);
  app.server = server;
  app.port = server.port;
  log(`webserver: http://127.0.0.1:${server.port}/ (listening on ${HOST}:${server.port})`);
}

const loop = asyncio.getEventLoop();
loop.createTask(main());
loop.runForever();
