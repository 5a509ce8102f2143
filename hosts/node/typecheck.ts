import * as path from "path";
import * as ts from "typescript";

/**
 * Type-checks an app (and what it imports) with this project's settings, so
 * that `asyncio`, `machine`, `buttons` and `network` resolve as they do for
 * the examples. Returns the errors as tsc prints them (file(line,col): error
 * TSxxxx: …, paths relative to `from`), or null when there are none.
 */
export function typecheckApp(entry: string, root: string, from: string): string | null {
  const configPath = path.join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  // The app may live anywhere: rootDir/outDir only matter for emitting, which this never does.
  const program = ts.createProgram([entry], { ...parsed.options, noEmit: true, rootDir: undefined, outDir: undefined });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length === 0) return null;
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => from,
    getNewLine: () => "\n",
  });
}
