import Module = require("module");
import * as path from "path";

// Moddable apps import the library as "asyncio" and "machine" (manifest
// module names); under Node the same names resolve to the TypeScript sources.
const root = path.resolve(__dirname, "..", "..");
const aliases: Record<string, string> = {
  asyncio: path.join(root, "modules", "asyncio", "index.ts"),
  machine: path.join(root, "modules", "machine", "index.ts"),
  buttons: path.join(root, "modules", "buttons", "index.ts"),
  network: path.join(root, "hosts", "node", "network.ts"),
  // Board scripts' import, wherever the app lives.
  "simulated-board": path.join(root, "hosts", "node", "board-script.ts"),
};

type Resolve = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve };
const original = M._resolveFilename;
if (!(original as { asyncioAliases?: boolean }).asyncioAliases) {
  const patched: Resolve = function (this: unknown, request, ...rest) {
    const target = aliases[request];
    return original.call(this, target ?? request, ...rest);
  };
  (patched as { asyncioAliases?: boolean }).asyncioAliases = true;
  M._resolveFilename = patched;
}
