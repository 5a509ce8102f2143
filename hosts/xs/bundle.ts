import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const ALIASES: Record<string, string> = {
  asyncio: path.join(ROOT, "modules", "asyncio", "index.ts"),
  machine: path.join(ROOT, "modules", "machine", "index.ts"),
  buttons: path.join(ROOT, "modules", "buttons", "index.ts"),
};

function resolveModule(from: string, specifier: string): string {
  if (ALIASES[specifier]) return ALIASES[specifier];
  if (!specifier.startsWith(".")) throw new Error(`bundle: ${path.relative(ROOT, from)} imports "${specifier}", which XS here doesn't have`);
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base + ".ts", path.join(base, "index.ts"), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`bundle: can't resolve "${specifier}" from ${path.relative(ROOT, from)}`);
}

/**
 * One classic script holding the entry and every module it imports, compiled
 * from TypeScript to CommonJS (xsnap evaluates scripts; no bundler
 * dependency needed for a dozen files).
 */
export function bundle(entry: string): string {
  const ids = new Map<string, number>();
  const bodies: string[] = [];
  const visit = (file: string): number => {
    const known = ids.get(file);
    if (known !== undefined) return known;
    const id = ids.size;
    ids.set(file, id);
    bodies.push("");
    const source = fs.readFileSync(file, "utf8");
    const js = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, importHelpers: false },
    }).outputText;
    const rewritten = js.replace(/require\("([^"]+)"\)/g, (_m, spec: string) => `__require(${visit(resolveModule(file, spec))})`);
    bodies[id] = `/* ${path.relative(ROOT, file)} */ function (__require, module, exports) {\n${rewritten}\n}`;
    return id;
  };
  visit(path.resolve(entry));
  return `(function () {
"use strict";
const __modules = [${bodies.join(",\n")}];
const __cache = [];
function __require(id) {
  let m = __cache[id];
  if (m) return m.exports;
  m = __cache[id] = { exports: {} };
  __modules[id](__require, m, m.exports);
  return m.exports;
}
__require(0);
})();
`;
}
