import { expect } from "chai";
import asyncio, { AsCompleted, CancelledError, Handle, RuntimeError, Task, TimeoutError, TimerHandle, Timeout, type ExceptionContext, type Loop } from "asyncio";
import { onVirtualTime } from "./helpers";
import { VirtualHost } from "../hosts/virtual";

async function errorOf(f: () => unknown): Promise<any> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}
function syncErrorOf(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** Yields n times (each sleep(0) lets every other ready task run once). */
async function yields(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await asyncio.sleep(0);
}

/** Collects what reaches the loop's exception handler. */
function collect(loop: Loop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => {
    seen.push(ctx);
  });
  return seen;
}

// ---- loop.time, callSoon, callLater, callAt ----------------------------------

describe("loop.time(), callSoon(), callLater(), callAt() (CPython 3.13)", () => {
  it("time() is the loop's clock in seconds", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        expect(loop.time()).to.equal(host.now() / 1000);
        await asyncio.sleep(1.5);
        expect(loop.time()).to.equal(1.5);
      });
    });
  });

  it("callSoon runs callbacks FIFO with their arguments, outside any task, after what is already ready", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        asyncio.createTask(async () => log.push("task"));
        const h1 = loop.callSoon((a: number, b: string) => log.push(`cb1 ${a} ${b} current=${loop.current === null ? "none" : "task"}`), 1, "x");
        const h2 = loop.callSoon(() => log.push("cb2"));
        expect(h1).to.be.instanceOf(Handle);
        expect(h1.cancelled()).to.equal(false);
        expect(String(h2)).to.match(/^<Handle .*\(\)>$/);
        await yields(4);
      });
      expect(log).to.deep.equal(["task", "cb1 1 x current=none", "cb2"]);
    });
  });

  it("a cancelled Handle never runs; cancel() after it ran changes nothing", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const h = loop.callSoon(() => log.push("cancelled one"));
        const ran = loop.callSoon(() => log.push("ran"));
        h.cancel();
        h.cancel();
        expect(h.cancelled()).to.equal(true);
        await yields(3);
        ran.cancel();
        expect(ran.cancelled()).to.equal(false);
      });
      expect(log).to.deep.equal(["ran"]);
    });
  });

  it("callLater and callAt fire at their exact virtual times; equal deadlines in call order; when() in seconds", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const at = (name: string) => () => log.push(`${name} at ${host.now()}`);
        const a = loop.callLater(0.3, at("a"));
        loop.callLater(0.1, at("b"));
        loop.callLater(0.3, at("c"));
        const d = loop.callAt(loop.time() + 0.2, at("d"));
        loop.callLater(-5, at("negative"));
        loop.callLater(0, at("zero"));
        expect(a).to.be.instanceOf(TimerHandle);
        expect(a.when()).to.equal(0.3);
        expect(d.when()).to.equal(0.2);
        expect(String(a)).to.match(/^<TimerHandle when=0.3 /);
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["negative at 0", "zero at 0", "b at 100", "d at 200", "a at 300", "c at 300"]);
    });
  });

  it("a cancelled TimerHandle leaves the timer heap at once (the loop does not wake for it)", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const h = loop.callLater(100, () => log.push("never"));
        await asyncio.sleep(0.1);
        h.cancel();
        expect(h.cancelled()).to.equal(true);
      });
      // With the handle still in the heap, a runForever would jump to t=100 s.
      loop.callLater(0.5, () => loop.stop());
      await loop.runForever();
      expect(host.now()).to.equal(600);
      expect(log).to.deep.equal([]);
    });
  });

  it("a TimerHandle cancelled after it was released, before its step, does not run", async () => {
    await onVirtualTime(async (_host, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        let victim: TimerHandle | null = null;
        // Both due at 100 ms: the first is released ahead of the second and cancels it before its step.
        loop.callLater(0.1, () => victim!.cancel());
        victim = loop.callLater(0.1, () => log.push("victim"));
        await asyncio.sleep(0.2);
        expect(victim.cancelled()).to.equal(true);
      });
      expect(log).to.deep.equal([]);
    });
  });

  it("what a callback throws (any value) goes to the exception handler with { message, exception, handle }; the loop goes on", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      const log: string[] = [];
      const weird = Object.create(null);
      await asyncio.run(async () => {
        const h = loop.callSoon(function boom() {
          throw new RangeError("bad");
        });
        loop.callSoon(() => {
          throw weird;
        });
        loop.callLater(0.1, () => {
          throw Symbol("s");
        });
        loop.callSoon(() => log.push("still running"));
        await asyncio.sleep(0.2);
        expect(seen[0].handle).to.equal(h);
      });
      expect(seen.map((c) => c.message)).to.deep.equal(["Exception in callback boom()", "Exception in callback (anonymous)()", "Exception in callback (anonymous)()"]);
      expect(seen[1].exception).to.equal(weird);
      expect(seen[2].handle).to.be.instanceOf(TimerHandle);
      expect(log).to.deep.equal(["still running"]);
    });
  });

  it("the default handler names the handle; an async callback that rejects is reported as its task's failure", async () => {
    const host = new VirtualHost();
    await onVirtualTime(async (h, loop) => {
      await asyncio.run(async () => {
        loop.callSoon(function failing() {
          throw new Error("x");
        });
        loop.callSoon(async () => {
          await asyncio.sleep(0.1);
          throw new Error("async failure");
        });
        await asyncio.sleep(0.5);
      });
      expect(h.reports.length).to.equal(2);
      expect(h.reports[0]).to.match(/^Exception in callback failing\(\)\nhandle: <Handle failing\(\)>\n/);
      expect(h.reports[1]).to.match(/^Task exception wasn't retrieved[\s\S]*async failure/);
    });
    expect(host.reports).to.deep.equal([]);
  });

  it("callSoonThreadsafe from a host callback wakes an idle loop, in order with callSoon", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      host.at(250, () => {
        loop.callSoonThreadsafe((x: string) => log.push(`${x} at ${host.now()}`), "irq");
        loop.callSoon(() => log.push("then callSoon"));
      });
      loop.callLater(1, () => loop.stop());
      await loop.runForever();
      expect(log).to.deep.equal(["irq at 250", "then callSoon"]);
    });
  });

  it("callbacks scheduled before the loop runs run when it runs", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      loop.callSoon(() => log.push(`soon at ${host.now()}`));
      loop.callLater(0.05, () => log.push(`later at ${host.now()}`));
      await asyncio.run(() => asyncio.sleep(0.1));
      expect(log).to.deep.equal(["soon at 0", "later at 50"]);
    });
  });

  it("bad input: a TypeError or RangeError naming the call; a closed loop refuses with RuntimeError", async () => {
    await onVirtualTime(async (_host, loop) => {
      const f = () => {};
      const cases: [() => unknown, Function, RegExp][] = [
        [() => loop.callSoon(5 as any), TypeError, /^callSoon: expected the callback \(a function\), got number 5/],
        [() => loop.callSoon(null as any), TypeError, /^callSoon: .*null/],
        [() => loop.callSoonThreadsafe("f" as any), TypeError, /^callSoonThreadsafe: expected the callback/],
        [() => loop.callLater(NaN, f), TypeError, /^callLater: expected a number of seconds, got NaN/],
        [() => loop.callLater("1" as any, f), TypeError, /^callLater: expected a number of seconds/],
        [() => loop.callLater(Infinity, f), RangeError, /^callLater: Infinity seconds is not a finite duration/],
        [() => loop.callLater(1, {} as any), TypeError, /^callLater: expected the callback/],
        [() => loop.callAt(undefined as any, f), TypeError, /^callAt: expected a number of seconds on loop.time\(\)/],
        [() => loop.callAt(-Infinity, f), RangeError, /^callAt: /],
        [() => loop.callAt(1, undefined as any), TypeError, /^callAt: expected the callback/],
      ];
      for (const [call, type, message] of cases) {
        const e = syncErrorOf(call);
        expect(e).to.be.instanceOf(type);
        expect(e.message).to.match(message);
      }
      loop.close();
      for (const call of [() => loop.callSoon(f), () => loop.callLater(1, f), () => loop.callAt(1, f), () => loop.callSoonThreadsafe(f)]) {
        const e = syncErrorOf(call);
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.match(/^call\w+: the event loop is closed/);
      }
    });
  });

  it("many timer callbacks share the loop's one host timer", async () => {
    await onVirtualTime(async (host, loop) => {
      let arms = 0;
      const arm = host.arm.bind(host);
      host.arm = (ms, tick) => {
        arms++;
        arm(ms, tick);
      };
      const fired: number[] = [];
      await asyncio.run(async () => {
        for (let i = 0; i < 200; i++) loop.callLater(10 - i * 0.01, () => fired.push(i));
        arms = 0;
        await asyncio.sleep(11);
      });
      expect(fired.length).to.equal(200);
      expect(fired[0]).to.equal(199);
      // One arm per turn at most: far fewer than one host timer per callback plus its turns.
      expect(arms).to.be.below(500);
    });
  });
});

