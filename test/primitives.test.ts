import { expect } from "chai";
import asyncio, {
  Barrier, BoundedSemaphore, BrokenBarrierError, CancelledError, Condition, Lock, Queue, QueueEmpty, QueueFull, RingbufQueue,
  RuntimeError, Semaphore, TaskGroup, TaskGroupError, TimeoutError, taskGroup, timeout, timeoutMs,
} from "asyncio";
import { onVirtualTime } from "./helpers";

async function errorOf(f: () => unknown): Promise<any> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** Yields n times (each sleep(0) lets every other ready task run once). */
async function yields(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await asyncio.sleep(0);
}

describe("Queue", () => {
  it("is FIFO; qsize/empty/full; putNowait/getNowait throw QueueFull/QueueEmpty", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new Queue<number>(2);
        expect([q.qsize(), q.empty(), q.full(), q.maxsize]).to.deep.equal([0, true, false, 2]);
        q.putNowait(1);
        await q.put(2);
        expect([q.qsize(), q.empty(), q.full()]).to.deep.equal([2, false, true]);
        const full = await errorOf(() => q.putNowait(3));
        expect(full).to.be.instanceOf(QueueFull);
        expect(full.name).to.equal("QueueFull");
        expect(full.message).to.match(/Queue.putNowait\(\): the queue is full \(maxsize 2\)/);
        expect(q.getNowait()).to.equal(1);
        expect(await q.get()).to.equal(2);
        const empty = await errorOf(() => q.getNowait());
        expect(empty).to.be.instanceOf(QueueEmpty);
        expect(empty.name).to.equal("QueueEmpty");
        const unbounded = new Queue<number>();
        for (let i = 0; i < 1000; i++) unbounded.putNowait(i);
        expect(unbounded.full()).to.equal(false);
        expect(unbounded.qsize()).to.equal(1000);
      });
    });
  });

  it("get() waits for put(); put() waits while full, at the exact virtual times", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>(1);
        asyncio.createTask(async () => {
          for (const x of ["a", "b", "c"]) {
            await q.put(x);
            log.push(`put ${x} at ${host.now()}`);
          }
        });
        await asyncio.sleep(0.1);
        for (let i = 0; i < 3; i++) {
          log.push(`got ${await q.get()} at ${host.now()}`);
          await asyncio.sleep(0.1);
        }
        asyncio.createTask(async () => {
          await asyncio.sleep(0.05);
          q.putNowait("late");
        });
        log.push(`got ${await q.get()} at ${host.now()}`);
      });
      expect(log).to.deep.equal([
        "put a at 0", "got a at 100", "put b at 100", "got b at 200", "put c at 200", "got c at 300", "got late at 450",
      ]);
    });
  });

  it("contention: waiting getters are served in FIFO order, one item each", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<number>();
        const getters = [1, 2, 3].map((id) => asyncio.createTask(async () => log.push(`g${id}:${await q.get()}`)));
        await asyncio.sleep(0);
        q.putNowait(10);
        q.putNowait(20);
        expect(q.qsize()).to.equal(2); // items stay queued until the getters run (CPython)
        await asyncio.sleep(0);
        q.putNowait(30);
        await asyncio.gather(getters);
      });
      expect(log).to.deep.equal(["g1:10", "g2:20", "g3:30"]);
    });
  });

  it("contention: several producers on a bounded queue keep their order and lose nothing", async () => {
    await onVirtualTime(async () => {
      const got: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>(2);
        const producers = ["a", "b", "c"].map((p) => asyncio.createTask(async () => {
          for (let i = 0; i < 4; i++) await q.put(`${p}${i}`);
        }));
        for (let i = 0; i < 12; i++) {
          got.push(await q.get());
          if (i % 3 === 0) await asyncio.sleep(0.01);
        }
        await asyncio.gather(producers);
        expect(q.empty()).to.equal(true);
      });
      expect(got.length).to.equal(12);
      for (const p of ["a", "b", "c"]) expect(got.filter((x) => x[0] === p)).to.deep.equal([0, 1, 2, 3].map((i) => `${p}${i}`));
    });
  });

  it("a woken getter that loses its item to getNowait() waits again at the head of the line", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>();
        asyncio.createTask(async () => log.push(`first ${await q.get()}`));
        await asyncio.sleep(0);
        asyncio.createTask(async () => log.push(`second ${await q.get()}`));
        await asyncio.sleep(0);
        q.putNowait("x");
        log.push(`stolen ${q.getNowait()}`);
        await yields(2);
        q.putNowait("y");
        q.putNowait("z");
        await yields(3);
      });
      expect(log).to.deep.equal(["stolen x", "first y", "second z"]);
    });
  });

  it("a cancelled get() takes no item: neither while waiting nor after being woken", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>();
        const getter = (id: string) => asyncio.createTask(async () => {
          try {
            log.push(`${id} got ${await q.get()}`);
          } catch (e) {
            log.push(`${id} ${(e as Error).name}`);
          }
        });
        // Cancelled while waiting.
        const a = getter("a");
        await asyncio.sleep(0);
        a.cancel();
        await asyncio.sleep(0);
        q.putNowait("one");
        expect(q.qsize()).to.equal(1);
        expect(q.getNowait()).to.equal("one");
        // Woken by a put, cancelled before it resumed: the wake-up passes on.
        const b = getter("b");
        const c = getter("c");
        await asyncio.sleep(0);
        q.putNowait("two");
        b.cancel();
        await yields(3);
        // Woken, cancelled, nobody else waiting: the item stays queued.
        const d = getter("d");
        await asyncio.sleep(0);
        q.putNowait("three");
        d.cancel();
        await yields(2);
        expect(q.qsize()).to.equal(1);
        expect(q.getNowait()).to.equal("three");
        expect([a, b, c, d].map((t) => t.done())).to.deep.equal([true, true, true, true]);
      });
      expect(log).to.deep.equal(["a CancelledError", "b CancelledError", "c got two", "d CancelledError"]);
    });
  });

  it("a cancelled put() adds no item and passes its wake-up on", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new Queue<string>(1);
        q.putNowait("held");
        const p1 = asyncio.createTask(() => q.put("p1"));
        const p2 = asyncio.createTask(() => q.put("p2"));
        const p3 = asyncio.createTask(() => q.put("p3"));
        await asyncio.sleep(0);
        p1.cancel(); // while waiting
        await asyncio.sleep(0);
        expect(q.getNowait()).to.equal("held"); // wakes p2
        p2.cancel(); // woken, not yet resumed: p3 goes instead
        await yields(3);
        expect([p1.cancelled(), p2.cancelled(), p3.done()]).to.deep.equal([true, true, true]);
        expect(q.qsize()).to.equal(1);
        expect(q.getNowait()).to.equal("p3");
      });
    });
  });

  it("waitFor(q.get(), …) times out without losing an item", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const q = new Queue<number>();
        const e = await errorOf(() => asyncio.waitFor(q.get(), 0.2));
        expect(e).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(200);
        q.putNowait(7);
        expect(await asyncio.waitFor(q.get(), 0.2)).to.equal(7);
        q.putNowait(8);
        expect(q.qsize()).to.equal(1);
      });
    });
  });

  it("taskDone()/join() as in CPython", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<number>();
        expect(await q.join()).to.equal(true);
        for (let i = 1; i <= 3; i++) q.putNowait(i);
        asyncio.createTask(async () => {
          for (;;) {
            const n = await q.get();
            await asyncio.sleep(n / 10);
            log.push(`done ${n} at ${host.now()}`);
            q.taskDone();
          }
        });
        await q.join();
        log.push(`joined at ${host.now()}`);
        expect(() => q.taskDone()).to.throw(RuntimeError, /taskDone/);
      });
      expect(log).to.deep.equal(["done 1 at 100", "done 2 at 300", "done 3 at 600", "joined at 600"]);
    });
  });

  it("bad input: Queue(-1), Queue(1.5) are RangeErrors; Queue('3') is a TypeError", () => {
    expect(() => new Queue(-1)).to.throw(RangeError, "Queue: maxsize must be an integer >= 0, got -1");
    expect(() => new Queue(1.5)).to.throw(RangeError, /got 1.5/);
    expect(() => new Queue("3" as never)).to.throw(TypeError, 'Queue: expected maxsize as a number, got string "3"');
    expect(() => new Queue(NaN)).to.throw(TypeError, /NaN/);
  });
});

