import asyncio, { type Future, type Task } from "asyncio";
import { ValueError, type Print, type Scenario } from "./scenario";

// CPython 3.13's Future, Task.add_done_callback/remove_done_callback,
// cancelling/uncancel, isfuture/ensure_future and Runner. The expected lines
// are CPython 3.11's output of the same program (booleans printed in lower
// case); shield and wait_for take the Future as `() => fut` here (a task
// that awaits it: see Future's docs).

function cancelMessage(e: unknown): string {
  const m = (e as Error).message;
  return m === "cancelled" ? "" : m;
}

async function waitOn(print: Print, name: string, fut: Future<unknown>): Promise<void> {
  try {
    print(name, "got", await fut);
  } catch (e) {
    print(name, "CancelledError", cancelMessage(e));
    throw e;
  }
}

async function work(s: number, v: number): Promise<number> {
  await asyncio.sleep(s);
  return v;
}

export default {
  name: "future",
  expected: [
    "done: false", "set; done: true result: 1", "callback 1", "a got 1", "b got 1",
    "error: ValueError bad", "exception(): ValueError",
    "result() pending: InvalidStateError", "set_result twice: InvalidStateError, result 2",
    "cancel: true again: false", "c CancelledError stop", "future cancelled: true task cancelled: true",
    "d CancelledError ", "e CancelledError ", "future cancelled: true",
    "wait_for: TimeoutError, future cancelled: true",
    "shielded caller cancelled, future cancelled: false", "future result: 7",
    "removed: 2", "task callback: 8", "awaited", "added", "added when done",
    "cancelling: 2 uncancel: 1 cancelling: 1", "cancelled: true",
    "isfuture: true true false", "ensure_future: true true", "ensure_future(coro) is a Task: true 10",
    "runner: 10 20", "same loop: true", "closed runner: RuntimeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const loop = asyncio.getEventLoop();
      // 1. waiters and a done callback, in the order they came
      let fut: Future<any> = loop.createFuture<number>();
      fut.addDoneCallback((f) => print("callback", f.result()));
      const ta = asyncio.createTask(() => waitOn(print, "a", fut));
      const tb = asyncio.createTask(() => waitOn(print, "b", fut));
      await asyncio.sleep(0.1);
      print("done:", fut.done());
      fut.setResult(1);
      print("set; done:", fut.done(), "result:", fut.result());
      await asyncio.gather([ta, tb]);

      // 2. an exception set later
      fut = loop.createFuture();
      const f2 = fut;
      loop.callLater(0.1, () => f2.setException(new ValueError("bad")));
      try {
        await fut;
      } catch (e) {
        print("error:", (e as Error).name, (e as Error).message);
      }
      print("exception():", (fut.exception() as Error).name);

      // 3. InvalidStateError
      fut = loop.createFuture();
      try {
        fut.result();
      } catch (e) {
        if (e instanceof asyncio.InvalidStateError) print("result() pending: InvalidStateError");
      }
      fut.setResult(2);
      try {
        fut.setResult(3);
      } catch (e) {
        if (e instanceof asyncio.InvalidStateError) print("set_result twice: InvalidStateError, result", fut.result());
      }

      // 4. cancel(msg) reaches every waiter
      fut = loop.createFuture();
      const f4 = fut;
      const tc = asyncio.createTask(() => waitOn(print, "c", f4));
      await asyncio.sleep(0);
      print("cancel:", fut.cancel("stop"), "again:", fut.cancel());
      await asyncio.gather([tc], { returnExceptions: true });
      print("future cancelled:", fut.cancelled(), "task cancelled:", tc.cancelled());

      // 5. cancelling a task that awaits a future cancels the future
      fut = loop.createFuture();
      const f5 = fut;
      const td = asyncio.createTask(() => waitOn(print, "d", f5));
      const te = asyncio.createTask(() => waitOn(print, "e", f5));
      await asyncio.sleep(0.1);
      td.cancel();
      await asyncio.gather([td, te], { returnExceptions: true });
      print("future cancelled:", fut.cancelled());

      // 6. waitFor on a future: the timeout cancels it
      fut = loop.createFuture();
      const f6 = fut;
      try {
        await asyncio.waitFor(() => f6, 0.1);
      } catch (e) {
        if (e instanceof asyncio.TimeoutError) print("wait_for: TimeoutError, future cancelled:", fut.cancelled());
      }

      // 7. shield: the caller's cancel leaves the future alone
      fut = loop.createFuture();
      const f7 = fut;
      const ts = asyncio.createTask(() => asyncio.shield(() => f7));
      await asyncio.sleep(0.1);
      ts.cancel();
      try {
        await ts;
      } catch (e) {
        if (e instanceof asyncio.CancelledError) print("shielded caller cancelled, future cancelled:", fut.cancelled());
      }
      fut.setResult(7);
      print("future result:", await fut);

      // 8. task done callbacks
      let t: Task<number> = asyncio.createTask(() => work(0.1, 8));
      const second = (): void => print("second callback");
      t.addDoneCallback((task) => print("task callback:", task.result()));
      t.addDoneCallback(second);
      t.addDoneCallback(second);
      print("removed:", t.removeDoneCallback(second));
      await t;
      print("awaited");
      await asyncio.sleep(0);
      t.addDoneCallback(() => print("added when done"));
      print("added");
      await asyncio.sleep(0);

      // 9. cancelling / uncancel
      t = asyncio.createTask(() => work(1, 9));
      await asyncio.sleep(0);
      t.cancel();
      t.cancel();
      print("cancelling:", t.cancelling(), "uncancel:", t.uncancel(), "cancelling:", t.cancelling());
      await asyncio.gather([t], { returnExceptions: true });
      print("cancelled:", t.cancelled());

      // 10. isFuture, ensureFuture
      fut = loop.createFuture();
      print("isfuture:", asyncio.isFuture(fut), asyncio.isFuture(t), asyncio.isFuture(Promise.resolve(1)));
      print("ensure_future:", asyncio.ensureFuture(fut) === fut, asyncio.ensureFuture(t) === t);
      const t2 = asyncio.ensureFuture(work(0.1, 10));
      print("ensure_future(coro) is a Task:", t2 instanceof asyncio.Task, await t2);
    });

    // 11. Runner: several runs on one loop
    const step = async (n: number): Promise<number> => {
      await asyncio.sleep(0.1);
      return n * 10;
    };
    const runner = new asyncio.Runner();
    const r1 = await runner.run(step(1));
    const r2 = await runner.run(step(2));
    print("runner:", r1, r2);
    print("same loop:", runner.getLoop() === runner.getLoop());
    runner.close();
    try {
      void runner.run(() => step(3));
    } catch (e) {
      if (e instanceof asyncio.RuntimeError) print("closed runner: RuntimeError");
    }
  },
} satisfies Scenario;