// ---- shield ------------------------------------------------------------------

describe("shield() (CPython 3.13)", () => {
  it("gives the value or error of a Task, a coroutine or a function", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(async () => {
          await asyncio.sleep(0.1);
          return 1;
        });
        expect(await asyncio.shield(t)).to.equal(1);
        expect(await asyncio.shield((async () => (await asyncio.sleep(0.1), 2))())).to.equal(2);
        expect(await asyncio.shield(async () => (await asyncio.sleep(0.1), 3))).to.equal(3);
        expect(await asyncio.shield(t)).to.equal(1); // already done
        const e = await errorOf(() => asyncio.shield(async () => {
          await asyncio.sleep(0.1);
          throw new RangeError("inner");
        }));
        expect(e).to.be.instanceOf(RangeError);
      });
    });
  });

  it("a cancelled caller gets CancelledError at once; the inner task runs on and keeps its result", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const inner = asyncio.createTask(async () => {
          await asyncio.sleep(1);
          log.push(`inner done at ${host.now()}`);
          return "kept";
        });
        const caller = asyncio.createTask(async () => {
          try {
            await asyncio.shield(inner);
          } catch (e) {
            log.push(`caller ${(e as Error).name} at ${host.now()}`);
            throw e;
          }
        });
        await asyncio.sleep(0.3);
        caller.cancel();
        await errorOf(() => caller);
        expect(caller.cancelled()).to.equal(true);
        expect(inner.done()).to.equal(false);
        expect(await inner).to.equal("kept");
      });
      expect(log).to.deep.equal(["caller CancelledError at 300", "inner done at 1000"]);
    });
  });

  it("the inner task cancelled: the shield raises CancelledError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const inner = asyncio.createTask(() => asyncio.sleep(1));
        const caller = asyncio.createTask(() => asyncio.shield(inner));
        await asyncio.sleep(0.1);
        inner.cancel();
        const e = await errorOf(() => caller);
        expect(e).to.be.instanceOf(CancelledError);
      });
    });
  });

  it("waitFor/timeout around shield: TimeoutError for the caller, the inner work completes", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        let finishedAt = -1;
        const inner = asyncio.createTask(async () => {
          await asyncio.sleep(1);
          finishedAt = host.now();
          return 5;
        });
        expect(await errorOf(() => asyncio.waitFor(asyncio.shield(inner), 0.2))).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(200);
        expect(await errorOf(() => asyncio.timeout(0.2, () => asyncio.shield(inner)))).to.be.instanceOf(TimeoutError);
        expect(await inner).to.equal(5);
        expect(finishedAt).to.equal(1000);
      });
    });
  });

  it("an inner failure nobody retrieves after the caller was cancelled is reported once; one retrieved is not", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const lost = asyncio.createTask(async function lost() {
          await asyncio.sleep(1);
          throw new Error("nobody reads me");
        });
        const read = asyncio.createTask(async function read() {
          await asyncio.sleep(1);
          throw new Error("read later");
        });
        const callers = [lost, read].map((t) => asyncio.createTask(() => asyncio.shield(t)));
        // Whoever holds the task and awaits it retrieves the failure.
        const holder = asyncio.createTask(async () => (await errorOf(() => read)).message);
        await asyncio.sleep(0.1);
        for (const c of callers) c.cancel();
        await asyncio.sleep(2);
        expect(await holder).to.equal("read later");
        await asyncio.sleep(0.1);
      });
      expect(host.reports.length, host.reports.join("\n---\n")).to.equal(1);
      expect(host.reports[0]).to.match(/^Task exception wasn't retrieved\nfuture: <Task lost>/);
    });
  });

  it("a caller cancelled after the inner task finished, before it resumed, gets the result; the cancel comes at its next await", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const log: string[] = [];
        const inner = asyncio.createTask(async () => {
          await asyncio.sleep(1);
          return "value";
        });
        let caller: Task<void> | null = null;
        // Released at 1 s just after inner: runs after inner's step, before the caller's.
        asyncio.createTask(async () => {
          await asyncio.sleep(1);
          caller!.cancel();
        });
        caller = asyncio.createTask(async () => {
          log.push(`got ${await asyncio.shield(inner)}`);
          try {
            await asyncio.sleep(0);
          } catch (e) {
            log.push(`then ${(e as Error).name}`);
            throw e;
          }
        });
        await errorOf(() => caller!);
        expect(log).to.deep.equal(["got value", "then CancelledError"]);
      });
    });
  });

  it("a cancel pending when shield() is called: CancelledError at once, the inner task runs on", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        let inner: Task<number> | null = null;
        const caller = asyncio.createTask(async () => {
          await Promise.resolve();
          // Past the synchronous part of its step: the cancel waits for the next await.
          asyncio.currentTask().cancel();
          inner = asyncio.createTask(async () => (await asyncio.sleep(0.5), 7));
          await asyncio.shield(inner);
        });
        expect(await errorOf(() => caller)).to.be.instanceOf(CancelledError);
        expect(await inner!).to.equal(7);
      });
    });
  });

  it("contention: many callers shield one task; those cancelled leave, the others get the value", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const inner = asyncio.createTask(async () => (await asyncio.sleep(1), "v"));
        const callers = Array.from({ length: 10 }, () => asyncio.createTask(() => asyncio.shield(inner)));
        await asyncio.sleep(0.5);
        callers.forEach((c, i) => i % 2 && c.cancel());
        const outcomes = await asyncio.gather(callers, { returnExceptions: true });
        expect(outcomes.map((o: unknown) => (o instanceof CancelledError ? "C" : o))).to.deep.equal(["v", "C", "v", "C", "v", "C", "v", "C", "v", "C"]);
      });
    });
  });

  it("bad input: TypeError naming shield; the calling task itself is a RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        for (const bad of [5, null, "x", {}, Symbol("s")]) {
          const e = syncErrorOf(() => asyncio.shield(bad as any));
          expect(e).to.be.instanceOf(TypeError);
          expect(e.message).to.match(/^shield: expected a task, a coroutine or an async function, got /);
        }
        const e = syncErrorOf(() => asyncio.shield(asyncio.currentTask()));
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.equal("shield: a task can't wait for itself");
      });
    });
  });
});