describe("RingbufQueue", () => {
  it("holds `capacity` items; on overflow it stores the new item, drops the oldest and throws QueueFull (Hinch)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new RingbufQueue<number>(3);
        expect([q.capacity, q.qsize(), q.empty(), q.full()]).to.deep.equal([3, 0, true, false]);
        q.putNowait(1);
        q.putNowait(2);
        q.putNowait(3);
        expect([q.qsize(), q.full(), q.peek()]).to.deep.equal([3, true, 1]);
        const e = await errorOf(() => q.putNowait(4));
        expect(e).to.be.instanceOf(QueueFull);
        expect(e.message).to.match(/oldest item was discarded/);
        expect(q.qsize()).to.equal(3);
        expect([q.getNowait(), await q.get(), q.getNowait()]).to.deep.equal([2, 3, 4]);
        expect(await errorOf(() => q.getNowait())).to.be.instanceOf(QueueEmpty);
        expect(await errorOf(() => q.peek())).to.be.instanceOf(QueueEmpty);
        // Wraps around many times in its one preallocated array.
        for (let i = 0; i < 100; i++) {
          q.putNowait(i);
          q.putNowait(i + 1000);
          expect([q.getNowait(), q.getNowait()]).to.deep.equal([i, i + 1000]);
        }
        expect((q as unknown as { ring: unknown[] }).ring.length).to.equal(3);
      });
    });
  });

  it("putNowait() from host callbacks outside any task wakes get() at the next turn, in order", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      const q = new RingbufQueue<string>(4);
      host.at(100, () => q.putNowait("irq1"));
      host.at(250, () => {
        q.putNowait("irq2");
        q.putNowait("irq3");
      });
      await asyncio.run(async () => {
        for (let i = 0; i < 3; i++) log.push(`${await q.get()} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["irq1 at 100", "irq2 at 250", "irq3 at 250"]);
    });
  });

  it("async iteration and put() that waits while full", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new RingbufQueue<number>(2);
        asyncio.createTask(async () => {
          for (let i = 0; i < 5; i++) await q.put(i);
          log.push(`producer done at ${host.now()}`);
        });
        await asyncio.sleep(0.1);
        for await (const x of q) {
          log.push(`${x} at ${host.now()}`);
          if (x === 4) break;
          await asyncio.sleep(0.1);
        }
      });
      expect(log).to.deep.equal(["0 at 100", "1 at 200", "2 at 300", "producer done at 300", "3 at 400", "4 at 500"]);
    });
  });

  it("a cancelled get() takes no item: a handed-over item goes to the next getter or back to the front", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new RingbufQueue<string>(2);
        const getter = (id: string) => asyncio.createTask(async () => {
          try {
            log.push(`${id} got ${await q.get()}`);
          } catch (e) {
            log.push(`${id} ${(e as Error).name}`);
          }
        });
        const a = getter("a");
        const b = getter("b");
        await asyncio.sleep(0);
        q.putNowait("x"); // handed to a
        a.cancel(); // before a resumed: x goes to b
        await yields(3);
        expect(b.done()).to.equal(true);
        const c = getter("c");
        await asyncio.sleep(0);
        q.putNowait("y"); // handed to c
        q.putNowait("z"); // into the ring
        c.cancel(); // y goes back in front of z
        await yields(3);
        expect(q.qsize()).to.equal(2);
        expect([q.getNowait(), q.getNowait()]).to.deep.equal(["y", "z"]);
        const d = getter("d");
        await asyncio.sleep(0);
        d.cancel(); // while waiting
        await asyncio.sleep(0);
        q.putNowait("w");
        expect(q.qsize()).to.equal(1);
      });
      expect(log).to.deep.equal(["a CancelledError", "b got x", "c CancelledError", "d CancelledError"]);
    });
  });

  it("bad input: RingbufQueue(0) is a RangeError, RingbufQueue('8') a TypeError", () => {
    expect(() => new RingbufQueue(0)).to.throw(RangeError, "RingbufQueue: capacity must be an integer >= 1, got 0");
    expect(() => new RingbufQueue("8" as never)).to.throw(TypeError, /RingbufQueue: .*string "8"/);
  });
});

describe("Semaphore and BoundedSemaphore", () => {
  it("acquire() takes a permit, waiting while there is none; locked() tells", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const s = new Semaphore(2);
        expect(await s.acquire()).to.equal(true);
        expect(s.locked()).to.equal(false);
        await s.acquire();
        expect(s.locked()).to.equal(true);
        asyncio.createTask(async () => {
          await s.acquire();
          log.push(`third at ${host.now()}`);
        });
        await asyncio.sleep(0.5);
        s.release();
        await asyncio.sleep(0);
        expect(s.locked()).to.equal(true);
        s.release();
        s.release();
        expect(s.locked()).to.equal(false);
      });
      expect(log).to.deep.equal(["third at 500"]);
    });
  });

  it("with() bounds concurrency; permits go FIFO and a late acquire() cannot barge in", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      let inside = 0;
      let most = 0;
      await asyncio.run(async () => {
        const s = new Semaphore(2);
        const tasks = [0, 1, 2, 3, 4].map((i) => asyncio.createTask(() => s.with(async () => {
          most = Math.max(most, ++inside);
          log.push(`${i} in at ${host.now()}`);
          await asyncio.sleep(0.1);
          inside--;
        })));
        await asyncio.sleep(0.1); // at 100: 0 and 1 release, handing permits to 2 and 3
        expect(s.locked()).to.equal(true);
        const late = asyncio.createTask(async () => {
          await s.acquire();
          log.push(`late in at ${host.now()}`);
          s.release();
        });
        await asyncio.gather(tasks);
        await late;
      });
      expect(most).to.equal(2);
      expect(log).to.deep.equal(["0 in at 0", "1 in at 0", "2 in at 100", "3 in at 100", "4 in at 200", "late in at 200"]);
    });
  });

  it("a cancelled acquire() leaks no permit, also when cancelled after being handed one", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const s = new Semaphore(1);
        await s.acquire();
        const a = asyncio.createTask(() => s.acquire());
        const b = asyncio.createTask(() => s.acquire());
        await asyncio.sleep(0);
        a.cancel(); // waiting
        await asyncio.sleep(0);
        expect(a.cancelled()).to.equal(true);
        s.release(); // handed to b
        b.cancel(); // before b resumed: the permit comes back
        await asyncio.sleep(0);
        expect(b.cancelled()).to.equal(true);
        expect(s.locked()).to.equal(false);
        await s.acquire();
        expect(s.locked()).to.equal(true);
        const c = asyncio.createTask(() => s.acquire());
        const d = asyncio.createTask(() => s.acquire());
        await asyncio.sleep(0);
        s.release(); // handed to c
        c.cancel(); // passes to d
        await yields(2);
        expect([c.cancelled(), d.done() && !d.cancelled()]).to.deep.equal([true, true]);
        expect(s.locked()).to.equal(true);
        s.release();
        expect(s.locked()).to.equal(false);
      });
    });
  });

  it("a with() cancelled inside fn releases its permit", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const s = new Semaphore(1);
        const t = asyncio.createTask(() => s.with(() => asyncio.sleep(10)));
        await asyncio.sleep(1);
        expect(s.locked()).to.equal(true);
        t.cancel();
        await asyncio.sleep(0);
        expect(t.cancelled()).to.equal(true);
        expect(s.locked()).to.equal(false);
      });
    });
  });

  it("BoundedSemaphore refuses a release beyond its bound; Semaphore does not", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const b = new BoundedSemaphore(2);
        expect(() => b.release()).to.throw(RuntimeError, "BoundedSemaphore.release(): released more times than acquired (bound 2)");
        await b.acquire();
        b.release();
        expect(() => b.release()).to.throw(RuntimeError);
        const s = new Semaphore(1);
        s.release();
        await s.acquire();
        await s.acquire();
        expect(s.locked()).to.equal(true);
        // A permit handed to a cancelled waiter comes back without tripping the bound.
        const one = new BoundedSemaphore(1);
        await one.acquire();
        const w = asyncio.createTask(() => one.acquire());
        await asyncio.sleep(0);
        one.release();
        w.cancel();
        await asyncio.sleep(0);
        expect(one.locked()).to.equal(false);
        expect(() => one.release()).to.throw(RuntimeError);
      });
    });
  });

  it("bad input: Semaphore(-1) RangeError, Semaphore('2') TypeError, with(42) TypeError", async () => {
    expect(() => new Semaphore(-1)).to.throw(RangeError, "Semaphore: value must be an integer >= 0, got -1");
    expect(() => new BoundedSemaphore(-2)).to.throw(RangeError, /^BoundedSemaphore: value/);
    expect(() => new Semaphore("2" as never)).to.throw(TypeError, /Semaphore: expected value as a number, got string "2"/);
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const e = await errorOf(() => new Semaphore().with(42 as never));
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/Semaphore.with\(\)/);
      });
    });
  });
});

describe("Condition", () => {
  it("wait() releases the lock, waits for notify(), re-acquires; waitFor() checks a predicate", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const cond = new Condition();
        const items: number[] = [];
        const consumer = asyncio.createTask(() => cond.with(async () => {
          const n = await cond.waitFor(() => items.length >= 2 && items.length);
          log.push(`consumer sees ${n} items at ${host.now()}, locked ${cond.locked()}`);
        }));
        for (let i = 0; i < 3; i++) {
          await asyncio.sleep(0.1);
          await cond.with(() => {
            items.push(i);
            cond.notify();
          });
        }
        await consumer;
        expect(cond.locked()).to.equal(false);
      });
      expect(log).to.deep.equal(["consumer sees 2 items at 200, locked true"]);
    });
  });

  it("notify(n) wakes n waiters in FIFO order; notifyAll() the rest; each gets the lock in turn", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const cond = new Condition();
        const tasks = [0, 1, 2, 3].map((i) => asyncio.createTask(() => cond.with(async () => {
          await cond.wait();
          log.push(`${i} woke`);
          await asyncio.sleep(0.01);
          log.push(`${i} leaves`);
        })));
        await asyncio.sleep(0);
        await cond.acquire();
        cond.notify(2);
        cond.release();
        await asyncio.sleep(0.1);
        await cond.with(() => cond.notifyAll());
        await asyncio.gather(tasks);
      });
      expect(log).to.deep.equal(["0 woke", "0 leaves", "1 woke", "1 leaves", "2 woke", "2 leaves", "3 woke", "3 leaves"]);
    });
  });

  it("notify()/notifyAll()/wait() without holding the lock raise RuntimeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const cond = new Condition();
        expect(() => cond.notify()).to.throw(RuntimeError, "Condition.notify(): the lock is not acquired");
        expect(() => cond.notifyAll()).to.throw(RuntimeError, /notifyAll/);
        const e = await errorOf(() => cond.wait());
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.equal("Condition.wait(): the lock is not acquired");
      });
    });
  });

  it("a cancelled wait() re-acquires the lock before raising CancelledError, even when the lock is busy", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const cond = new Condition();
        const t = asyncio.createTask(async () => {
          await cond.acquire();
          try {
            await cond.wait();
          } catch (e) {
            log.push(`${(e as Error).name} at ${host.now()} holding the lock: ${cond.locked()}`);
            cond.release();
            throw e;
          }
        });
        await asyncio.sleep(0.1);
        await cond.acquire(); // the lock is busy when the cancel arrives
        t.cancel();
        await asyncio.sleep(0.1);
        log.push(`main releases at ${host.now()}`);
        cond.release();
        const e = await errorOf(() => t);
        expect(e).to.be.instanceOf(CancelledError);
        // Cancelled again while re-acquiring: still ends holding the lock.
        const u = asyncio.createTask(async () => {
          await cond.acquire();
          try {
            await cond.wait();
          } catch (er) {
            log.push(`u ${(er as Error).name} locked ${cond.locked()}`);
            cond.release();
          }
        });
        await asyncio.sleep(0);
        await cond.acquire();
        cond.notify();
        await asyncio.sleep(0); // u is now waiting for the lock
        u.cancel();
        await asyncio.sleep(0);
        cond.release();
        await u;
      });
      expect(log).to.deep.equal(["main releases at 200", "CancelledError at 200 holding the lock: true", "u CancelledError locked true"]);
    });
  });

  it("a waiter cancelled after notify() but before resuming passes the notification on", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const cond = new Condition();
        const waiter = (id: string) => asyncio.createTask(() => cond.with(async () => {
          try {
            await cond.wait();
            log.push(`${id} notified`);
          } catch (e) {
            log.push(`${id} ${(e as Error).name}`);
          }
        }));
        const a = waiter("a");
        waiter("b");
        await asyncio.sleep(0);
        await cond.with(() => {
          cond.notify();
          a.cancel();
        });
        await yields(4);
      });
      expect(log).to.deep.equal(["a CancelledError", "b notified"]);
    });
  });

  it("shares a given lock; rejects a non-Lock", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const lock = new Lock();
        const cond = new Condition(lock);
        expect(cond.lock).to.equal(lock);
        await lock.acquire();
        expect(cond.locked()).to.equal(true);
        lock.release();
      });
    });
    expect(() => new Condition(42 as never)).to.throw(TypeError, "Condition: expected an asyncio Lock or nothing, got number 42");
    expect(() => new Condition().notify(-1)).to.throw(RuntimeError); // the lock check comes first
  });
});

describe("Barrier", () => {
  it("releases all parties together, returns arrival indexes, runs the action once per cycle, is reusable", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        let cycles = 0;
        const b = new Barrier(3, () => log.push(`action ${++cycles} at ${host.now()}`));
        expect([b.parties, b.nWaiting, b.broken]).to.deep.equal([3, 0, false]);
        const party = (id: string, ms: number) => asyncio.createTask(async () => {
          for (let cycle = 0; cycle < 2; cycle++) {
            await asyncio.sleepMs(ms);
            const i = await b.wait();
            log.push(`${id} passes as ${i} at ${host.now()}`);
          }
        });
        await asyncio.gather([party("a", 100), party("b", 300), party("c", 200)]);
      });
      // The last to arrive goes on without yielding; the others resume in arrival order.
      expect(log).to.deep.equal([
        "action 1 at 300", "b passes as 2 at 300", "a passes as 0 at 300", "c passes as 1 at 300",
        "action 2 at 600", "b passes as 2 at 600", "a passes as 0 at 600", "c passes as 1 at 600",
      ]);
    });
  });

  it("a party cancelled while waiting no longer counts; indexes stay unique", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const b = new Barrier(2);
        const a = asyncio.createTask(() => b.wait());
        await asyncio.sleep(0);
        expect(b.nWaiting).to.equal(1);
        a.cancel();
        await asyncio.sleep(0);
        expect(b.nWaiting).to.equal(0);
        const c = asyncio.createTask(async () => log.push(`c ${await b.wait()}`));
        await asyncio.sleep(0);
        log.push(`main ${await b.wait()}`);
        await c;
        expect(a.cancelled()).to.equal(true);
      });
      expect(log).to.deep.equal(["main 1", "c 0"]);
    });
  });

  it("abort() and reset() raise BrokenBarrierError in waiting parties; a throwing action breaks the barrier", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const b = new Barrier(3);
        const w1 = asyncio.createTask(() => b.wait());
        await asyncio.sleep(0);
        b.abort();
        expect(await errorOf(() => w1)).to.be.instanceOf(BrokenBarrierError);
        expect(b.broken).to.equal(true);
        expect(await errorOf(() => b.wait())).to.be.instanceOf(BrokenBarrierError);
        b.reset();
        expect(b.broken).to.equal(false);
        const w2 = asyncio.createTask(() => b.wait());
        await asyncio.sleep(0);
        b.reset();
        expect(await errorOf(() => w2)).to.be.instanceOf(BrokenBarrierError);
        expect(b.broken).to.equal(false);

        const bad = new Barrier(2, () => {
          throw new Error("action failed");
        });
        const w3 = asyncio.createTask(() => bad.wait());
        await asyncio.sleep(0);
        const e = await errorOf(() => bad.wait());
        expect(e.message).to.equal("action failed");
        expect(await errorOf(() => w3)).to.be.instanceOf(BrokenBarrierError);
        expect(bad.broken).to.equal(true);
      });
    });
  });

  it("bad input: Barrier(0) RangeError, Barrier('2') TypeError, a non-function action TypeError", () => {
    expect(() => new Barrier(0)).to.throw(RangeError, "Barrier: parties must be an integer >= 1, got 0");
    expect(() => new Barrier("2" as never)).to.throw(TypeError, /Barrier: expected parties as a number, got string "2"/);
    expect(() => new Barrier(2, 5 as never)).to.throw(TypeError, /Barrier: expected action to be a function, got number 5/);
  });
});

describe("TaskGroup", () => {
  it("waits for every child (also ones started by children) and returns the body's value", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const result = await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await asyncio.sleep(0.3);
            log.push(`a at ${host.now()}`);
            tg.createTask(async () => {
              await asyncio.sleep(0.2);
              log.push(`a's child at ${host.now()}`);
            });
          });
          tg.createTask((async () => {
            await asyncio.sleep(0.1);
            log.push(`b at ${host.now()}`);
          })());
          return "body value";
        });
        log.push(`run returned ${result} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["b at 100", "a at 300", "a's child at 500", "run returned body value at 500"]);
    });
  });

  it("a failing child cancels the others and the body; the errors surface together", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const watch = (id: string, ms: number) => async () => {
          try {
            await asyncio.sleepMs(ms);
            log.push(`${id} finished`);
          } catch (e) {
            log.push(`${id} ${(e as Error).name} at ${host.now()}`);
            throw e;
          }
        };
        const e = await errorOf(() => taskGroup(async (tg) => {
          tg.createTask(watch("slow", 1000));
          tg.createTask(async () => {
            await asyncio.sleep(0.2);
            throw new Error("boom 1");
          });
          tg.createTask(async () => {
            // Cancelled by the first failure (as in CPython, a task resumed in
            // the same loop pass is cancelled before it runs); fails in cleanup.
            try {
              await asyncio.sleep(0.2);
            } catch {
              throw new RangeError("boom 2");
            }
          });
          await watch("body", 5000)();
        }));
        expect(e).to.be.instanceOf(TaskGroupError);
        expect(e).to.be.instanceOf(AggregateError);
        expect(e.name).to.equal("TaskGroupError");
        expect(e.message).to.equal("unhandled errors in a TaskGroup (2 sub-exceptions)");
        expect(e.errors.map((x: Error) => x.message)).to.deep.equal(["boom 1", "boom 2"]);
        log.push(`run failed at ${host.now()}`);
      });
      expect(log).to.deep.equal(["slow CancelledError at 200", "body CancelledError at 200", "run failed at 200"]);
      expect(host.reports).to.deep.equal([]); // children's errors were retrieved, nothing reported
    });
  });

  it("cancelling the task running the group cancels the body and the children, then raises CancelledError", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const outer = asyncio.createTask(async () => {
          try {
            await taskGroup(async (tg) => {
              for (const id of ["x", "y"]) {
                tg.createTask(async () => {
                  try {
                    await asyncio.sleep(10);
                  } catch (e) {
                    await asyncio.sleep(0.05); // cleanup takes time; run() waits for it
                    log.push(`${id} cleaned up at ${host.now()}`);
                    throw e;
                  }
                });
              }
              await asyncio.sleep(10);
            });
          } catch (e) {
            log.push(`outer ${(e as Error).name} at ${host.now()}`);
            throw e;
          }
        });
        await asyncio.sleep(0.5);
        outer.cancel();
        expect(await errorOf(() => outer)).to.be.instanceOf(CancelledError);
      });
      expect(log).to.deep.equal(["x cleaned up at 550", "y cleaned up at 550", "outer CancelledError at 550"]);
    });
  });

  it("a child's CancelledError is not an error; the body's error is reported last", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const v = await taskGroup(async (tg) => {
          const t = tg.createTask(() => asyncio.sleep(10));
          await asyncio.sleep(0.1);
          t.cancel();
          return 42;
        });
        expect(v).to.equal(42);
        const e = await errorOf(() => taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await asyncio.sleep(10);
            } catch {
              throw new Error("child failed while cancelled");
            }
          });
          await asyncio.sleep(0.1);
          throw new TypeError("body failed");
        }));
        expect(e).to.be.instanceOf(TaskGroupError);
        expect(e.errors.map((x: Error) => x.message)).to.deep.equal(["child failed while cancelled", "body failed"]);
      });
    });
  });

  it("misuse: createTask() outside run() or after it, run() twice, run(42)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const tg = new TaskGroup();
        expect(() => tg.createTask(() => asyncio.sleep(0))).to.throw(RuntimeError, /not running/);
        await tg.run(async () => {});
        expect(() => tg.createTask(() => asyncio.sleep(0))).to.throw(RuntimeError, /has finished/);
        expect(await errorOf(() => tg.run(async () => {}))).to.be.instanceOf(RuntimeError);
        const e = await errorOf(() => new TaskGroup().run(42 as never));
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.equal("TaskGroup.run(): expected body (a function), got number 42");
        // While shutting down, new children are refused (and never run).
        let ran = false;
        const e2 = await errorOf(() => taskGroup(async (tg2) => {
          tg2.createTask(async () => {
            throw new Error("first");
          });
          try {
            await asyncio.sleep(1);
          } catch {
            tg2.createTask(async () => {
              ran = true;
            });
          }
        }));
        expect(e2).to.be.instanceOf(TaskGroupError);
        expect(e2.errors.map((x: Error) => x.message)).to.deep.equal(["first", "TaskGroup.createTask(): the group is shutting down"]);
        await asyncio.sleep(0);
        expect(ran).to.equal(false);
      });
    });
  });
});

describe("timeout() / timeoutMs()", () => {
  it("returns the body's value when it finishes in time; the deadline leaves the timer heap", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const v = await timeout(1, async () => {
          await asyncio.sleep(0.2);
          return "done";
        });
        expect(v).to.equal("done");
        expect(host.now()).to.equal(200);
        expect(await timeoutMs(null, async () => 5)).to.equal(5);
      });
      expect(host.now()).to.equal(200); // no leftover deadline kept the loop busy
    });
  });

  it("cancels a slow body and raises TimeoutError at the deadline; the body sees CancelledError", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const e = await errorOf(() => timeoutMs(300, async () => {
          try {
            await asyncio.sleep(10);
          } catch (er) {
            log.push(`body ${(er as Error).name} at ${host.now()}`);
            throw er;
          }
        }));
        expect(e).to.be.instanceOf(TimeoutError);
        log.push(`TimeoutError at ${host.now()}`);
      });
      expect(log).to.deep.equal(["body CancelledError at 300", "TimeoutError at 300"]);
    });
  });

  it("a body that swallows the cancellation or raises another error is taken at its word (CPython)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const v = await timeout(0.1, async () => {
          try {
            await asyncio.sleep(10);
            return "finished";
          } catch {
            return "gave up";
          }
        });
        expect(v).to.equal("gave up");
        const e = await errorOf(() => timeout(0.1, async () => {
          try {
            await asyncio.sleep(10);
          } catch {
            throw new RangeError("cleanup failed");
          }
        }));
        expect(e).to.be.instanceOf(RangeError);
      });
    });
  });

  it("when the task awaiting timeout() is cancelled, CancelledError propagates (not TimeoutError)", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const t = asyncio.createTask(() => timeout(1, async () => {
          try {
            await asyncio.sleep(10);
          } catch (e) {
            log.push(`body ${(e as Error).name} at ${host.now()}`);
            try {
              await asyncio.sleep(2); // slow cleanup; the deadline (1 s) still cancels it, as in CPython
            } catch {
              log.push(`cleanup cancelled at ${host.now()}`);
            }
            throw e;
          }
        }));
        await asyncio.sleep(0.5);
        t.cancel();
        const e = await errorOf(() => t);
        expect(e).to.be.instanceOf(CancelledError);
        log.push(`outer ${e.name} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["body CancelledError at 500", "cleanup cancelled at 1000", "outer CancelledError at 1000"]);
    });
  });

  it("timeout(0) lets the body run to its first await, then times out; nesting works", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const e = await errorOf(() => timeout(0, async () => {
          log.push("body started");
          await asyncio.sleep(1);
          log.push("never");
        }));
        expect(e).to.be.instanceOf(TimeoutError);
        const inner = await errorOf(() => timeout(5, () => timeout(0.1, () => asyncio.sleep(1))));
        expect(inner).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(100);
        const outer = await errorOf(() => timeout(0.1, async () => {
          try {
            await timeout(5, () => asyncio.sleep(1));
          } catch (er) {
            log.push(`inner scope saw ${(er as Error).name}`);
            throw er;
          }
        }));
        expect(outer).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(200);
      });
      expect(log).to.deep.equal(["body started", "inner scope saw CancelledError"]);
    });
  });

  it("bad input: NaN/strings are TypeErrors, Infinity a RangeError, a non-function body a TypeError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const nan = await errorOf(() => timeout(NaN, async () => {}));
        expect(nan).to.be.instanceOf(TypeError);
        expect(nan.message).to.equal("timeout: expected a number of seconds, got NaN");
        expect(await errorOf(() => timeoutMs("5" as never, async () => {}))).to.be.instanceOf(TypeError);
        const inf = await errorOf(() => timeoutMs(Infinity, async () => {}));
        expect(inf).to.be.instanceOf(RangeError);
        const body = await errorOf(() => timeout(1, 42 as never));
        expect(body).to.be.instanceOf(TypeError);
        expect(body.message).to.equal("timeout(): expected body (a function), got number 42");
      });
    });
  });
});

