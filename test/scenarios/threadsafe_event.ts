import asyncio, { CancelledError, type ThreadSafeEvent } from "asyncio";
import type { Scenario } from "./scenario";

// Peter Hinch's ThreadSafeEvent (micropython-async v3/threadsafe/threadsafe_event.py, THREADING.md §3.1):
// his demo (four waiters, one cancelled each round, the event set from an interrupt), then Event semantics.
export default {
  name: "threadsafe_event",
  smoke: true,
  expected: [
    "Waiter 1 cancelled", "Waiter 2 got event", "Waiter 3 got event", "Waiter 4 got event", "Cleared event",
    "Waiter 2 cancelled", "Waiter 1 got event", "Waiter 3 got event", "Waiter 4 got event", "Cleared event",
    "----", "set from a callback, is set: true", "waiter a true", "waiter b true", "still set: true",
    "----", "set with nobody waiting is kept: true", "cleared, next wait blocks: true",
    "----", "queued first", "waiter",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const evt: ThreadSafeEvent = new asyncio.ThreadSafeEvent();
      async function waiter(n: number) {
        try {
          await evt.wait();
          print(`Waiter ${n} got event`);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          print(`Waiter ${n} cancelled`);
        }
      }
      // Hinch's 1 Hz hardware timer: set() outside any task, here every 100 ms.
      const timer = asyncio.createTask(async () => {
        for (;;) {
          await asyncio.sleepMs(100);
          void Promise.resolve().then(() => evt.set());
        }
      });
      for (let nt = 0; nt < 2; nt++) {
        const tasks = [1, 2, 3, 4].map((n) => asyncio.createTask(() => waiter(n)));
        asyncio.createTask(async () => {
          await asyncio.sleepMs(10);
          tasks[nt].cancel();
        });
        await asyncio.gather(tasks, { returnExceptions: true });
        evt.clear();
        print("Cleared event");
      }
      timer.cancel();

      print("----");
      const ab = ["a", "b"].map((n) => asyncio.createTask(async () => print("waiter", n, await evt.wait())));
      await asyncio.sleep(0);
      void Promise.resolve().then(() => {
        evt.set();
        print("set from a callback, is set:", evt.isSet());
      });
      await asyncio.gather(ab);
      print("still set:", evt.isSet());

      print("----");
      evt.clear();
      evt.set();
      await evt.wait();
      print("set with nobody waiting is kept:", evt.isSet());
      evt.clear();
      const blocked = asyncio.createTask(() => evt.wait());
      await asyncio.sleepMs(20);
      print("cleared, next wait blocks:", !blocked.done());
      blocked.cancel();

      print("----");
      evt.clear();
      const w = asyncio.createTask(async () => {
        await evt.wait();
        print("waiter");
      });
      await asyncio.sleep(0);
      evt.set();
      asyncio.createTask(async () => print("queued first"));
      await w;
    });
  },
} satisfies Scenario;
