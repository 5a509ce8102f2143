import { expect } from "chai";
import asyncio, { CancelledError, Future, InvalidStateError, Runner, RuntimeError, Task, TimeoutError, type ExceptionContext, type Loop } from "asyncio";
import { onVirtualTime } from "./helpers";

// CPython 3.13's Future, Task.add_done_callback/remove_done_callback,
// cancelling()/uncancel(), isfuture/ensure_future and Runner.

function syncErrorOf(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}
async function errorOf(f: () => unknown): Promise<any> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}
async function yields(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await asyncio.sleep(0);
}
function collect(loop: Loop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => {
    seen.push(ctx);
  });
  return seen;
}
function revokedFunction(): (...a: unknown[]) => unknown {
  const { proxy, revoke } = Proxy.revocable(() => undefined, {});
  revoke();
  return proxy;
}
const hostileValues = (): [string, unknown][] => [
  ["Object.create(null)", Object.create(null)],
  ["a Symbol", Symbol("odd")],
  ["a revoked Proxy", (() => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; })()],
  ["undefined", undefined],
];

// ---- Task.addDoneCallback / removeDoneCallback -------------------------------

describe("Task.addDoneCallback() / removeDoneCallback() (CPython 3.13)", () => {
  it("calls cb(task) at a later turn, never synchronously, outside any task, in the order added", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await asyncio.sleep(0.1);
          return 7;
        }, { name: "w" });
        t.addDoneCallback((task) => log.push(`first ${task === t} ${task.result()} current=${loop.current === null ? "none" : "task"}`));
        t.addDoneCallback(() => log.push("second"));
        await t;
        log.push("awaited");
        await yields(2);
        // Added to a done task: scheduled, not called now.
        t.addDoneCallback(() => log.push("late"));
        log.push("added late");
        await yields(1);
      });
      expect(log).to.deep.equal(["first true 7 current=none", "second", "awaited", "added late", "late"]);
    });
  });

  it("removeDoneCallback removes every registration and returns how many; once scheduled it still runs and 0 is returned", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const cb = (): number => log.push("cb");
        const other = (): number => log.push("other");
        const t = asyncio.createTask(() => asyncio.sleep(0.1));
        t.addDoneCallback(cb);
        t.addDoneCallback(other);
        t.addDoneCallback(cb);
        expect(t.removeDoneCallback(cb)).to.equal(2);
        expect(t.removeDoneCallback(cb)).to.equal(0);
        await t;
        const u = asyncio.createTask(() => asyncio.sleep(0.1));
        u.addDoneCallback(cb);
        expect(u.removeDoneCallback(cb)).to.equal(1);
        expect(u.removeDoneCallback(other)).to.equal(0);
        await u;
        const done = asyncio.createTask(async () => 1);
        await done;
        done.addDoneCallback(cb);
        expect(done.removeDoneCallback(cb)).to.equal(0);
        await yields(2);
      });
      expect(log).to.deep.equal(["other", "cb"]);
    });
  });

  it("a cancelled task calls its callbacks, which see it cancelled; contention: many tasks, many callbacks", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const tasks = [0, 1, 2].map((i) => asyncio.createTask(() => asyncio.sleep(1 + i), { name: `t${i}` }));
        for (const t of tasks) for (const k of ["a", "b"]) t.addDoneCallback((x) => log.push(`${x.getName()}${k} ${x.cancelled()}`));
        await asyncio.sleep(0.5);
        tasks[1].cancel();
        await asyncio.gather(tasks, { returnExceptions: true });
        await yields(2);
      });
      expect(log).to.deep.equal(["t1a true", "t1b true", "t0a false", "t0b false", "t2a false", "t2b false"]);
    });
  });

  it("a callback does not retrieve the error: one that calls exception() keeps it from being reported, one that does not leaves it reported once", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        const taken = asyncio.createTask(async () => {
          throw new Error("taken");
        });
        taken.addDoneCallback((t) => void t.exception());
        const left = asyncio.createTask(async () => {
          throw new Error("left");
        });
        left.addDoneCallback(() => undefined);
        await yields(5);
      });
      expect(seen.map((c) => `${c.message}: ${(c.exception as Error).message}`)).to.deep.equal(["Task exception wasn't retrieved: left"]);
    });
  });

  for (const [name, value] of hostileValues()) {
    it(`a callback throwing ${name} is reported through the exception handler with its handle; the loop goes on`, async () => {
      await onVirtualTime(async (_host, loop) => {
        const seen = collect(loop);
        const log: string[] = [];
        await asyncio.run(async () => {
          const t = asyncio.createTask(() => asyncio.sleep(0.1));
          t.addDoneCallback(function bad() {
            throw value;
          });
          t.addDoneCallback(() => log.push("next callback ran"));
          await t;
          await yields(3);
          log.push("main goes on");
        });
        expect(log).to.deep.equal(["next callback ran", "main goes on"]);
        expect(seen).to.have.length(1);
        expect(seen[0].message).to.equal("Exception in callback bad()");
        expect(seen[0].exception).to.equal(value);
        expect(seen[0].handle).to.be.instanceOf(asyncio.Handle);
      });
    });
  }

  it("a revoked Proxy as the callback, and an async callback that rejects, are reported, never thrown", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => asyncio.sleep(0.1));
        t.addDoneCallback(revokedFunction());
        t.addDoneCallback(async () => {
          await asyncio.sleep(0);
          throw new Error("async cb");
        });
        await t;
        await yields(5);
      });
      expect(seen.map((c) => c.message)).to.deep.equal(["Exception in callback (anonymous)()", "Task exception wasn't retrieved"]);
      expect((seen[1].exception as Error).message).to.equal("async cb");
    });
  });

  it("bad input: TypeError naming the call", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => asyncio.sleep(0));
        for (const bad of [null, undefined, 3, "cb", {}]) {
          const e = syncErrorOf(() => t.addDoneCallback(bad as never));
          expect(e).to.be.instanceOf(TypeError);
          expect(e.message).to.match(/^Task\.addDoneCallback: expected the callback \(a function\), got /);
          const r = syncErrorOf(() => t.removeDoneCallback(bad as never));
          expect(r).to.be.instanceOf(TypeError);
          expect(r.message).to.match(/^Task\.removeDoneCallback: /);
        }
        await t;
      });
    });
  });

  it("adds no property to a task that never uses it (the callbacks share the internal onDone list)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const plain = asyncio.createTask(() => asyncio.sleep(0.1));
        expect(Object.getOwnPropertyNames(plain).sort()).to.deep.equal(["loop", "next", "slot", "state", "waiting"]);
        const used = asyncio.createTask(() => asyncio.sleep(0.1));
        used.addDoneCallback(() => undefined);
        expect(Object.getOwnPropertyNames(used).sort()).to.deep.equal(["callbacks", "loop", "next", "slot", "state", "waiting"]);
        await asyncio.sleep(0.2);
        expect(plain.done()).to.equal(true);
        expect(Object.getOwnPropertyNames(plain).sort()).to.deep.equal(["loop", "next", "slot", "state", "waiting"]);
      });
    });
  });
});

