import asyncio, { type ExceptionContext, type Loop } from "asyncio";
import { ValueError, unnamed, type Scenario } from "./scenario";

// CPython 3.13's loop.call_soon/call_later/call_at/time; the expected lines
// are CPython 3.11's output of the same program on virtual time, except:
// CPython's message names the callback with its source ("bad() at
// file:line"), and it accepts call_soon(5) outside debug mode (the call
// fails later); here a bad callback is a TypeError at the call.

export default {
  name: "call_later",
  expected: [
    "when: 0.15", "cancelled: true", "main goes on",
    "soon1 0.00", "soon2 arg 0.00", "later -1 0.00", "at 0.05 0.05", "later 0.1 a 0.10", "later 0.1 b 0.10", "later 0.2 0.20",
    "handler: Exception in callback <fn>() ValueError(boom) true", "after bad 0.30",
    "TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      const t0 = loop.time();
      const cb = (name: string, ...args: unknown[]) => print(name, ...args, (loop.time() - t0).toFixed(2));
      loop.callSoon(cb, "soon1");
      loop.callLater(0.2, cb, "later 0.2");
      loop.callLater(0.1, cb, "later 0.1 a");
      loop.callLater(0.1, cb, "later 0.1 b");
      const h = loop.callLater(0.15, cb, "never");
      loop.callAt(t0 + 0.05, cb, "at 0.05");
      loop.callLater(-1, cb, "later -1");
      loop.callSoon(cb, "soon2", "arg");
      print("when:", (h.when() - t0).toFixed(2));
      h.cancel();
      print("cancelled:", h.cancelled());
      print("main goes on");
      await asyncio.sleep(0.3);
      loop.setExceptionHandler((_l: Loop, ctx: ExceptionContext) => print("handler:", unnamed(ctx.message), ctx.exception, ctx.handle !== undefined));
      loop.callSoon(function bad() {
        throw new ValueError("boom");
      });
      loop.callSoon(cb, "after bad");
      await asyncio.sleep(0.01);
      try {
        loop.callSoon(5 as never);
      } catch (e) {
        print((e as Error).name);
      }
    });
  },
} satisfies Scenario;
