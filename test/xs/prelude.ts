// Installed before every test script inside XS (xsnap): a console that XS
// reports unhandled rejections through, where test/xs.test.ts sees them. It
// prints whatever it is given (format.ts's safeString: never throws).
import { safeString } from "../../modules/asyncio/format";

declare const print: (text: string) => void;

const line = (parts: unknown[]): string => parts.map((p) => (typeof p === "string" ? p : safeString(p))).join(" ");
(globalThis as { console?: unknown }).console = {
  log: (...parts: unknown[]) => print(line(parts)),
  error: (...parts: unknown[]) => print(`CONSOLE.ERROR ${line(parts)}`),
};