// ---- Task.cancelling / uncancel ------------------------------------------------

describe("Task.cancelling() / uncancel() (CPython 3.11, 3.13)", () => {
  it("counts cancel() requests, not those to a done task; uncancel() takes one back and returns what is left", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          for (;;) {
            try {
              await asyncio.sleep(1);
            } catch {
              // swallows the cancel (CPython: cancelling() stays up)
            }
          }
        });
        await asyncio.sleep(0);
        expect(t.cancelling()).to.equal(0);
        expect(t.cancel()).to.equal(true);
        expect(t.cancel()).to.equal(true);
        expect(t.cancelling()).to.equal(2);
        await yields(2);
        expect(t.cancelling()).to.equal(2);
        expect(t.uncancel()).to.equal(1);
        expect(t.uncancel()).to.equal(0);
        expect(t.uncancel()).to.equal(0);
        expect(t.cancelling()).to.equal(0);
        const done = asyncio.createTask(async () => 1);
        await done;
        expect(done.cancel()).to.equal(false);
        expect(done.cancelling()).to.equal(0);
        // The flags beside the count are untouched.
        t.cancel();
        expect(t.cancelling()).to.equal(1);
        t.cancel();
        await yields(1);
        expect(t.done()).to.equal(false);
        expect(t.cancelling()).to.equal(2);
      });
    });
  });

  it("uncancel() to 0 drops a cancel still waiting for the task's next await (CPython 3.13)", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await asyncio.sleep(0.1);
          log.push("ran to the end");
        });
        t.cancel(); // queued: the cancel waits for its first step
        expect(t.uncancel()).to.equal(0);
        await t;
        const u = asyncio.createTask(async () => {
          await asyncio.sleep(0.1);
          log.push("u ran");
        });
        u.cancel();
        u.cancel();
        expect(u.uncancel()).to.equal(1);
        expect(await errorOf(() => u)).to.be.instanceOf(CancelledError);
      });
      expect(log).to.deep.equal(["ran to the end"]);
    });
  });

  it("a refused self-cancel (RuntimeError) is not counted", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const me = asyncio.currentTask();
        await asyncio.sleep(0);
        if (loop.stepping()) {
          expect(syncErrorOf(() => me.cancel())).to.be.instanceOf(RuntimeError);
        }
        expect(me.cancelling()).to.equal(0);
      });
    });
  });
});