// ---- asCompleted -------------------------------------------------------------

function after<T>(s: number, value: T, fail = false): () => Promise<T> {
  return async () => {
    await asyncio.sleep(s);
    if (fail) throw new Error(String(value));
    return value;
  };
}

describe("asCompleted() (CPython 3.13)", () => {
  it("for await gives the very tasks passed, done, in completion order", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const tasks = [after(0.3, "a"), after(0.1, "b"), after(0.2, "c")].map((f) => asyncio.createTask(f));
        const seen: string[] = [];
        const it = asyncio.asCompleted(tasks);
        expect(it).to.be.instanceOf(AsCompleted);
        for await (const value of it) {
          // TypeScript types a for-await variable as the awaited value (Awaited<Task<T>> is T): cast to reach the Task.
          const t = value as unknown as Task<string>;
          expect(t).to.be.instanceOf(Task);
          expect(t.done()).to.equal(true);
          expect(tasks).to.include(t);
          seen.push(`${await t} at ${host.now()}`);
        }
        expect(seen).to.deep.equal(["b at 100", "c at 200", "a at 300"]);
      });
    });
  });

  it("plain iteration gives one awaitable per item: the next value (or error) in completion order", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const seen: string[] = [];
        const finished = asyncio.createTask(async () => "already");
        await asyncio.sleep(0);
        for (const next of asyncio.asCompleted([after(0.2, "fn"), after(0.1, "boom", true)(), finished])) {
          try {
            seen.push(await next);
          } catch (e) {
            seen.push(`error ${(e as Error).message}`);
          }
        }
        expect(seen).to.deep.equal(["already", "error boom", "fn"]);
      });
    });
  });

  it("accepts a Set (wait()'s pending set); a task given twice comes out once; none gives nothing", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t1 = asyncio.createTask(after(0.2, 1));
        const t2 = asyncio.createTask(after(0.1, 2));
        const out: number[] = [];
        for await (const t of asyncio.asCompleted(new Set([t1, t2]))) out.push(await t);
        for await (const t of asyncio.asCompleted([t1, t1, t2])) out.push(await t);
        expect(out).to.deep.equal([2, 1, 1, 2]);
        let n = 0;
        for await (const _ of asyncio.asCompleted([])) n++;
        for (const _ of asyncio.asCompleted([])) n++;
        expect(n).to.equal(0);
      });
    });
  });

  it("timeout: what finished first comes out, then TimeoutError for each item left; nothing is cancelled", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const tasks = [after(0.1, "fast"), after(1, "slow1"), after(2, "slow2")].map((f) => asyncio.createTask(f));
        const seen: string[] = [];
        const it = asyncio.asCompleted(tasks, { timeout: 0.5 });
        for (const next of it) {
          try {
            seen.push(await next);
          } catch (e) {
            seen.push(`${(e as Error).name} at ${host.now()}`);
          }
        }
        expect(seen).to.deep.equal(["fast", "TimeoutError at 500", "TimeoutError at 500"]);
        expect(tasks.map((t) => t.cancelled())).to.deep.equal([false, false, false]);
        expect(await tasks[2]).to.equal("slow2");
        expect(host.now()).to.equal(2000);
      });
    });
  });

  it("timeout in a for await: the loop raises TimeoutError; tasks done before it came out first", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const tasks = [after(0.1, "a"), after(0.3, "b"), after(5, "c")].map((f) => asyncio.createTask(f));
        const seen: string[] = [];
        const e = await errorOf(async () => {
          for await (const t of asyncio.asCompleted(tasks, { timeout: 1 })) seen.push(await t);
        });
        expect(e).to.be.instanceOf(TimeoutError);
        expect(e.message).to.match(/asCompleted/);
        expect(host.now()).to.equal(1000);
        expect(seen).to.deep.equal(["a", "b"]);
        expect(tasks[2].done()).to.equal(false);
        tasks[2].cancel();
      });
    });
  });

  it("a timeout after everything finished changes nothing (the deadline is dropped)", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const it = asyncio.asCompleted([after(0.1, 1), after(0.2, 2)], { timeout: 0.3 });
        await asyncio.sleep(1);
        const out: number[] = [];
        for await (const t of it) out.push(await t);
        expect(out).to.deep.equal([1, 2]);
        expect(host.now()).to.equal(1000);
      });
    });
  });

  it("a consumer cancelled while it waits takes nothing: the next call gets the item, the tasks run on", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const tasks = [after(0.2, "x"), after(0.4, "y")].map((f) => asyncio.createTask(f));
        const it = asyncio.asCompleted(tasks);
        const consumer = asyncio.createTask(() => it.next());
        await asyncio.sleep(0.1);
        consumer.cancel();
        expect(await errorOf(() => consumer)).to.be.instanceOf(CancelledError);
        const got: string[] = [];
        for await (const t of it) got.push(await t);
        expect(got).to.deep.equal(["x", "y"]);
      });
    });
  });

  it("a consumer cancelled after it was woken, before it resumed, passes the item on", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const first = asyncio.createTask(after(1, "first"));
        const second = asyncio.createTask(after(2, "second"));
        const it = asyncio.asCompleted([first, second]);
        let consumer: Task<unknown> | null = null;
        // Released at 1 s right after `first`: runs between first's end and the consumer's step.
        asyncio.createTask(async () => {
          await asyncio.sleep(1);
          consumer!.cancel();
        });
        consumer = asyncio.createTask(() => it.next());
        const other = asyncio.createTask(async () => (await it.next()).value!.result());
        await errorOf(() => consumer!);
        expect(consumer.cancelled()).to.equal(true);
        expect(await other).to.equal("first");
        const last = await it.next();
        expect(last.value!.result()).to.equal("second");
        expect((await it.next()).done).to.equal(true);
      });
    });
  });

  it("cancelled at every await of a plain iteration: every value still comes out, once", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const tasks = Array.from({ length: 6 }, (_, i) => asyncio.createTask(after(0.1 * (i + 1), i)));
        const it = asyncio.asCompleted(tasks);
        const got: number[] = [];
        while (got.length < 6) {
          const consumer = asyncio.createTask(async () => {
            for (;;) {
              const r = await it.next();
              if (r.done) return;
              got.push(r.value.result());
            }
          });
          await asyncio.sleep(0.05);
          consumer.cancel();
          try {
            await consumer;
          } catch (e) {
            expect(e).to.be.instanceOf(CancelledError);
          }
        }
        expect(got).to.deep.equal([0, 1, 2, 3, 4, 5]);
        expect((await it.next()).done).to.equal(true);
      });
    });
  });

  it("contention: two consumers of one iterator share the items, each once, then both end", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const it = asyncio.asCompleted(Array.from({ length: 8 }, (_, i) => after(0.1 * ((i * 3) % 8), i)));
        const consume = async () => {
          const mine: number[] = [];
          for (;;) {
            const r = await it.next();
            if (r.done) return mine;
            mine.push(r.value.result());
            await asyncio.sleep(0.01);
          }
        };
        const [a, b] = await asyncio.gather([consume, consume]);
        expect([...a, ...b].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(a.length).to.be.above(0);
        expect(b.length).to.be.above(0);
      });
    });
  });

  it("breaking out lets go of the tasks not handed out: not cancelled; a failure nobody reads is reported once", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const tasks = [asyncio.createTask(after(0.1, "ok")), asyncio.createTask(async function failsLater() {
          await asyncio.sleep(0.5);
          throw new Error("later");
        })];
        for await (const t of asyncio.asCompleted(tasks)) {
          expect(await t).to.equal("ok");
          break;
        }
        expect(tasks[1].done()).to.equal(false);
        await asyncio.sleep(1);
        expect(tasks[1].cancelled()).to.equal(false);
      });
      expect(host.reports.length).to.equal(1);
      expect(host.reports[0]).to.match(/^Task exception wasn't retrieved\nfuture: <Task failsLater>/);
    });
  });

  it("a failed task handed out by for await is the consumer's: reported only if it is never read", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const read = asyncio.createTask(async function read() {
          await asyncio.sleep(0.1);
          throw new Error("read");
        });
        const ignored = asyncio.createTask(async function ignored() {
          await asyncio.sleep(0.2);
          throw new Error("ignored");
        });
        for await (const t of asyncio.asCompleted([read, ignored])) {
          if ((t as unknown) === read) expect((await errorOf(() => t)).message).to.equal("read");
        }
        await asyncio.sleep(0.1);
      });
      expect(host.reports.length).to.equal(1);
      expect(host.reports[0]).to.match(/future: <Task ignored>/);
    });
  });

  it("an item awaited after the iteration was closed raises RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const it = asyncio.asCompleted([after(0.1, 1), after(0.2, 2)]);
        const items = [...it];
        it.close();
        const e = await errorOf(() => items[0]);
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.match(/^asCompleted: the iteration was closed/);
        expect((await it.next()).done).to.equal(true);
      });
    });
  });

  it("bad input: TypeError/RangeError naming asCompleted", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const t = asyncio.createTask(after(0.1, 1));
        const cases: [() => unknown, Function, RegExp][] = [
          [() => asyncio.asCompleted(5 as any), TypeError, /^asCompleted: expected an array or another iterable of awaitables, got number 5/],
          [() => asyncio.asCompleted(t as any), TypeError, /^asCompleted: expected an array or another iterable/],
          [() => asyncio.asCompleted(Promise.resolve() as any), TypeError, /^asCompleted: expected an array/],
          [() => asyncio.asCompleted("ab" as any), TypeError, /^asCompleted: expected an array/],
          [() => asyncio.asCompleted([1] as any), TypeError, /^asCompleted: expected a task, a coroutine or an async function, got number 1/],
          [() => asyncio.asCompleted([t], { timeout: NaN }), TypeError, /^asCompleted: expected a number of seconds, got NaN/],
          [() => asyncio.asCompleted([t], { timeout: "1" as any }), TypeError, /^asCompleted: expected a number of seconds/],
          [() => asyncio.asCompleted([t], { timeout: Infinity }), RangeError, /^asCompleted: Infinity seconds/],
          [() => asyncio.asCompleted([t], 3 as any), TypeError, /^asCompleted: expected options as an object/],
          [() => asyncio.asCompleted([asyncio.currentTask()]), RuntimeError, /^asCompleted: a task can't wait for itself/],
        ];
        for (const [call, type, message] of cases) {
          const e = syncErrorOf(call);
          expect(e, String(message)).to.be.instanceOf(type);
          expect(e.message).to.match(message);
        }
        await t;
      });
    });
  });
});

