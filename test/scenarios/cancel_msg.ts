import asyncio from "asyncio";
import type { Scenario } from "./scenario";

// CPython 3.9+'s Task.cancel(msg): the CancelledError carries the message, also
// for a task cancelled before it ran and when the cancel is passed on to the
// task it awaits.
export default {
  name: "cancel_msg",
  expected: ["parked stop now", "queued before it ran", "inner shutting down", "outer shutting down", "plain cancelled", "odd cancelled"],
  async run(print) {
    const outcome = async (label: string, t: PromiseLike<unknown>) => {
      try {
        await t;
        print(`${label} finished`);
      } catch (er) {
        print(er instanceof asyncio.CancelledError ? `${label} ${er.message}` : er);
      }
    };
    await asyncio.run(async () => {
      const parked = asyncio.createTask(() => asyncio.sleep(10));
      const inner = asyncio.createTask(() => asyncio.sleep(10));
      const outer = asyncio.createTask(() => inner);
      const plain = asyncio.createTask(() => asyncio.sleep(10));
      await asyncio.sleep(0);
      const queued = asyncio.createTask(() => asyncio.sleep(10));
      parked.cancel("stop now");
      queued.cancel("before it ran");
      outer.cancel("shutting down");
      plain.cancel();
      await outcome("parked", parked);
      await outcome("queued", queued);
      await outcome("inner", inner);
      await outcome("outer", outer);
      await outcome("plain", plain);
      // Anything but a string is no message (task.cancel as a callback gets an argument).
      const odd = asyncio.createTask(() => asyncio.sleep(10));
      await asyncio.sleep(0);
      odd.cancel(42 as never);
      await outcome("odd", odd);
    });
  },
} satisfies Scenario;