// ---- Future -------------------------------------------------------------------

describe("asyncio.Future (CPython 3.13)", () => {
  it("loop.createFuture() / new Future(): pending, setResult wakes every awaiting task in a step of its own", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const fut = loop.createFuture<number>();
        expect(fut).to.be.instanceOf(Future);
        expect(fut.getLoop()).to.equal(loop);
        expect(new Future().getLoop()).to.equal(loop);
        expect(fut.done()).to.equal(false);
        expect(String(fut)).to.equal("<Future pending>");
        const tasks = ["a", "b", "c"].map((n) =>
          asyncio.createTask(async () => {
            const v = await fut;
            log.push(`${n} ${v} ${asyncio.currentTask().getName()} at ${host.now()}`);
          }, { name: n }),
        );
        await asyncio.sleep(1);
        fut.setResult(42);
        log.push("set");
        expect(fut.done()).to.equal(true);
        expect(fut.result()).to.equal(42);
        expect(fut.exception()).to.equal(null);
        expect(String(fut)).to.equal("<Future finished result=42>");
        await asyncio.gather(tasks);
        // Done: await gives the result at once, without yielding.
        expect(await fut).to.equal(42);
      });
      expect(log).to.deep.equal(["set", "a 42 a at 1000", "b 42 b at 1000", "c 42 c at 1000"]);
    });
  });

  it("waiters and done callbacks are woken and called in the order they came (one list, as CPython's)", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const fut = loop.createFuture<string>();
        fut.addDoneCallback((f) => log.push(`cb1 ${f.result()}`));
        const t = asyncio.createTask(async () => log.push(`task ${await fut}`));
        await asyncio.sleep(0);
        fut.addDoneCallback(() => log.push("cb2"));
        loop.callSoon(() => fut.setResult("x"));
        await t;
        await yields(2);
      });
      expect(log).to.deep.equal(["cb1 x", "task x", "cb2"]);
    });
  });

  it("setException: awaiting tasks get it, result() throws it, exception() returns it; an Error class is instantiated", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        const fut = loop.createFuture<number>();
        const t = asyncio.createTask(() => errorOf(() => fut));
        await asyncio.sleep(0);
        const boom = new Error("boom");
        fut.setException(boom);
        expect(await t).to.equal(boom);
        expect(syncErrorOf(() => fut.result())).to.equal(boom);
        expect(fut.exception()).to.equal(boom);
        expect(String(fut)).to.match(/^<Future finished exception=Error: boom>$/);
        const g = new Future();
        g.setException(TimeoutError);
        expect(g.exception()).to.be.instanceOf(TimeoutError);
        const anything = new Future();
        const odd = Object.create(null);
        anything.setException(odd);
        expect(anything.exception()).to.equal(odd);
        await yields(3);
      });
      expect(seen).to.deep.equal([]);
    });
  });

  it("an exception nobody retrieves is reported once, one pass later (a done callback may take it first)", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        const left = loop.createFuture();
        left.setException(new Error("left"));
        const taken = loop.createFuture();
        taken.addDoneCallback((f) => void f.exception());
        taken.setException(new Error("taken"));
        await yields(4);
      });
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal("Future exception was never retrieved: <Future finished exception=Error: left>");
      expect((seen[0].exception as Error).message).to.equal("left");
    });
  });

  it("cancel(msg): every awaiting task gets CancelledError(msg); cancelled(); result()/exception() throw it; false once done", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        const a = asyncio.createTask(() => errorOf(() => fut));
        const b = asyncio.createTask(() => errorOf(() => fut));
        await asyncio.sleep(0);
        expect(fut.cancel("stop")).to.equal(true);
        expect(fut.cancel()).to.equal(false);
        expect(fut.cancelled()).to.equal(true);
        expect(String(fut)).to.equal("<Future cancelled>");
        for (const e of [await a, await b, syncErrorOf(() => fut.result()), syncErrorOf(() => fut.exception())]) {
          expect(e).to.be.instanceOf(CancelledError);
          expect(e.message).to.equal("stop");
        }
        expect(a.cancelled()).to.equal(false);
        const done = loop.createFuture();
        done.setResult(1);
        expect(done.cancel()).to.equal(false);
        expect(done.cancelled()).to.equal(false);
        expect((await errorOf(() => new Future().cancel() && Promise.reject(new Error("x")))).message).to.equal("x");
      });
    });
  });

  it("InvalidStateError (a RuntimeError here) for result()/exception() while pending and for setting twice", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        let e = syncErrorOf(() => fut.result());
        expect(e).to.be.instanceOf(InvalidStateError);
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.name).to.equal("InvalidStateError");
        expect(e.message).to.equal("Future.result(): the result is not set yet");
        expect(syncErrorOf(() => fut.exception()).message).to.equal("Future.exception(): the exception is not set yet");
        fut.setResult(1);
        e = syncErrorOf(() => fut.setResult(2));
        expect(e).to.be.instanceOf(InvalidStateError);
        expect(e.message).to.equal("Future.setResult(): the future is already done: <Future finished result=1>");
        expect(syncErrorOf(() => fut.setException(new Error("x"))).message).to.match(/^Future\.setException\(\): the future is already done/);
        const c = loop.createFuture();
        c.cancel();
        expect(syncErrorOf(() => c.setResult(1))).to.be.instanceOf(InvalidStateError);
        expect(fut.result()).to.equal(1);
      });
    });
  });

  it("cancelling a task that awaits a pending Future cancels the Future (CPython), and every other waiter with it", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        const a = asyncio.createTask(async () => fut);
        const b = asyncio.createTask(() => errorOf(() => fut));
        await asyncio.sleep(0);
        a.cancel();
        expect(await errorOf(() => a)).to.be.instanceOf(CancelledError);
        expect(a.cancelled()).to.equal(true);
        expect(fut.cancelled()).to.equal(true);
        expect(await b).to.be.instanceOf(CancelledError);
      });
    });
  });

  it("a task cancelled after the Future got its result, before it resumed, gets CancelledError; the result stays on the Future", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture<number>();
        const a = asyncio.createTask(async () => fut);
        await asyncio.sleep(0);
        fut.setResult(5);
        a.cancel();
        expect(await errorOf(() => a)).to.be.instanceOf(CancelledError);
        expect(fut.cancelled()).to.equal(false);
        expect(fut.result()).to.equal(5);
      });
    });
  });

  it("a cancel deferred to the next await (waitFor kept its outcome) arrives at `await fut`; the Future is left alone", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        const inner = asyncio.createTask(async () => {
          await asyncio.sleep(0.2);
          return "outcome";
        });
        let a: Task<void> | null = null;
        asyncio.createTask(async () => {
          await asyncio.sleep(0.2);
          a!.cancel(); // inner has finished; a has not resumed yet
        });
        a = asyncio.createTask(async () => {
          log.push(`kept ${await asyncio.waitFor(inner, 1)}`);
          try {
            await fut;
          } catch (e) {
            log.push(`then ${(e as Error).name}`);
            throw e;
          }
        });
        expect(await errorOf(() => a)).to.be.instanceOf(CancelledError);
        expect(fut.done()).to.equal(false);
        expect((fut as unknown as { waiting: unknown[] | null }).waiting ?? []).to.deep.equal([]);
      });
      expect(log).to.deep.equal(["kept outcome", "then CancelledError"]);
    });
  });

  it("shield(() => fut) waits without exposing the Future to the caller's cancel; waitFor/gather/race cancel it as CPython's", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const kept = loop.createFuture<number>();
        const s = asyncio.createTask(() => asyncio.shield(() => kept));
        await asyncio.sleep(0.1);
        s.cancel();
        expect(await errorOf(() => s)).to.be.instanceOf(CancelledError);
        expect(kept.done()).to.equal(false);
        kept.setResult(1);

        const timed = loop.createFuture();
        expect(await errorOf(() => asyncio.waitFor(() => timed, 0.5))).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(600);
        expect(timed.cancelled()).to.equal(true);

        const ok = loop.createFuture<number>();
        loop.callLater(0.2, () => ok.setResult(3));
        expect(await asyncio.waitFor(() => ok, 1)).to.equal(3);

        const g = loop.createFuture<number>();
        const gt = asyncio.createTask(() => asyncio.gather([() => g, () => asyncio.sleep(1)]));
        await asyncio.sleep(0.1);
        gt.cancel();
        await errorOf(() => gt);
        expect(g.cancelled()).to.equal(true);

        const r = loop.createFuture<number>();
        const { index } = await asyncio.race([() => r, () => asyncio.sleep(0.1)]);
        expect(index).to.equal(1);
        expect(r.cancelled()).to.equal(true);
        expect(asyncio.currentTask().waitingCount()).to.equal(0);
      });
    });
  });

  it("a Future passed as it is (not as () => fut) to shield, waitFor, gather, wait, race and asCompleted behaves as when wrapped: shield protects it, the caller is not parked on it", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const kept = loop.createFuture<number>();
        const s = asyncio.createTask(() => asyncio.shield(kept));
        await asyncio.sleep(0.1);
        s.cancel();
        expect(await errorOf(() => s)).to.be.instanceOf(CancelledError);
        expect(kept.done()).to.equal(false);
        kept.setResult(1);

        const timed = loop.createFuture();
        expect(await errorOf(() => asyncio.waitFor(timed, 0.5))).to.be.instanceOf(TimeoutError);
        expect(timed.cancelled()).to.equal(true);

        const g = loop.createFuture<number>();
        loop.callLater(0.2, () => g.setResult(7));
        expect(await asyncio.gather([g, asyncio.sleep(0.1).then(() => 8)])).to.deep.equal([7, 8]);

        const w = loop.createFuture<number>();
        loop.callLater(0.1, () => w.setResult(9));
        const [done] = await asyncio.wait([w]);
        expect([...done].map((t) => t.result())).to.deep.equal([9]);

        const r = loop.createFuture<number>();
        const { index } = await asyncio.race([r, () => asyncio.sleep(0.1)]);
        expect(index).to.equal(1);
        expect(r.cancelled()).to.equal(true);

        const a = loop.createFuture<number>();
        loop.callLater(0.1, () => a.setResult(5));
        const order: number[] = [];
        for (const next of asyncio.asCompleted([a])) order.push(await next);
        expect(order).to.deep.equal([5]);
        expect(asyncio.currentTask().waitingCount()).to.equal(0);
        expect(host.now()).to.be.greaterThan(0);
      });
    });
  });

  it("a Promise.race loop over the same Future shares its parked waiter (nothing piles up)", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture<string>();
        loop.callLater(1, () => fut.setResult("done"));
        let rounds = 0;
        let got: unknown;
        while (got === undefined) {
          got = await Promise.race([fut, asyncio.sleep(0.01).then(() => undefined)]);
          rounds++;
          expect((fut as unknown as { waiting: unknown[] | null }).waiting?.length ?? 0).to.be.at.most(1);
        }
        expect(got).to.equal("done");
        expect(rounds).to.be.greaterThan(50);
      });
    });
  });

  it("setResult/setException/cancel from a host callback (an interrupt) outside any step wake the tasks; nothing is thrown", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      const log: string[] = [];
      await asyncio.run(async () => {
        const f1 = loop.createFuture<number>();
        const f2 = loop.createFuture<number>();
        const f3 = loop.createFuture<number>();
        host.after(300, () => f1.setResult(1));
        host.after(400, () => f2.setException(new Error("irq")));
        host.after(500, () => f3.cancel());
        f1.addDoneCallback(() => log.push(`cb at ${host.now()}`));
        log.push(`f1 ${await f1} at ${host.now()} ${asyncio.currentTask() !== null}`);
        log.push(`f2 ${(await errorOf(() => f2)).message} at ${host.now()}`);
        log.push(`f3 ${(await errorOf(() => f3)).name} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["cb at 300", "f1 1 at 300 true", "f2 irq at 400", "f3 CancelledError at 500"]);
      expect(seen).to.deep.equal([]);
    });
  });

  for (const [name, value] of hostileValues()) {
    it(`a done callback throwing ${name} is reported with its handle; the other callbacks and waiters go on`, async () => {
      await onVirtualTime(async (_host, loop) => {
        const seen = collect(loop);
        const log: string[] = [];
        await asyncio.run(async () => {
          const fut = loop.createFuture<number>();
          fut.addDoneCallback(function bad() {
            throw value;
          });
          fut.addDoneCallback(revokedFunction());
          fut.addDoneCallback(() => log.push("good"));
          loop.callSoon(() => fut.setResult(1));
          log.push(`awaited ${await fut}`);
          await yields(3);
        });
        expect(log).to.deep.equal(["good", "awaited 1"]);
        expect(seen.map((c) => c.message)).to.deep.equal(["Exception in callback bad()", "Exception in callback (anonymous)()"]);
        expect(seen[0].exception).to.equal(value);
      });
    });
  }

  it("removeDoneCallback returns how many; a callback already scheduled still runs", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        const cb = (): number => log.push("cb");
        fut.addDoneCallback(cb);
        fut.addDoneCallback(cb);
        expect(fut.removeDoneCallback(cb)).to.equal(2);
        fut.addDoneCallback(cb);
        fut.setResult(1);
        expect(fut.removeDoneCallback(cb)).to.equal(0);
        await yields(2);
      });
      expect(log).to.deep.equal(["cb"]);
    });
  });

  it("awaiting a Future of another (replaced) loop raises RuntimeError", async () => {
    await onVirtualTime(async (_host, loop) => {
      const old = loop.createFuture();
      const fresh = asyncio.newEventLoop();
      await fresh.runUntilComplete(async () => {
        const e = await errorOf(() => old);
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.equal("await: <Future pending> belongs to another event loop");
      });
    });
  });

  it("bad input: TypeError naming the call", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture();
        const t = asyncio.createTask(() => asyncio.sleep(0));
        const cases: [() => unknown, RegExp][] = [
          [() => fut.setResult(t), /^Future\.setResult\(\): cannot take Task, a thenable/],
          [() => fut.setResult(Promise.resolve(1)), /^Future\.setResult\(\): cannot take Promise, a thenable/],
          [() => fut.setResult(loop.createFuture()), /^Future\.setResult\(\): cannot take Future/],
          [() => fut.setException(undefined), /^Future\.setException\(\): expected the exception .*, got undefined$/],
          [() => fut.setException(null), /got null$/],
          [() => fut.addDoneCallback("f" as never), /^Future\.addDoneCallback: expected the callback \(a function\), got string "f"$/],
          [() => fut.removeDoneCallback(null as never), /^Future\.removeDoneCallback: /],
          [() => new Future(5 as never), /^Future: expected options as an object/],
          [() => new Future({ loop: {} as never }), /^Future: expected the loop as a Loop, got Object$/],
          [() => asyncio.ensureFuture(5 as never), /^ensureFuture: expected a Task, a Future, a coroutine, a promise or an async function, got number 5$/],
        ];
        for (const [f, message] of cases) {
          const e = syncErrorOf(f);
          expect(e).to.be.instanceOf(TypeError);
          expect(e.message).to.match(message);
        }
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        expect(syncErrorOf(() => fut.setResult(proxy))).to.be.instanceOf(TypeError);
        expect(fut.done()).to.equal(false);
        fut.setResult(1);
        await t;
      });
    });
  });
});

describe("isFuture(), ensureFuture(), wrapFuture() of a Future (CPython 3.13)", () => {
  it("isFuture: Futures and Tasks; never throws", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => 1);
        expect(asyncio.isFuture(loop.createFuture())).to.equal(true);
        expect(asyncio.isFuture(t)).to.equal(true);
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        for (const x of [Promise.resolve(1), { then() {} }, null, 1, proxy, Object.create(null)]) expect(asyncio.isFuture(x)).to.equal(false);
        await t;
      });
    });
  });

  it("ensureFuture: a Task or Future as it is; a coroutine, a promise or an async function as a Task", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const fut = loop.createFuture<number>();
        const t = asyncio.createTask(async () => 1);
        expect(asyncio.ensureFuture(fut)).to.equal(fut);
        expect(asyncio.ensureFuture(t)).to.equal(t);
        expect(asyncio.ensureFuture(asyncio.currentTask())).to.equal(asyncio.currentTask());
        const fromCoro = asyncio.ensureFuture((async () => 2)());
        const fromFn = asyncio.ensureFuture(async () => 3);
        expect(fromCoro).to.be.instanceOf(Task);
        expect(fromFn).to.be.instanceOf(Task);
        expect(await asyncio.gather([t, fromCoro, fromFn])).to.deep.equal([1, 2, 3]);
        expect(asyncio.wrapFuture(fut)).to.equal(fut);
        fut.setResult(4);
        expect(await asyncio.wrapFuture(fut)).to.equal(4);
      });
    });
  });
});

// ---- Runner ---------------------------------------------------------------------

describe("asyncio.Runner (CPython 3.11)", () => {
  it("runs several mains on one loop; tasks left by a run go on in the next; close() gives a fresh current loop", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      const runner = new Runner();
      expect(runner.getLoop()).to.equal(loop);
      let bg: Task<void> | null = null;
      expect(await runner.run(async () => {
        bg = asyncio.createTask(async () => {
          await asyncio.sleep(1);
          log.push(`bg at ${host.now()}`);
        });
        await asyncio.sleep(0.5);
        return 1;
      })).to.equal(1);
      expect(await runner.run(async () => {
        await asyncio.sleep(1);
        return 2;
      })).to.equal(2);
      expect(bg!.done()).to.equal(true);
      expect(await runner.run(asyncio.createTask(async () => 3))).to.equal(3);
      runner.close();
      runner.close();
      expect(loop.isClosed()).to.equal(true);
      expect(asyncio.getEventLoop()).to.not.equal(loop);
      expect(asyncio.getEventLoop().isClosed()).to.equal(false);
      const e = syncErrorOf(() => runner.run(async () => 4));
      expect(e).to.be.instanceOf(RuntimeError);
      expect(e.message).to.equal("Runner: the runner is closed");
      expect(syncErrorOf(() => runner.getLoop()).message).to.equal("Runner: the runner is closed");
      expect(log).to.deep.equal(["bg at 1000"]);
    });
  });

  it("a main's error rejects its run; the runner stays usable", async () => {
    await onVirtualTime(async () => {
      const runner = new Runner();
      const e = await errorOf(() => runner.run(async () => {
        throw new Error("main");
      }));
      expect(e.message).to.equal("main");
      expect(await runner.run(async () => "again")).to.equal("again");
      runner.close();
    });
  });

  it("refuses a run while one is going on, from a task, and after newEventLoop() replaced its loop; close() while running", async () => {
    await onVirtualTime(async () => {
      const runner = new Runner();
      let inner: unknown = null;
      let closing: unknown = null;
      const first = runner.run(async () => {
        inner = syncErrorOf(() => runner.run(async () => 0));
        closing = syncErrorOf(() => runner.close());
        await asyncio.sleep(0.1);
      });
      const second = syncErrorOf(() => runner.run(async () => 0));
      await first;
      for (const e of [inner, second]) {
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.equal("Runner.run(): cannot be called from a running event loop");
      }
      expect((closing as Error).message).to.equal("Runner.close(): the loop is running (await the run first)");
      asyncio.newEventLoop();
      expect(syncErrorOf(() => runner.run(async () => 0)).message).to.equal("Runner.run(): newEventLoop() replaced the runner's loop");
      runner.close();
    });
  });

  it("{ debug } turns debug mode on for each run and restores it after", async () => {
    await onVirtualTime(async (_host, loop) => {
      const runner = new Runner({ debug: true });
      let during = false;
      await runner.run(async () => {
        during = loop.getDebug();
      });
      expect(during).to.equal(true);
      expect(loop.getDebug()).to.equal(false);
      runner.close();
    });
  });

  it("bad input: TypeError naming Runner", async () => {
    await onVirtualTime(async () => {
      for (const [f, message] of [
        [() => new Runner(5 as never), /^Runner: expected options as an object such as \{ debug: true \}, got number 5$/],
        [() => new Runner({ debug: "yes" as never }), /^Runner: expected debug as true or false, got string "yes"$/],
        [() => new Runner().run(5 as never), /^Runner\.run: expected a coroutine, a Task or an async function, got number 5$/],
        [() => new Runner().run(null as never), /got null$/],
      ] as [() => unknown, RegExp][]) {
        const e = syncErrorOf(f);
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(message);
      }
    });
  });
});

describe("a user callback that returns a Future (callSoon, callLater, Broker agents, Barrier actions)", () => {
  it("is awaited from a task of its own: one waiter on the Future, its failure reported once", async () => {
    await onVirtualTime(async (_host, loop) => {
      const reports: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
      await asyncio.run(async () => {
        const fut = loop.createFuture<number>();
        loop.callSoon(() => fut);
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        expect((fut as unknown as { waiting: unknown[] | null }).waiting?.length ?? 0).to.equal(1);
        fut.setException(new RangeError("from the callback's future"));
        await asyncio.sleep(0.01);
      });
      expect(reports.map((e) => (e as Error).message)).to.deep.equal(["from the callback's future"]);
    });
  });
});
