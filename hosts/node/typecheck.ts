import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";

/**
 * What a device has instead of a Node name an app used (npm start runs the
 * app on Node, so it would run there and fail on the device).
 */
const INSTEAD: Record<string, string> = {
  console: 'print() from "asyncio" prints a line',
  setTimeout: "await asyncio.sleep(s) waits; asyncio.createTask runs something later",
  setInterval: "a task with a loop around await asyncio.sleep(s)",
  setImmediate: "await asyncio.sleep(0)",
  clearTimeout: "task.cancel() of the task that sleeps",
  clearInterval: "task.cancel() of the task that loops",
  queueMicrotask: "await asyncio.sleep(0)",
  process: "loop.stop() ends the app's loop; there is no process, no environment",
  Buffer: "Uint8Array",
  TextDecoder: 'utf8Decode(bytes) from "asyncio"',
  TextEncoder: 'utf8Encode(text) from "asyncio"',
  require: "import",
  __dirname: "nothing: there is no file system",
  __filename: "nothing: there is no file system",
};

/** Names Node has that a device (XS, with @moddable/typings' xs.d.ts) does not: its globals, its module scope, its built-in modules. */
function nodeOnly(name: string, isModule: boolean): boolean {
  if (isModule) return name.startsWith("node:") || builtinModules.includes(name);
  return name in INSTEAD || name === "module" || name === "exports" || name === "NodeJS" || name in globalThis;
}

/** The message of a diagnostic that says a Node name is missing, or null for any other. */
function nodeMessage(d: ts.Diagnostic): { name: string; text: string } | null {
  if (typeof d.messageText !== "string") return null;
  const name = /^Cannot find (?:name|namespace) '([^']+)'/.exec(d.messageText)?.[1];
  // import * as fs from "fs" is reported as the name fs.
  if (name !== undefined && !nodeOnly(name, false) && builtinModules.includes(name)) return { name: `"${name}"`, text: `Cannot find module '${name}': it is Node's, a device has no such module.` };
  // 2580, 2591: "Do you need to install type definitions for node?"
  if (name !== undefined && (d.code === 2580 || d.code === 2591 || nodeOnly(name, false))) {
    const instead = INSTEAD[name];
    return { name, text: `Cannot find name '${name}': Node has it, a device does not${instead ? ` (instead: ${instead})` : ""}.` };
  }
  const module = /^Cannot find module '([^']+)'/.exec(d.messageText)?.[1];
  if (module !== undefined && nodeOnly(module, true)) return { name: `"${module}"`, text: `Cannot find module '${module}': it is Node's, a device has no such module.` };
  return null;
}

/**
 * Type-checks an app (and what it imports) as a device sees it: this
 * project's modules ("asyncio", "machine", "buttons", "network"), XS's
 * globals (trace, from @moddable/typings), ES2024, and no Node — no console,
 * process, Buffer, setTimeout, fs — which npm start's Node would run and a
 * device would not. Returns the errors as tsc prints them (file(line,col):
 * error TSxxxx: …, paths relative to `from`; a Node name's error says it is
 * Node's, and what a device has instead), or null when there are none.
 */
export function typecheckApp(entry: string, root: string, from: string): string | null {
  const configPath = path.join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    // The app may live anywhere: rootDir/outDir only matter for emitting, which this never does.
    noEmit: true, rootDir: undefined, outDir: undefined,
    // No @types (node, mocha): a device has none of them.
    types: [],
    paths: {
      ...parsed.options.paths,
      // The portable network module (Node's adds its Wi-Fi model for tests).
      network: ["./modules/network/index.ts"],
    },
  };
  const xs = path.join(root, "node_modules", "@moddable", "typings", "xs.d.ts");
  const program = ts.createProgram([entry, ...(ts.sys.fileExists(xs) ? [xs] : [])], options);
  const nodeNames = new Set<string>();
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const node = nodeMessage(d);
    if (!node) return d;
    nodeNames.add(node.name);
    return { ...d, messageText: node.text };
  });
  if (diagnostics.length === 0) return null;
  const text = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => from,
    getNewLine: () => "\n",
  });
  if (nodeNames.size === 0) return text;
  return `${text}\nNode only (npm start runs on Node, a device has none of these): ${[...nodeNames].join(", ")}\n`;
}
