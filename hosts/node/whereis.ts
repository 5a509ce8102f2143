import * as path from "path";
import type { Worker } from "worker_threads";

/**
 * Where a worker that never yields is stuck: the first frame of its stack
 * that is the app's own code ("blink (examples/app.ts:12:5)"), or its top
 * frame when none is. Found through the inspector (the worker is paused the
 * way a debugger pauses an endless loop, and asked for `new Error().stack`,
 * which ts-node maps back to the TypeScript lines). Best effort: null when
 * the inspector is not there, when the worker does not answer within
 * `timeoutMs`, or on any error. The worker is let go again (a worker left
 * paused cannot be terminated): it goes on with its loop.
 *
 * `take`: an expression also evaluated there, while it is paused (JSON-able:
 * its value is handed to `onTaken`), for what the thread holds and will
 * never send itself.
 */
export async function whereIsWorker(worker: Worker, options: { timeoutMs: number; root: string; from: string; take?: string; onTaken?: (value: unknown) => void }): Promise<string | null> {
  let inspector: typeof import("inspector");
  try {
    inspector = require("inspector");
  } catch {
    return null; // A Node built without the inspector.
  }
  const session = new inspector.Session();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sessionId: string | null = null;
  let release: () => Promise<void> = async () => {};
  try {
    session.connect();
    const stack = await new Promise<string | null>((resolve) => {
      timer = setTimeout(() => resolve(null), options.timeoutMs);
      let nextId = 1;
      const replies = new Map<number, (reply: { result?: { result?: { value?: unknown } } }) => void>();
      const send = (method: string, params: object = {}, onReply?: (reply: { result?: { result?: { value?: unknown } } }) => void): void => {
        const id = nextId++;
        if (onReply) replies.set(id, onReply);
        session.post("NodeWorker.sendMessageToWorker", { sessionId: sessionId!, message: JSON.stringify({ id, method, params }) }, () => {});
      };
      // Resumes the worker (disabling the debugger drops the pause), then detaches.
      release = () => new Promise<void>((done) => {
        const t = setTimeout(done, 500);
        send("Debugger.disable", {}, () => {
          clearTimeout(t);
          done();
        });
      });
      session.on("NodeWorker.attachedToWorker", (m: { params: { sessionId: string; workerInfo: { title?: string } } }) => {
        // Every worker of the process is attached; the title names the thread ("[worker 3]"), the workerId does not.
        if (sessionId !== null || !String(m.params.workerInfo.title).startsWith(`[worker ${worker.threadId}]`)) return;
        sessionId = m.params.sessionId;
        send("Debugger.enable");
        send("Debugger.pause");
      });
      session.on("NodeWorker.receivedMessageFromWorker", (m: { params: { sessionId: string; message: string } }) => {
        if (m.params.sessionId !== sessionId) return;
        let msg: { id?: number; method?: string; params?: { callFrames?: { callFrameId: string }[] }; result?: { result?: { value?: unknown } } };
        try {
          msg = JSON.parse(m.params.message);
        } catch {
          return;
        }
        if (msg.id !== undefined) replies.get(msg.id)?.(msg);
        if (msg.method === "Debugger.paused") {
          const frame = msg.params?.callFrames?.[0];
          if (!frame) return resolve(null);
          // The app's frame may be deep under the library's (a pin's change goes through the board and its views): Node keeps 10 frames.
          const stack = "(globalThis.__whereLimit = Error.stackTraceLimit, Error.stackTraceLimit = 200, globalThis.__whereStack = new Error().stack, Error.stackTraceLimit = globalThis.__whereLimit, delete globalThis.__whereLimit, globalThis.__whereStack)";
          const expression = options.take ? `[${stack}, (${options.take})]` : stack;
          send("Debugger.evaluateOnCallFrame", { callFrameId: frame.callFrameId, expression, silent: true, returnByValue: true }, (reply) => {
            let value = reply.result?.result?.value;
            if (options.take && Array.isArray(value)) {
              try {
                options.onTaken?.(value[1]);
              } catch {
                // The caller's problem, not the search's.
              }
              value = value[0];
            }
            resolve(typeof value === "string" ? value : null);
          });
        }
      });
      session.post("NodeWorker.enable", { waitForDebuggerOnStart: false }, (e) => {
        if (e) resolve(null);
      });
    });
    return stack === null ? null : appFrame(stack, options.root, options.from);
  } catch {
    return null;
  } finally {
    if (timer) clearTimeout(timer);
    try {
      if (sessionId !== null) {
        await release();
        session.post("NodeWorker.detach", { sessionId }, () => {});
      }
      session.disconnect();
    } catch {
      // Already gone.
    }
  }
}

/**
 * The frame to show from a stack taken inside the paused worker: the first
 * in the app's own files (not Node's, not a package's, not this library's),
 * else the first at all; its path relative to `from`.
 */
export function appFrame(stack: string, root: string, from: string): string | null {
  const frames = stack.split("\n").slice(1).map((l) => l.trim().replace(/^at /, ""))
    // The evaluation's own frame.
    .filter((f) => !/^eval \(eval at /.test(f) && !f.startsWith("eval at "));
  const library = [path.join(root, "modules") + path.sep, path.join(root, "hosts") + path.sep, `${path.sep}node_modules${path.sep}`];
  const isApp = (f: string): boolean => !/\(node:|^node:/.test(f) && !library.some((l) => f.includes(l)) && /\.[cm]?[jt]s:\d+/.test(f);
  const frame = frames.find(isApp) ?? frames[0];
  if (!frame) return null;
  // A path under where the user is reads better relative to it.
  return frame.replace(/(\/[^():]+\.[cm]?[jt]s)(?=:\d)/, (p) => {
    const rel = path.relative(from, p);
    return rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
  });
}
