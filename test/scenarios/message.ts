import asyncio, { type Message } from "asyncio";
import type { Scenario } from "./scenario";

// Peter Hinch's Message (micropython-async v3/docs/THREADING.md §3.2): its examples, and what the guarantees add.
export default {
  name: "message",
  smoke: true,
  expected: [
    "waiting for message", "0 Hello 1", "1 Hello 1", "2 Hello 1", "0 Hello 2", "1 Hello 2", "2 Hello 2",
    "----", "waiter got from a callback", "is set: true value: from a callback",
    "----", "Waiter got Hello", "Waiter got This is a", "Waiter got message", "Waiter got goodbye",
    "----", "cancelled: CancelledError", "still waiting: 1", "other got x", "overwritten: b b",
    "----", "bad data: TypeError", "is set: false",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const msg: Message<string> = new asyncio.Message<string>();
      async function bar(n: number) {
        for (;;) {
          const res = await msg;
          msg.clear();
          print(n, res);
          await asyncio.sleepMs(0);
        }
      }
      const bars = [0, 1, 2].map((n) => asyncio.createTask(() => bar(n)));
      print("waiting for message");
      for (let k = 1; k <= 2; k++) {
        await asyncio.sleep(0.01);
        msg.set(`Hello ${k}`);
      }
      await asyncio.sleep(0.01);
      for (const t of bars) t.cancel();

      print("----");
      const waiter = asyncio.createTask(async () => print("waiter got", await msg.wait()));
      await asyncio.sleep(0);
      // Outside any task, as a pin interrupt would.
      void Promise.resolve().then(() => msg.set("from a callback"));
      await waiter;
      print("is set:", msg.isSet(), "value:", msg.value());
      msg.clear();

      print("----");
      const iterating = asyncio.createTask(async () => {
        for await (const text of msg) {
          print(`Waiter got ${text}`);
          msg.clear();
        }
      });
      for (const text of ["Hello", "This is a", "message", "goodbye"]) {
        msg.set(text);
        await asyncio.sleep(0.01);
      }
      iterating.cancel();
      msg.clear();

      print("----");
      const cancelled = asyncio.createTask(() => msg.wait());
      const other = asyncio.createTask(() => msg.wait());
      await asyncio.sleep(0);
      cancelled.cancel();
      try {
        await cancelled;
      } catch (e) {
        print("cancelled:", e instanceof asyncio.CancelledError ? "CancelledError" : e);
      }
      print("still waiting:", (msg as unknown as { waiting: unknown[] }).waiting.length);
      msg.set("x");
      print("other got", await other);
      msg.clear();
      const a = asyncio.createTask(() => msg.wait());
      const b = asyncio.createTask(() => msg.wait());
      await asyncio.sleep(0);
      msg.set("a");
      msg.set("b");
      print("overwritten:", await a, await b);
      msg.clear();

      print("----");
      try {
        msg.set(asyncio.sleep(0) as unknown as string);
      } catch (e) {
        print("bad data:", e instanceof TypeError ? "TypeError" : e);
      }
      print("is set:", msg.isSet());
    });
  },
} satisfies Scenario;