// ---- timeoutAt and the Timeout object ---------------------------------------

describe("timeoutAt() and the Timeout scope (CPython 3.13)", () => {
  it("an absolute deadline on loop.time(): in time gives the value, too slow raises TimeoutError at the deadline", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const end = loop.time() + 1;
        expect(await asyncio.timeoutAt(end, async () => (await asyncio.sleep(0.4), "first"))).to.equal("first");
        // The same deadline: the second step gets what is left of it.
        const e = await errorOf(() => asyncio.timeoutAt(end, () => asyncio.sleep(1)));
        expect(e).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(1000);
        expect(await asyncio.timeoutAt(null, async () => (await asyncio.sleep(0.1), "no limit"))).to.equal("no limit");
      });
    });
  });

  it("a deadline already past: only what completes without waiting", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        await asyncio.sleep(1);
        expect(await asyncio.timeoutAt(loop.time() - 10, async () => "at once")).to.equal("at once");
        expect(await errorOf(() => asyncio.timeoutAt(0, () => asyncio.sleep(0.1)))).to.be.instanceOf(TimeoutError);
      });
    });
  });

  it("the body gets its Timeout: when() in seconds, reschedule() moves the deadline, expired() tells", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        let kept: Timeout | null = null;
        const v = await asyncio.timeout(0.5, async (cm) => {
          kept = cm;
          expect(cm).to.be.instanceOf(Timeout);
          expect(cm.when()).to.equal(0.5);
          await asyncio.sleep(0.3);
          cm.reschedule(loop.time() + 1); // 1.3 s
          expect(cm.when()).to.equal(1.3);
          await asyncio.sleep(0.8);
          return "extended";
        });
        expect(v).to.equal("extended");
        expect(kept!.expired()).to.equal(false);
        expect(String(kept)).to.equal("<Timeout [finished] when=1.3>");
        expect(syncErrorOf(() => kept!.reschedule(10))).to.be.instanceOf(RuntimeError);

        const e = await errorOf(() => asyncio.timeoutMs(100, async (cm) => {
          kept = cm;
          cm.reschedule(null);
          expect(cm.when()).to.equal(null);
          await asyncio.sleep(0.5);
          cm.reschedule(loop.time() + 0.2);
          await asyncio.sleep(1);
        }));
        expect(e).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(1100 + 500 + 200);
        expect(kept!.expired()).to.equal(true);

        // Rescheduled into the past: expires at the next turn.
        expect(await errorOf(() => asyncio.timeout(null, async (cm) => {
          expect(cm.when()).to.equal(null);
          cm.reschedule(loop.time() - 1);
          await asyncio.sleep(1);
        }))).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(1800);
      });
    });
  });

  it("reschedule() while the body is being cancelled raises RuntimeError; expired() is true even if the body swallows it", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        let refused: unknown = null;
        let cmRef: Timeout | null = null;
        const v = await asyncio.timeout(0.1, async (cm) => {
          cmRef = cm;
          try {
            await asyncio.sleep(1);
          } catch {
            refused = syncErrorOf(() => cm.reschedule(100));
            return "swallowed";
          }
        });
        expect(v).to.equal("swallowed");
        expect(refused).to.be.instanceOf(RuntimeError);
        expect((refused as Error).message).to.match(/^Timeout.reschedule\(\): the timeout has expired/);
        expect(cmRef!.expired()).to.equal(true);
      });
    });
  });

  it("cancelling the caller of timeoutAt cancels the body and raises CancelledError (not TimeoutError)", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const log: string[] = [];
        const caller = asyncio.createTask(() => asyncio.timeoutAt(loop.time() + 1, async () => {
          try {
            await asyncio.sleep(5);
          } catch (e) {
            log.push(`body ${(e as Error).name}`);
            throw e;
          }
        }));
        await asyncio.sleep(0.2);
        caller.cancel();
        const e = await errorOf(() => caller);
        expect(e).to.be.instanceOf(CancelledError);
        expect(log).to.deep.equal(["body CancelledError"]);
      });
    });
  });

  it("bad input: TypeError/RangeError naming the call", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const body = async () => {};
        const cases: [() => unknown, Function, RegExp][] = [
          [() => asyncio.timeoutAt(NaN, body), TypeError, /^timeoutAt: expected a number of seconds on loop.time\(\), got NaN/],
          [() => asyncio.timeoutAt("1" as any, body), TypeError, /^timeoutAt: /],
          [() => asyncio.timeoutAt(Infinity, body), RangeError, /^timeoutAt: Infinity/],
        ];
        for (const [call, type, message] of cases) {
          const e = syncErrorOf(call);
          expect(e).to.be.instanceOf(type);
          expect(e.message).to.match(message);
        }
        const e = await errorOf(() => asyncio.timeoutAt(1, 5 as any));
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/^timeoutAt\(\): expected body \(a function\), got number 5/);
        await asyncio.timeout(1, async (cm) => {
          for (const bad of [NaN, "2", Infinity]) {
            const r = syncErrorOf(() => cm.reschedule(bad as number));
            expect(r).to.be.instanceOf(Number.isNaN(bad) || typeof bad === "string" ? TypeError : RangeError);
            expect(r.message).to.match(/^Timeout.reschedule\(\): /);
          }
          expect(cm.when()).to.equal(1);
        });
      });
    });
  });
});

