import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// utf8Encode / utf8Decode (no TextEncoder/TextDecoder on a Moddable device):
// the same text both ways, U+FFFD for malformed bytes (WHATWG), fatal mode.
export default {
  name: "utf8",
  smoke: true,
  expected: [
    "[36, 71, 80, 71, 71, 65]", "$GPGGA",
    "[194, 176, 32, 226, 130, 172, 32, 240, 159, 152, 128]", "true",
    "a\uFFFDb", "\uFFFD\uFFFD", "x\uFFFD", "\uFFFD\uFFFD\uFFFD",
    "TypeError utf8Decode: byte 1 (0xff) is not valid UTF-8",
  ],
  async run(print) {
    const bytes = asyncio.utf8Encode("$GPGGA");
    print(Array.from(bytes));
    print(asyncio.utf8Decode(bytes));
    const text = "° € 😀";
    const encoded = asyncio.utf8Encode(text);
    print(Array.from(encoded));
    print(asyncio.utf8Decode(encoded) === text);
    print(asyncio.utf8Decode(new Uint8Array([0x61, 0x80, 0x62]))); // a stray continuation byte
    print(asyncio.utf8Decode(new Uint8Array([0xc0, 0xaf]))); // an overlong "/"
    print(asyncio.utf8Decode(new Uint8Array([0x78, 0xe2, 0x82]))); // cut short at the end
    print(asyncio.utf8Decode(new Uint8Array([0xed, 0xa0, 0x80]))); // a surrogate
    try {
      asyncio.utf8Decode(new Uint8Array([0x61, 0xff]), { fatal: true });
    } catch (e) {
      print((e as Error).name, (e as Error).message);
    }
  },
} satisfies Scenario;
