// Lint for async mistakes, not style: the forgotten `await` (a coroutine
// started and dropped, asyncio.sleep(1) that waits for nothing) and promises
// handed to places that ignore them. `npm run lint` lints this project;
// `npm run lint -- path/to/app.ts` lints your own app (hosts/node/lint.ts).
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// Where a specifier's `path` is resolved from: the TypeScript program's
// current directory, which is this folder (npm runs scripts here, and
// hosts/node/lint.ts builds an app's program from here).
const asyncio = (name, file) => ({ from: "file", name, path: `modules/asyncio/${file}` });

const rules = {
  // A promise that nobody awaits: its waiting is lost and its error is an
  // unhandled rejection. `await` it, start it as a task
  // (asyncio.createTask(...): a Task is not a Promise, the loop owns it and
  // reports its error), or mark a deliberate fire-and-forget with `void`.
  "@typescript-eslint/no-floating-promises": ["error", {
    // The program's entry points, called at the top of an app where nothing
    // can await them (MicroPython's `asyncio.run(main())`, line for line);
    // their rejection is main's uncaught error, which the host reports.
    // (Inside a running loop they throw RuntimeError at once.) Caveat of the
    // rule: a bare call `run(...)` (a named import) is matched by its name
    // alone, whatever `run` is; `asyncio.run(...)` is matched exactly.
    allowForKnownSafeCalls: [
      asyncio("run", "funcs.ts"),
      asyncio(["runForever", "runUntilComplete"], "loop.ts"),
      // Calls that return what they were given, or what they took out:
      // list.splice(i, 1) drops a waiter from a wait list,
      // Object.defineProperty(p, …) returns p. Nothing there to await.
      { from: "lib", name: ["splice", "defineProperty"] },
    ],
  }],
  // An async function where a plain callback is expected (forEach(async …),
  // setTimeout(async …): nothing awaits it, its error is lost; the library's
  // own callbacks, pin.irq() and the buttons', take async ones and run them
  // as tasks), or a promise used as a condition (`if (lock.acquire())`, always true).
  "@typescript-eslint/no-misused-promises": "error",
  // An async function with no `await` is fine: createTask/gather/waitFor take them.
  "@typescript-eslint/require-await": "off",
};

export default defineConfig(
  {
    // template/ is an app of its own; test/fixtures/lint/ holds mistakes on purpose (test/lint.test.ts).
    ignores: ["build/**", "template/**", "test/fixtures/lint/**", "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.d.ts"],
  },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // Each file's types from the tsconfig.json that includes it.
        projectService: {
          // Read by the XS bundler only, so in no tsconfig's program.
          allowDefaultProject: ["hosts/xs/guard.ts"],
          defaultProject: "tsconfig.json",
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "warn" },
    rules,
  },
  {
    // The Moddable side builds with tsconfig.moddable.json ("asyncio" is the
    // library with the Moddable host; Timer, ECMA-419 IO): its types from there.
    files: ["hosts/moddable/**/*.ts", "test/moddable/**/*.ts", "bench/moddable/**/*.ts"],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: "./tsconfig.moddable.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
