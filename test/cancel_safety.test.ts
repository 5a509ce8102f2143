import { expect } from "chai";
import asyncio, { Barrier, BoundedSemaphore, CancelledError, Lock, Queue, RingbufQueue, Semaphore, TimeoutError, type Task } from "asyncio";
import { VirtualHost } from "../hosts/virtual";
import { withHost } from "./helpers";

// Issue 9, §1 and §4: cancellation and timeouts never lose data or leave
// state behind; errors nobody retrieves are reported exactly once. Each case
// runs on three virtual hosts: exact turns; time moving 1 ms every host turn;
// and Moddable-like turns that fire between promise jobs.
const hosts: [string, () => VirtualHost][] = [
  ["exact turns", () => new VirtualHost()],
  ["time moves between turns", () => new VirtualHost({ turnCost: 1 })],
  ["turns between promise jobs", () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) })],
];

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return "no error";
}

for (const [label, make] of hosts) {
  describe(`cancel safety (${label})`, () => {
    async function run<R>(body: (host: VirtualHost, reports: unknown[]) => Promise<R>): Promise<R> {
      const host = make();
      return withHost(host, async (loop) => {
        const reports: unknown[] = [];
        loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
        const r = await asyncio.run(() => body(host, reports));
        expect(host.reports).to.deep.equal([]);
        return r;
      });
    }

    it("a limit <= 0 gives what completes without waiting, never CancelledError", async () => {
      await run(async () => {
        expect(await asyncio.waitFor(Promise.resolve(1), 0)).to.equal(1);
        expect(await asyncio.waitForMs(Promise.resolve(2), -5)).to.equal(2);
        expect(await asyncio.timeout(0, () => 3)).to.equal(3);
        expect(await asyncio.timeoutMs(-1, async () => 4)).to.equal(4);
        const lock = new Lock();
        expect(await asyncio.waitFor(lock.acquire(), 0)).to.equal(true);
        expect(lock.locked()).to.equal(true);
        lock.release();
        const q = new Queue<string>();
        q.putNowait("item");
        expect(await asyncio.waitForMs(q.get(), -5)).to.equal("item");
        const sem = new Semaphore(1);
        expect(await asyncio.timeout(0, () => sem.acquire())).to.equal(true);
        expect(sem.locked()).to.equal(true);
        sem.release();
        // Something that must wait: TimeoutError, and nothing kept.
        const held = new Lock();
        await held.acquire();
        expect(await errorOf(asyncio.waitFor(held.acquire(), 0))).to.be.instanceOf(TimeoutError);
        held.release();
        expect(held.locked()).to.equal(false);
        const empty = new Queue<string>();
        expect(await errorOf(asyncio.waitFor(empty.get(), 0))).to.be.instanceOf(TimeoutError);
        empty.putNowait("later");
        expect(empty.getNowait()).to.equal("later");
        expect(asyncio.currentTask().cancelled()).to.equal(false);
      });
    });

    it("a barrier waited with limit 0 counts no phantom party", async () => {
      await run(async () => {
        const b = new Barrier(2);
        expect(await errorOf(asyncio.waitFor(b.wait(), 0))).to.be.instanceOf(TimeoutError);
        expect(b.nWaiting).to.equal(0);
        // One later party must not pass the 2-party barrier alone.
        expect(await errorOf(asyncio.waitForMs(b.wait(), 50))).to.be.instanceOf(TimeoutError);
        const both = await asyncio.gather([() => b.wait(), () => b.wait()]);
        expect([...both].sort()).to.deep.equal([0, 1]);
      });
    });

    it("a result that arrives before the deadline is not dropped when the caller resumes after it", async () => {
      await run(async () => {
        const lock = new Lock();
        await lock.acquire();
        const holder = asyncio.createTask(async () => {
          await asyncio.sleepMs(97);
          lock.release();
        });
        await asyncio.sleep(0); // the holder's 97 ms start before the 100 ms deadline
        const got = await asyncio.waitForMs(lock.acquire(), 100).catch((e) => e);
        await holder;
        if (got === true) {
          expect(lock.locked()).to.equal(true);
          lock.release();
        } else {
          expect(got).to.be.instanceOf(TimeoutError);
        }
        // Either way the lock is usable: never left locked with no owner.
        expect(lock.locked()).to.equal(false);
        expect(got).to.equal(true);
      });
    });

    it("a caller cancelled after the inner awaitable took something gets it; the cancel comes at its next await", async () => {
      // Cancelled after 0..4 yields: whatever moment the cancel lands, what
      // was taken is kept by the caller (and given back in its finally) or
      // never taken.
      for (let yields = 0; yields <= 4; yields++) {
        await run(async () => {
          const q = new Queue<string>();
          q.putNowait("precious");
          const lock = new Lock();
          const sem = new Semaphore(1);
          const kept: string[] = [];
          const consumer = (op: () => Promise<unknown>, undo: (v: unknown) => void) =>
            asyncio.createTask(async () => {
              const v = await op();
              try {
                await asyncio.sleep(0);
              } finally {
                undo(v);
              }
            });
          const tasks: Task<void>[] = [
            consumer(() => asyncio.waitFor(q.get(), 1), (v) => kept.push(String(v))),
            consumer(() => asyncio.waitFor(lock.acquire(), 1), () => lock.release()),
            consumer(() => asyncio.timeout(1, () => sem.acquire()), () => sem.release()),
          ];
          for (let i = 0; i < yields; i++) await asyncio.sleep(0);
          const accepted = tasks.map((t) => t.cancel());
          for (let i = 0; i < tasks.length; i++) {
            const e = await errorOf(tasks[i] as unknown as Promise<void>);
            // A task that had finished refuses the cancel; any other ends cancelled.
            if (accepted[i]) expect(e, `after ${yields} yields`).to.be.instanceOf(CancelledError);
            else expect(e).to.equal("no error");
            expect(tasks[i].cancelled()).to.equal(accepted[i]);
          }
          expect(kept.length + q.qsize(), `after ${yields} yields`).to.equal(1);
          expect(lock.locked()).to.equal(false);
          expect(sem.locked()).to.equal(false);
        });
      }
    });

    it("the caller keeps the outcome when cancelled after waitFor's inner task finished", async () => {
      await run(async () => {
        const q = new Queue<string>();
        q.putNowait("precious");
        const log: string[] = [];
        const t = asyncio.createTask(async () => {
          const v = await asyncio.waitFor(q.get(), 1);
          log.push(`got ${v}`);
          try {
            await asyncio.sleep(0);
            log.push("not cancelled");
          } catch (e) {
            log.push(e instanceof CancelledError ? "cancelled at next await" : String(e));
            throw e;
          }
        });
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        t.cancel();
        expect(await errorOf(t as unknown as Promise<void>)).to.be.instanceOf(CancelledError);
        expect(log).to.deep.equal(["got precious", "cancelled at next await"]);
      });
    });

    it("a caller cancelled while the inner awaitable still waits gets CancelledError and the primitive keeps its state", async () => {
      await run(async () => {
        const q = new Queue<number>();
        const sem = new BoundedSemaphore(1);
        await sem.acquire();
        const a = asyncio.createTask(() => asyncio.waitFor(q.get(), 5));
        const b = asyncio.createTask(() => asyncio.timeout(5, () => sem.acquire()));
        await asyncio.sleepMs(10);
        a.cancel();
        b.cancel();
        expect(await errorOf(a as unknown as Promise<number>)).to.be.instanceOf(CancelledError);
        expect(await errorOf(b as unknown as Promise<boolean>)).to.be.instanceOf(CancelledError);
        q.putNowait(7);
        expect(q.getNowait()).to.equal(7);
        sem.release();
        expect(sem.locked()).to.equal(false);
      });
    });

    it("Barrier: a party cancelled after its cycle completed keeps its index; the cancel comes at its next await", async () => {
      await run(async () => {
        const b = new Barrier(2);
        const log: string[] = [];
        const party = asyncio.createTask(async () => {
          const index = await b.wait();
          log.push(`index ${index}`);
          await asyncio.sleep(0);
          log.push("not cancelled");
        });
        await asyncio.sleep(0);
        expect(await b.wait()).to.equal(1); // completes the cycle, releasing the party
        party.cancel(); // before it resumed
        expect(await errorOf(party as unknown as Promise<void>)).to.be.instanceOf(CancelledError);
        expect(log).to.deep.equal(["index 0"]);
        expect(b.nWaiting).to.equal(0);
      });
    });

    it("RingbufQueue: a handed item survives its getter's cancel even when the ring filled meanwhile", async () => {
      await run(async () => {
        const rq = new RingbufQueue<number>(2);
        const got: number[] = [];
        const getter = asyncio.createTask(async () => {
          got.push(await rq.get());
          await asyncio.sleep(0);
        });
        await asyncio.sleep(0);
        rq.putNowait(1); // handed to the getter
        rq.putNowait(2);
        rq.putNowait(3); // the ring is full
        getter.cancel();
        expect(await errorOf(getter as unknown as Promise<void>)).to.be.instanceOf(CancelledError);
        const rest = [rq.getNowait(), rq.getNowait()];
        expect([...got, ...rest].sort()).to.deep.equal([1, 2, 3]);
      });
    });

    it("gather reports every error it does not raise, once (also from children that fail after it was cancelled)", async () => {
      await run(async (host, reports) => {
        const fail = async (name: string, s: number) => {
          await asyncio.sleep(s);
          throw new Error(name);
        };
        const e = await errorOf(asyncio.gather([fail("a", 1), fail("b", 2)]));
        expect((e as Error).message).to.equal("a");
        await asyncio.sleep(2);
        expect(reports.map((r) => (r as Error).message)).to.deep.equal(["b"]);
        reports.length = 0;
        // Cancelled gather: a child that fails while unwinding is reported.
        const unwinding = async () => {
          try {
            await asyncio.sleep(10);
          } finally {
            await asyncio.sleep(0.5);
            throw new Error("while unwinding");
          }
        };
        const g = asyncio.createTask(() => asyncio.gather([unwinding]));
        await asyncio.sleep(0.1);
        g.cancel();
        expect(await errorOf(g as unknown as Promise<unknown>)).to.be.instanceOf(CancelledError);
        await asyncio.sleep(1);
        expect(reports.map((r) => (r as Error).message)).to.deep.equal(["while unwinding"]);
        reports.length = 0;
        // Both children already failed when gather resumes: one raised, the other reported.
        const e2 = await errorOf(asyncio.gather([fail("c", 0), fail("d", 0)]));
        expect((e2 as Error).message).to.equal("c");
        await asyncio.sleep(0.1);
        expect(reports.map((r) => (r as Error).message)).to.deep.equal(["d"]);
        reports.length = 0;
        // returnExceptions: every error is delivered, none reported.
        const r = await asyncio.gather([fail("e", 0), fail("f", 0.1)], { returnExceptions: true });
        expect(r.map((x) => (x as Error).message)).to.deep.equal(["e", "f"]);
        await asyncio.sleep(0.1);
        expect(reports).to.deep.equal([]);
        expect(host.now()).to.be.greaterThan(0);
      });
    });

    it("a waitFor or timeout that raised TimeoutError reports nothing; one whose inner task failed is not reported twice", async () => {
      await run(async (_host, reports) => {
        const boom = async () => {
          await asyncio.sleep(0.01);
          throw new Error("boom");
        };
        expect(((await errorOf(asyncio.waitFor(boom, 1))) as Error).message).to.equal("boom");
        expect(((await errorOf(asyncio.timeout(1, boom))) as Error).message).to.equal("boom");
        expect(await errorOf(asyncio.waitFor(() => asyncio.sleep(5), 0.1))).to.be.instanceOf(TimeoutError);
        await asyncio.sleep(0.1);
        expect(reports).to.deep.equal([]);
      });
    });
  });
}