describe("Task.cancel(msg) (CPython 3.9+)", () => {
  /** The error an awaitable settles with. */
  async function errorOf(p: PromiseLike<unknown>): Promise<unknown> {
    try {
      await p;
    } catch (e) {
      return e;
    }
    return null;
  }

  it("the CancelledError has the message: a task parked, one not started yet, one woken but not yet resumed", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const sleeping = asyncio.createTask(() => asyncio.sleep(10));
        const ev = new asyncio.Event();
        const woken = asyncio.createTask(() => ev.wait());
        await asyncio.sleep(0);
        const queued = asyncio.createTask(() => asyncio.sleep(10));
        ev.set();
        expect(sleeping.cancel("stop now")).to.equal(true);
        expect(queued.cancel("before it ran")).to.equal(true);
        expect(woken.cancel("after the wake")).to.equal(true);
        const errors = await Promise.all([sleeping, queued, woken].map(errorOf));
        expect(errors.map((e) => [e instanceof CancelledError, (e as Error | null)?.message])).to.deep.equal([
          [true, "stop now"], [true, "before it ran"], [true, "after the wake"],
        ]);
        // Without a message: CancelledError's own.
        const plainCancel = asyncio.createTask(() => asyncio.sleep(10));
        await asyncio.sleep(0);
        plainCancel.cancel();
        expect(((await errorOf(plainCancel)) as Error).message).to.equal("cancelled");
      });
    });
  });

  it("passed on to the task or Future it awaits, as CPython does; not to a later cancel without one", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const inner = asyncio.createTask(() => asyncio.sleep(10));
        const outer = asyncio.createTask(() => inner);
        const fut = loop.createFuture<number>();
        const onFuture = asyncio.createTask(() => fut);
        await asyncio.sleep(0);
        outer.cancel("shutting down");
        onFuture.cancel("no answer");
        expect(((await errorOf(inner)) as Error).message).to.equal("shutting down");
        expect(((await errorOf(outer)) as Error).message).to.equal("shutting down");
        expect(fut.cancelled()).to.equal(true);
        expect(((await errorOf(onFuture)) as Error).message).to.equal("no answer");
        // A message waiting for a task's next await is not given to a later cancel without one.
        const t = asyncio.createTask(() => asyncio.sleep(10));
        t.cancel("first");
        expect(t.uncancel()).to.equal(0);
        await asyncio.sleep(0);
        t.cancel();
        expect(((await errorOf(t)) as Error).message).to.equal("cancelled");
      });
    });
  });

  it("anything but a string is no message: task.cancel and fut.cancel still work as callbacks (a done callback, a then, an irq handler pass an argument)", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const trigger = asyncio.createTask(() => asyncio.sleep(0.1));
        const byDone = asyncio.createTask(() => asyncio.sleep(10));
        const byThen = asyncio.createTask(() => asyncio.sleep(10));
        const fut = loop.createFuture();
        trigger.addDoneCallback(byDone.cancel.bind(byDone));
        trigger.addDoneCallback(fut.cancel.bind(fut));
        void Promise.resolve(Object.create(null)).then(byThen.cancel.bind(byThen));
        for (const odd of [42, null, Symbol("s")]) expect(asyncio.createTask(() => asyncio.sleep(1)).cancel(odd as never)).to.equal(true);
        const errors = await Promise.all([byDone, byThen, fut].map(errorOf));
        expect(errors.map((e) => [e instanceof CancelledError, (e as Error).message])).to.deep.equal([[true, "cancelled"], [true, "cancelled"], [true, "cancelled"]]);
      });
    });
  });

  it("passed on through waitFor, timeout, gather (to its children) and race, as CPython does", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const inners: Task<void>[] = [];
        const sleeper = (): Task<void> => {
          const t = asyncio.createTask(() => asyncio.sleep(10));
          inners.push(t);
          return t;
        };
        const callers = [
          asyncio.createTask(() => asyncio.waitFor(sleeper(), 5)),
          asyncio.createTask(() => asyncio.timeout(5, () => sleeper())),
          asyncio.createTask(() => asyncio.gather([sleeper(), sleeper()])),
          asyncio.createTask(() => asyncio.race([sleeper(), sleeper()])),
        ];
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        callers.forEach((c, i) => c.cancel(`m${i}`));
        const outer = await Promise.all(callers.map(errorOf));
        expect(outer.map((e) => (e as Error).message)).to.deep.equal(["m0", "m1", "m2", "m3"]);
        const inner = await Promise.all(inners.map(errorOf));
        // (timeout's body starts its task a step later than the others.)
        expect(inner.map((e) => (e as Error).message).sort()).to.deep.equal(["m0", "m1", "m2", "m2", "m3", "m3"]);
      });
    });
  });

  it("a cancel deferred past an outcome the caller must not lose (gather done in the same turn) keeps its message; uncancel() drops a waiting one", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const child = asyncio.createTask(() => asyncio.sleep(0.1));
        const t = asyncio.createTask(async () => {
          await asyncio.gather([child]);
          await asyncio.sleep(10);
        });
        await asyncio.sleep(0.1);
        // The child has finished: the gather's outcome is on its way to t, whose cancel comes at its next await.
        t.cancel("after the gather");
        expect(((await errorOf(t)) as Error).message).to.equal("after the gather");
        // A message dropped by uncancel() does not come back with a later cancel.
        const u = asyncio.createTask(() => asyncio.sleep(10));
        u.cancel("dropped");
        expect(u.uncancel()).to.equal(0);
        await asyncio.sleep(0);
        u.cancel();
        expect(((await errorOf(u)) as Error).message).to.equal("cancelled");
      });
    });
  });
});
