import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { formatError } from "../../modules/asyncio/format";

/** Meters xsnap reports for one evaluation. `compute` is deterministic. */
export interface Meter {
  compute: number;
  allocate: number;
  currentHeapCount: number;
}

export interface Evaluation {
  ok: boolean;
  error?: string;
  meter?: Meter;
  /** What the script printed (print()) during this evaluation. */
  output: string;
  wallMs: number;
}

/** Finds the xsnap-worker binary that `npm ci` builds from @agoric/xsnap's sources. */
export function findXsnapWorker(): string | null {
  if (process.env.XSNAP_WORKER) return process.env.XSNAP_WORKER;
  let pkg: string;
  try {
    pkg = path.dirname(require.resolve("@agoric/xsnap/package.json"));
  } catch {
    return null;
  }
  const bin = path.join(pkg, "xsnap-native", "xsnap", "build", "bin", process.platform === "darwin" ? "mac" : "lin", "release", "xsnap-worker");
  return fs.existsSync(bin) ? bin : null;
}

/**
 * Drives one xsnap-worker process over its netstring protocol (commands on
 * fd 3, replies on fd 4): no SES, no @endo in this process.
 */
export class XsnapWorker {
  private readonly child: ChildProcess;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private wake: (() => void) | null = null;
  private exited = false;
  private stdout = "";
  readonly exit: Promise<number | null>;

  constructor(bin: string) {
    this.child = spawn(bin, ["moddable-asyncio"], { stdio: ["ignore", "pipe", "inherit", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (s: string) => (this.stdout += s));
    (this.child.stdio[3] as NodeJS.WritableStream).on("error", () => {});
    (this.child.stdio[4] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => this.received(chunk));
    this.exit = new Promise((resolve) =>
      this.child.on("exit", (code) => {
        this.exited = true;
        this.wake?.();
        resolve(code);
      }),
    );
  }

  /**
   * Evaluates a script; resolves once XS is quiescent (no promise jobs, no
   * immediates). The script runs through an indirect eval inside a guard
   * (see guarded()): as with xsnap's own eval, var and function declarations
   * become globals, while top-level let/const stay local to the script.
   * A script that throws resolves with ok: false and the error's text.
   */
  async evaluate(source: string, onRequest: (message: any) => Promise<unknown> | unknown = defaultRequest): Promise<Evaluation> {
    const start = process.hrtime.bigint();
    const before = this.stdout.length;
    this.send("e", guarded(source));
    for (;;) {
      const msg = await this.next();
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (msg === null) return { ok: false, error: "xsnap-worker exited", output: this.stdout.slice(before), wallMs };
      const kind = String.fromCharCode(msg[0]);
      if (kind === "?") {
        // XS waits inside issueCommand for this reply: a request that fails still gets one.
        let reply: string;
        try {
          const value = await onRequest(JSON.parse(msg.subarray(1).toString("utf8")));
          reply = value === undefined ? "" : JSON.stringify(value);
        } catch (e) {
          reply = JSON.stringify({ error: formatError(e) });
        }
        this.send("/", reply);
        continue;
      }
      await new Promise((r) => setImmediate(r));
      const output = this.stdout.slice(before);
      if (kind === ".") {
        const sep = msg.indexOf(1, 1);
        const meter = JSON.parse(msg.subarray(1, sep).toString("utf8")) as Meter;
        return { ok: true, meter, output, wallMs };
      }
      return { ok: false, error: msg.subarray(1).toString("utf8"), output, wallMs };
    }
  }

  async close(): Promise<void> {
    if (!this.exited) {
      this.send("q", "");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
      await this.exit;
      clearTimeout(timer);
    }
  }

  private send(prefix: string, body: string): void {
    const payload = Buffer.from(prefix + body, "utf8");
    (this.child.stdio[3] as NodeJS.WritableStream).write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(",")]));
  }
  private received(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(this.buffer.subarray(0, colon).toString("latin1"));
      if (this.buffer.length < colon + length + 2) break;
      this.messages.push(this.buffer.subarray(colon + 1, colon + 1 + length));
      this.buffer = this.buffer.subarray(colon + length + 2);
    }
    this.wake?.();
  }
  private async next(): Promise<Buffer | null> {
    while (!this.messages.length) {
      if (this.exited) return null;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return this.messages.shift()!;
  }
}

let formatterScript: string | null = null;

/**
 * xsnap reports a script's exception with the engine's ToString, outside any
 * try: a thrown value it cannot stringify (Object.create(null), a Symbol, a
 * revoked Proxy, a throwing toString) makes that throw again and ends the
 * worker. The guard rethrows what ToString takes as it is (the reply is the
 * same as unguarded), and anything else as an Error carrying formatError's
 * text (format.ts, bundled into the catch block: it runs only on failure).
 */
function guarded(source: string): string {
  if (formatterScript === null) {
    // Loaded on first use: bundling needs the TypeScript compiler.
    const { bundle } = require("./bundle") as typeof import("./bundle");
    formatterScript = bundle(path.join(__dirname, "guard.ts"));
  }
  return `try { (0, eval)(${JSON.stringify(source)}); } catch (thrown) {
  let printable = true;
  try { \`\${thrown}\`; } catch { printable = false; }
  if (printable) throw thrown;
  let text = "<unprintable value>";
  try {
    ${formatterScript}
    text = globalThis.__moddableAsyncioFormatError(thrown);
  } catch {}
  throw new Error("uncaught " + text);
}`;
}

/** Requests the XS side makes: sleep (real-time waits). */
async function defaultRequest(message: { t: string; ms?: number }): Promise<unknown> {
  if (message.t === "sleep") {
    await sleepPrecisely(message.ms ?? 0);
    return undefined;
  }
  return { error: `unknown request ${message.t}` };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * XS is blocked in issueCommand while we sleep, and this process serves only
 * it, so a blocking wait is fine and far more precise than setTimeout
 * (whole ms, often a few ms late).
 */
async function sleepPrecisely(ms: number): Promise<void> {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}
