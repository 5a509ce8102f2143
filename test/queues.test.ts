import { expect } from "chai";
import asyncio, {
  CancelledError, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown, RingbufQueue, RuntimeError,
  ThreadSafeQueue, TimeoutError, type Task,
} from "asyncio";
import { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";

// Issue 14: the queue family. PriorityQueue and LifoQueue are Queue with
// another storage (one waiting mechanism), Queue.shutdown() is CPython 3.13's,
// ThreadSafeQueue is Hinch's over RingbufQueue.

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

/** A task that logs `${id} got ${item}` or `${id} ${error name}`. */
function getter<T>(log: string[], id: string, q: { get(): Promise<T> }): Task<void> {
  return asyncio.createTask(async () => {
    try {
      log.push(`${id} got ${String(await q.get())}`);
    } catch (e) {
      log.push(`${id} ${(e as Error).name}`);
    }
  });
}

function putter<T>(log: string[], id: string, q: { put(item: T): Promise<void> }, item: T): Task<void> {
  return asyncio.createTask(async () => {
    try {
      await q.put(item);
      log.push(`${id} put`);
    } catch (e) {
      log.push(`${id} ${(e as Error).name}`);
    }
  });
}

/** Deterministic pseudo-random numbers (xorshift32), for the heap's model test. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

describe("PriorityQueue (CPython's, FIFO among equal priorities)", () => {
  it("gives the smallest priority first; equal priorities in the order they were put; the item comes back as put", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new PriorityQueue<[number, string]>();
        const items: [number, string][] = [[3, "c"], [1, "a1"], [2, "b"], [1, "a2"], [-Infinity, "first"], [Infinity, "last"], [1, "a3"], [0.5, "half"], [-2, "neg"]];
        for (const it of items) q.putNowait(it);
        expect(q.qsize()).to.equal(items.length);
        const out: [number, string][] = [];
        while (!q.empty()) out.push(q.getNowait());
        expect(out.map((x) => x[1])).to.deep.equal(["first", "neg", "half", "a1", "a2", "a3", "b", "c", "last"]);
        expect(out[3]).to.equal(items[1]); // the same array
        // CPython's (priority, count, value) entries work too: the count is just ignored.
        const q3 = new PriorityQueue<[number, number, string]>();
        q3.putNowait([2, 0, "x"]);
        q3.putNowait([1, 1, "y"]);
        expect(q3.getNowait()[2]).to.equal("y");
        expect(await q3.get()).to.deep.equal([2, 0, "x"]);
      });
    });
  });

  it("matches a stable sort under random interleaved puts and gets (a model check of the heap)", () => {
    const rand = rng(12345);
    const q = new PriorityQueue<[number, number]>();
    let model: [number, number][] = [];
    let n = 0;
    for (let step = 0; step < 5000; step++) {
      if (rand() < 0.55 || model.length === 0) {
        const item: [number, number] = [Math.floor(rand() * 8), n++];
        q.putNowait(item);
        model.push(item);
        model = model.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      } else {
        expect(q.getNowait()).to.equal(model.shift());
      }
      expect(q.qsize()).to.equal(model.length);
    }
    while (model.length) expect(q.getNowait()).to.equal(model.shift());
    expect(q.empty()).to.equal(true);
  });

  it("reads the priority once: changing item[0] after put() does not reorder or break the queue", () => {
    const q = new PriorityQueue<[number, string]>();
    const a: [number, string] = [5, "a"];
    q.putNowait(a);
    q.putNowait([3, "b"]);
    q.putNowait([4, "c"]);
    a[0] = 0;
    expect([q.getNowait()[1], q.getNowait()[1], q.getNowait()[1]]).to.deep.equal(["b", "c", "a"]);
  });

  it("contention: waiting getters are served in arrival order, each taking the best item when it resumes", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new PriorityQueue<[number, string]>();
        const gs = ["g1", "g2", "g3"].map((id) => getter(log, id, { get: async () => (await q.get())[1] }));
        await asyncio.sleep(0);
        q.putNowait([5, "five"]);
        q.putNowait([1, "one"]); // both queued before any getter resumes: g1 takes the best
        q.putNowait([3, "three"]);
        await asyncio.gather(gs);
      });
      expect(log).to.deep.equal(["g1 got one", "g2 got three", "g3 got five"]);
    });
  });

  it("bounded: put() waits while full, putNowait() throws QueueFull naming PriorityQueue", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new PriorityQueue<[number, string]>(2);
        q.putNowait([2, "b"]);
        q.putNowait([1, "a"]);
        expect(q.full()).to.equal(true);
        const e = await errorOf(() => q.putNowait([0, "z"]));
        expect(e).to.be.instanceOf(QueueFull);
        expect(e.message).to.equal("PriorityQueue.putNowait(): the queue is full (maxsize 2)");
        asyncio.createTask(async () => {
          await q.put([0, "z"]);
          log.push(`put z at ${host.now()}`);
        });
        await asyncio.sleep(0.1);
        log.push(`got ${(await q.get())[1]} at ${host.now()}`);
        await asyncio.sleep(0);
        log.push(`got ${(await q.get())[1]} at ${host.now()}`);
        log.push(`got ${(await q.get())[1]} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["got a at 100", "put z at 100", "got z at 100", "got b at 100"]);
    });
  });

  it("a cancelled get() takes no item and a cancelled put() adds none, whether waiting or woken", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new PriorityQueue<[number, string]>(1);
        const b = getter(log, "b", q);
        const c = getter(log, "c", { get: async () => (await q.get())[1] });
        await asyncio.sleep(0);
        q.putNowait([1, "x"]); // wakes b
        b.cancel(); // before it resumed: c takes x
        await yields(3);
        const d = getter(log, "d", q);
        await asyncio.sleep(0);
        d.cancel(); // while waiting
        await asyncio.sleep(0);
        q.putNowait([2, "held"]);
        expect(q.qsize()).to.equal(1);
        const p1 = putter(log, "p1", q, [0, "p1"]);
        const p2 = putter(log, "p2", q, [0, "p2"]);
        await asyncio.sleep(0);
        expect(q.getNowait()[1]).to.equal("held"); // wakes p1
        p1.cancel(); // its wake-up passes to p2
        await yields(3);
        expect([c.done(), p1.done(), p2.done()]).to.deep.equal([true, true, true]);
        expect(q.qsize()).to.equal(1);
        expect(q.getNowait()[1]).to.equal("p2");
      });
      expect(log).to.deep.equal(["b CancelledError", "c got x", "d CancelledError", "p1 CancelledError", "p2 put"]);
    });
  });

  it("waitFor(q.get(), …) times out without losing an item; taskDone()/join() as Queue's", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const q = new PriorityQueue<[number, string]>();
        expect(await errorOf(() => asyncio.waitFor(q.get(), 0.1))).to.be.instanceOf(TimeoutError);
        q.putNowait([2, "b"]);
        q.putNowait([1, "a"]);
        asyncio.createTask(async () => {
          for (;;) {
            await q.get();
            await asyncio.sleep(0.1);
            q.taskDone();
          }
        });
        await q.join();
        expect(host.now()).to.equal(300);
        expect(() => q.taskDone()).to.throw(RuntimeError, "PriorityQueue.taskDone(): called more times than there were items");
      });
    });
  });

  it("bad input: TypeError naming the call for anything but a [number, …] array; RangeError for a bad maxsize", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new PriorityQueue(1);
        const bad: [unknown, RegExp][] = [
          [5, /PriorityQueue.putNowait\(\): expected a \[priority, value\] array with a number as priority, got number 5/],
          [[], /got a priority of undefined/],
          [["1", "x"], /got a priority of string "1"/],
          [[NaN, "x"], /got a priority of number NaN/],
          [null, /got null/],
          [{ 0: 1, length: 1 }, /got /],
        ];
        for (const [item, message] of bad) {
          expect(() => q.putNowait(item as never), String(item)).to.throw(TypeError, message);
        }
        const thenable = Object.assign([1, "x"], { then: () => undefined });
        expect(() => q.putNowait(thenable as never)).to.throw(TypeError, /PriorityQueue.putNowait\(\): cannot queue a Task, a promise or another thenable/);
        q.putNowait([1, "fills it"]);
        // put() refuses at once, even on a full queue (it does not wait first).
        const e = await errorOf(() => q.put(["high", "x"] as never));
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/^PriorityQueue.put\(\): expected a \[priority, value\] array/);
        expect(q.qsize()).to.equal(1);
        expect(() => new PriorityQueue(-1)).to.throw(RangeError, "PriorityQueue: maxsize must be an integer >= 0, got -1");
        expect(() => new PriorityQueue("2" as never)).to.throw(TypeError, 'PriorityQueue: expected maxsize as a number, got string "2"');
      });
    });
  });
});

describe("LifoQueue (CPython's)", () => {
  it("gives the newest item first; waits and errors as Queue, naming LifoQueue", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new LifoQueue<number>(3);
        for (const x of [1, 2, 3]) q.putNowait(x);
        expect([q.qsize(), q.full(), q.maxsize]).to.deep.equal([3, true, 3]);
        expect((await errorOf(() => q.putNowait(4))).message).to.equal("LifoQueue.putNowait(): the queue is full (maxsize 3)");
        expect([q.getNowait(), await q.get(), q.getNowait()]).to.deep.equal([3, 2, 1]);
        expect((await errorOf(() => q.getNowait())).message).to.equal("LifoQueue.getNowait(): the queue is empty");
        asyncio.createTask(async () => {
          await asyncio.sleep(0.05);
          q.putNowait(10);
          q.putNowait(20);
        });
        log.push(`got ${await q.get()} at ${host.now()}`); // woken by 10, but 20 is newest when it resumes
        log.push(`got ${q.getNowait()}`);
      });
      expect(log).to.deep.equal(["got 20 at 50", "got 10"]);
    });
  });

  it("contention: getters in arrival order; producers on a bounded stack lose nothing", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      const got: number[] = [];
      await asyncio.run(async () => {
        const q = new LifoQueue<number>(2);
        const gs = ["g1", "g2"].map((id) => getter(log, id, q));
        await asyncio.sleep(0);
        q.putNowait(1);
        await asyncio.sleep(0);
        q.putNowait(2);
        await asyncio.gather(gs);
        const producers = [0, 1, 2].map((p) => asyncio.createTask(async () => {
          for (let i = 0; i < 4; i++) await q.put(p * 10 + i);
        }));
        for (let i = 0; i < 12; i++) got.push(await q.get());
        await asyncio.gather(producers);
      });
      expect(log).to.deep.equal(["g1 got 1", "g2 got 2"]);
      expect(got.slice().sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    });
  });

  it("a cancelled get() takes no item and a cancelled put() adds none", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new LifoQueue<string>(1);
        const a = getter(log, "a", q);
        await asyncio.sleep(0);
        q.putNowait("x"); // wakes a
        a.cancel(); // nobody else waits: x stays
        await yields(2);
        expect(q.qsize()).to.equal(1);
        const p = putter(log, "p", q, "p");
        await asyncio.sleep(0);
        p.cancel();
        await asyncio.sleep(0);
        expect([q.qsize(), q.getNowait()]).to.deep.equal([1, "x"]);
      });
      expect(log).to.deep.equal(["a CancelledError", "p CancelledError"]);
    });
  });

  it("bad input: a thenable item is a TypeError naming LifoQueue; maxsize as Queue", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new LifoQueue();
        expect(() => q.putNowait(Promise.resolve(1))).to.throw(TypeError, /^LifoQueue.putNowait\(\): cannot queue a Task/);
        expect((await errorOf(() => q.put(asyncio.currentTask()))).message).to.match(/^LifoQueue.put\(\): cannot queue a Task/);
        expect(q.qsize()).to.equal(0);
        expect(() => new LifoQueue(1.5)).to.throw(RangeError, "LifoQueue: maxsize must be an integer >= 0, got 1.5");
      });
    });
  });
});

const kinds: [string, () => Queue<any>, (n: number) => any][] = [
  ["Queue", () => new Queue(2), (n) => n],
  ["LifoQueue", () => new LifoQueue(2), (n) => n],
  ["PriorityQueue", () => new PriorityQueue(2), (n) => [n, n]],
];

for (const [kind, make, item] of kinds) {
  describe(`${kind}.shutdown() (CPython 3.13)`, () => {
    it("put()/putNowait() throw QueueShutDown; get() hands out what is left, then throws QueueShutDown", async () => {
      await onVirtualTime(async () => {
        await asyncio.run(async () => {
          const q = make();
          q.putNowait(item(1));
          q.shutdown();
          const e = await errorOf(() => q.putNowait(item(2)));
          expect(e).to.be.instanceOf(QueueShutDown);
          expect(e.name).to.equal("QueueShutDown");
          expect(e.message).to.equal(`${kind}.putNowait(): the queue is shut down`);
          expect((await errorOf(() => q.put(item(2)))).message).to.equal(`${kind}.put(): the queue is shut down`);
          expect(q.qsize()).to.equal(1);
          expect(await q.get()).to.deep.equal(item(1));
          const g = await errorOf(() => q.get());
          expect(g).to.be.instanceOf(QueueShutDown);
          expect(g.message).to.equal(`${kind}.get(): the queue is shut down and empty`);
          expect(await errorOf(() => q.getNowait())).to.be.instanceOf(QueueShutDown); // not QueueEmpty
          q.shutdown(); // again: harmless
          q.taskDone();
          expect(await q.join()).to.equal(true);
        });
      });
    });

    it("wakes every waiting getter and putter with QueueShutDown", async () => {
      await onVirtualTime(async () => {
        const log: string[] = [];
        await asyncio.run(async () => {
          const empty = make();
          const gs = ["g1", "g2"].map((id) => getter(log, id, empty));
          const full = make();
          full.putNowait(item(1));
          full.putNowait(item(2));
          const ps = ["p1", "p2"].map((id) => putter(log, id, full, item(3)));
          await asyncio.sleep(0);
          empty.shutdown();
          full.shutdown();
          await asyncio.gather([...gs, ...ps]);
          expect(full.qsize()).to.equal(2);
        });
        expect(log).to.deep.equal(["g1 QueueShutDown", "g2 QueueShutDown", "p1 QueueShutDown", "p2 QueueShutDown"]);
      });
    });

    it("immediate: empties the queue, counts the removed items done (join() returns), getters fail at once", async () => {
      await onVirtualTime(async (host) => {
        const log: string[] = [];
        await asyncio.run(async () => {
          const q = make();
          q.putNowait(item(1));
          q.putNowait(item(2));
          const blocked = putter(log, "p", q, item(3));
          const joiner = asyncio.createTask(async () => {
            await q.join();
            log.push(`joined at ${host.now()}`);
          });
          await asyncio.sleep(0.1);
          q.shutdown(true);
          expect(q.qsize()).to.equal(0);
          await asyncio.gather([blocked, joiner]);
          expect(await errorOf(() => q.get())).to.be.instanceOf(QueueShutDown);
          expect(() => q.taskDone()).to.throw(RuntimeError); // the drained items were counted, once
        });
        // join()'s event is set before the waiters are woken, as in CPython.
        expect(log).to.deep.equal(["joined at 100", "p QueueShutDown"]);
      });
    });

    it("immediate: an item taken before still holds join() until its taskDone()", async () => {
      await onVirtualTime(async (host) => {
        const log: string[] = [];
        await asyncio.run(async () => {
          const q = make();
          q.putNowait(item(1));
          q.putNowait(item(2));
          await q.get();
          const joiner = asyncio.createTask(async () => {
            await q.join();
            log.push(`joined at ${host.now()}`);
          });
          await asyncio.sleep(0.1);
          q.shutdown(true);
          await asyncio.sleep(0.1);
          log.push("still joining");
          q.taskDone();
          await joiner;
        });
        expect(log).to.deep.equal(["still joining", "joined at 200"]);
      });
    });

    it("shutdown(true) after shutdown() still empties the queue", () => {
      const q = make();
      q.putNowait(item(1));
      q.shutdown();
      expect(q.qsize()).to.equal(1);
      q.shutdown(true);
      expect(q.qsize()).to.equal(0);
    });
  });
}

describe("Queue.shutdown(): races and cancellation", () => {
  it("a getter woken by put() before shutdown() still takes its item; after shutdown(true) it gets QueueShutDown", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>();
        getter(log, "a", q);
        await asyncio.sleep(0);
        q.putNowait("x"); // wakes a
        q.shutdown();
        await yields(2);
        const q2 = new Queue<string>();
        getter(log, "b", q2);
        await asyncio.sleep(0);
        q2.putNowait("y"); // wakes b
        q2.shutdown(true); // takes y away before b resumes
        await yields(2);
        expect(q2.qsize()).to.equal(0);
      });
      expect(log).to.deep.equal(["a got x", "b QueueShutDown"]);
    });
  });

  it("a waiter woken by shutdown() and cancelled before it resumes gets CancelledError and disturbs nothing", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new Queue<string>(1);
        const a = getter(log, "a", q);
        const b = getter(log, "b", q);
        await asyncio.sleep(0);
        q.shutdown();
        a.cancel();
        await yields(3);
        const full = new Queue<string>(1);
        full.putNowait("held");
        const p = putter(log, "p", full, "p");
        const r = putter(log, "r", full, "r");
        await asyncio.sleep(0);
        full.shutdown();
        p.cancel();
        await yields(3);
        expect([a.done(), b.done(), p.done(), r.done()]).to.deep.equal([true, true, true, true]);
        expect([full.qsize(), full.getNowait()]).to.deep.equal([1, "held"]);
      });
      expect(log).to.deep.equal(["a CancelledError", "b QueueShutDown", "p CancelledError", "r QueueShutDown"]);
    });
  });

  it("is safe from a host callback outside any task: it wakes the waiting getter at the next turn", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      const q = new Queue<string>();
      host.at(100, () => q.shutdown());
      await asyncio.run(async () => {
        const e = await errorOf(() => q.get());
        log.push(`${e.name} at ${host.now()}`);
      });
      expect(log).to.deep.equal(["QueueShutDown at 100"]);
    });
  });

  it("waitFor() around a get() woken by shutdown() gives QueueShutDown, not TimeoutError", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const q = new Queue<string>();
        asyncio.createTask(async () => {
          await asyncio.sleep(0.05);
          q.shutdown();
        });
        expect(await errorOf(() => asyncio.waitFor(q.get(), 1))).to.be.instanceOf(QueueShutDown);
      });
    });
  });

  it("bad input: shutdown('yes') is a TypeError naming the call", () => {
    const q = new PriorityQueue();
    expect(() => q.shutdown("yes" as never)).to.throw(TypeError, 'PriorityQueue.shutdown(): expected immediate as a boolean, got string "yes"');
    expect(() => new Queue().shutdown(1 as never)).to.throw(TypeError, /^Queue.shutdown\(\): expected immediate as a boolean, got number 1/);
  });
});

describe("ThreadSafeQueue (Hinch's)", () => {
  it("putSync()/getSync() with qsize/empty/full; a full queue refuses the NEW item (RingbufQueue drops the oldest)", () => {
    const q = new ThreadSafeQueue<number>(3);
    expect(q).to.be.instanceOf(RingbufQueue);
    expect([q.capacity, q.qsize(), q.empty(), q.full()]).to.deep.equal([3, 0, true, false]);
    for (const x of [1, 2, 3]) q.putSync(x);
    expect([q.qsize(), q.empty(), q.full()]).to.deep.equal([3, false, true]);
    const e = errorOfSync(() => q.putSync(4));
    expect(e).to.be.instanceOf(QueueFull);
    expect(e.message).to.equal("ThreadSafeQueue.putSync(): the queue is full (capacity 3); the item was not stored");
    expect([q.getSync(), q.getSync(), q.getSync()]).to.deep.equal([1, 2, 3]);
    const empty = errorOfSync(() => q.getSync());
    expect(empty).to.be.instanceOf(QueueEmpty);
    expect(empty.message).to.equal("ThreadSafeQueue.getSync(): the queue is empty");
    const ring = new RingbufQueue<number>(1);
    ring.putNowait(1);
    expect(() => ring.putNowait(2)).to.throw(QueueFull);
    expect(ring.getNowait()).to.equal(2);
  });

  it("items putSync() from host callbacks reach `for await` in order, at the callbacks' times", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      const q = new ThreadSafeQueue<string>(4);
      host.at(100, () => q.putSync("irq1"));
      host.at(250, () => {
        q.putSync("irq2");
        q.putSync("irq3");
      });
      await asyncio.run(async () => {
        for await (const x of q) {
          log.push(`${x} at ${host.now()}`);
          if (x === "irq3") break;
        }
      });
      expect(log).to.deep.equal(["irq1 at 100", "irq2 at 250", "irq3 at 250"]);
    });
  });

  it("put() waits while full; getSync() from a host callback makes room and wakes it", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      const q = new ThreadSafeQueue<number>(2);
      host.at(100, () => log.push(`irq took ${q.getSync()}`));
      host.at(200, () => log.push(`irq took ${q.getSync()}`));
      await asyncio.run(async () => {
        for (let i = 0; i < 4; i++) {
          await q.put(i);
          log.push(`put ${i} at ${host.now()}`);
        }
      });
      expect(log).to.deep.equal(["put 0 at 0", "put 1 at 0", "irq took 0", "put 2 at 100", "irq took 1", "put 3 at 200"]);
      expect([q.getSync(), q.getSync()]).to.deep.equal([2, 3]);
    });
  });

  it("contention: several getter tasks served in order; a cancelled get() takes nothing, a cancelled put() adds nothing", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const q = new ThreadSafeQueue<string>(1);
        const a = getter(log, "a", q);
        getter(log, "b", q);
        getter(log, "c", q);
        await asyncio.sleep(0);
        q.putSync("x"); // handed to a
        a.cancel(); // before a resumed: x goes to b
        await yields(3);
        q.putSync("y");
        await yields(3);
        q.putSync("held");
        const p = putter(log, "p", q, "p");
        await asyncio.sleep(0);
        p.cancel();
        await asyncio.sleep(0);
        expect([q.qsize(), q.getSync()]).to.deep.equal([1, "held"]);
        expect(q.empty()).to.equal(true);
      });
      expect(log).to.deep.equal(["a CancelledError", "b got x", "c got y", "p CancelledError"]);
    });
  });

  it("bad input: block = true is a RuntimeError (one thread: it could never end); other values, thenables and capacities are typed errors", async () => {
    const q = new ThreadSafeQueue(2);
    expect(() => q.putSync(1, true)).to.throw(RuntimeError, /^ThreadSafeQueue.putSync\(\): cannot block/);
    expect(() => q.getSync(true)).to.throw(RuntimeError, /^ThreadSafeQueue.getSync\(\): cannot block/);
    expect(() => q.putSync(1, "yes" as never)).to.throw(TypeError, 'ThreadSafeQueue.putSync(): expected block as a boolean, got string "yes"');
    expect(() => q.getSync(1 as never)).to.throw(TypeError, /^ThreadSafeQueue.getSync\(\): expected block as a boolean/);
    expect(() => q.putSync(Promise.resolve(1))).to.throw(TypeError, /^ThreadSafeQueue.putSync\(\): cannot queue a Task, a promise/);
    expect(q.qsize()).to.equal(0);
    q.putSync(1, false);
    expect(q.getSync(false)).to.equal(1);
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const e = await errorOf(() => q.put(Promise.resolve(2)));
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/^ThreadSafeQueue.put\(\): cannot queue/);
      });
    });
    expect(() => new ThreadSafeQueue(0)).to.throw(RangeError, "ThreadSafeQueue: capacity must be an integer >= 1, got 0");
    expect(() => new ThreadSafeQueue("8" as never)).to.throw(TypeError, 'ThreadSafeQueue: expected capacity as a number, got string "8"');
    expect(() => new ThreadSafeQueue(1e9)).to.throw(RangeError, /ThreadSafeQueue: capacity must be at most 65536/);
    expect(CancelledError).to.be.a("function");
  });
});

function errorOfSync(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

// Cancel safety under load, on the three virtual hosts cancel_safety.test.ts
// uses: producers and consumers with random limits and random cancel()s;
// every item put is got exactly once or is still queued, and no waiter is
// left behind. Then shutdown(true) with tasks waiting.
const hosts: [string, () => VirtualHost][] = [
  ["exact turns", () => new VirtualHost()],
  ["time moves between turns", () => new VirtualHost({ turnCost: 1 })],
  ["turns between promise jobs", () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) })],
];

function lineLengths(q: object): [number, number] {
  const inner = q as { getters: unknown[]; putters: unknown[] };
  return [inner.getters.length, inner.putters.length];
}

for (const [label, makeHost] of hosts) {
  describe(`queue family under random cancels and timeouts (${label})`, () => {
    for (const [kind, make, item] of kinds) {
      it(`${kind}: nothing lost, nothing taken twice, no waiter left; then shutdown(true) releases every waiter`, async () => {
        const host = makeHost();
        await withHost(host, async (loop) => {
          const reports: unknown[] = [];
          loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
          const rand = rng(7 + kind.length);
          const put: number[] = [];
          const got: number[] = [];
          const key = (x: any): number => (Array.isArray(x) ? x[1] : x);
          await asyncio.run(async () => {
            const q = make();
            const tasks: Task<void>[] = [];
            for (let p = 0; p < 12; p++) {
              tasks.push(asyncio.createTask(async () => {
                for (let i = 0; i < 6; i++) {
                  const n = p * 100 + i;
                  try {
                    if (rand() < 0.5) await asyncio.waitForMs(q.put(item(n)), Math.floor(rand() * 4));
                    else await q.put(item(n));
                    put.push(n);
                  } catch (e) {
                    if (!(e instanceof TimeoutError || e instanceof CancelledError)) throw e;
                    if (e instanceof CancelledError) return;
                  }
                  await asyncio.sleepMs(Math.floor(rand() * 3));
                }
              }));
            }
            for (let c = 0; c < 6; c++) {
              tasks.push(asyncio.createTask(async () => {
                for (;;) {
                  try {
                    const x = rand() < 0.5 ? await asyncio.waitForMs(q.get(), Math.floor(rand() * 4)) : await q.get();
                    got.push(key(x));
                  } catch (e) {
                    if (e instanceof CancelledError) return;
                    if (!(e instanceof TimeoutError)) throw e;
                  }
                  await asyncio.sleepMs(Math.floor(rand() * 3));
                }
              }));
            }
            for (let i = 0; i < 30; i++) {
              await asyncio.sleepMs(1);
              if (rand() < 0.3) tasks[Math.floor(rand() * tasks.length)].cancel();
            }
            await asyncio.sleepMs(50);
            for (const t of tasks.slice(12)) t.cancel(); // the consumers
            await asyncio.wait(tasks);
            for (const t of tasks) if (!t.cancelled()) expect(t.exception()).to.equal(null);
            expect(lineLengths(q)).to.deep.equal([0, 0]);
            while (!q.empty()) got.push(key(q.getNowait()));
            expect(got.slice().sort((a, b) => a - b)).to.deep.equal(put.slice().sort((a, b) => a - b));
            expect(put.length).to.be.greaterThan(10);

            // shutdown(true) with waiters on both sides of two queues.
            const full = make();
            full.putNowait(item(1));
            full.putNowait(item(2));
            const empty = make();
            const waiting = [
              ...[0, 1, 2].map(() => asyncio.createTask(() => full.put(item(3)))),
              ...[0, 1, 2].map(() => asyncio.createTask(() => empty.get())),
            ];
            await asyncio.sleepMs(1);
            waiting[0].cancel();
            waiting[3].cancel();
            full.shutdown(true);
            empty.shutdown(true);
            waiting[1].cancel(); // woken by the shutdown, cancelled before it resumed
            waiting[4].cancel();
            await asyncio.wait(waiting);
            expect(waiting.map((t) => (t.cancelled() ? "cancelled" : (t.exception() as Error).name))).to.deep.equal([
              "cancelled", "cancelled", "QueueShutDown", "cancelled", "cancelled", "QueueShutDown",
            ]);
            expect([lineLengths(full), lineLengths(empty), full.qsize()]).to.deep.equal([[0, 0], [0, 0], 0]);
            expect(await full.join()).to.equal(true);
          });
          expect(reports).to.deep.equal([]);
          expect(host.reports).to.deep.equal([]);
        });
      });
    }

    it("ThreadSafeQueue: items from host callbacks are got exactly once despite cancelled and timed-out gets", async () => {
      const host = makeHost();
      await withHost(host, async (loop) => {
        const reports: unknown[] = [];
        loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
        const rand = rng(99);
        const q = new ThreadSafeQueue<number>(4);
        const sent: number[] = [];
        const got: number[] = [];
        let refused = 0;
        for (let i = 0; i < 60; i++) {
          host.at(i, () => {
            try {
              q.putSync(i);
              sent.push(i);
            } catch (e) {
              if (!(e instanceof QueueFull)) throw e;
              refused++; // by design: a full queue refuses the new item
            }
          });
        }
        await asyncio.run(async () => {
          const consumers = [0, 1, 2].map(() => asyncio.createTask(async () => {
            for (;;) {
              try {
                got.push(rand() < 0.5 ? await asyncio.waitForMs(q.get(), Math.floor(rand() * 3)) : await q.get());
              } catch (e) {
                if (e instanceof CancelledError) return;
                if (!(e instanceof TimeoutError)) throw e;
              }
              await asyncio.sleepMs(Math.floor(rand() * 4));
            }
          }));
          for (let i = 0; i < 20; i++) {
            await asyncio.sleepMs(2);
            if (rand() < 0.3) {
              const k = Math.floor(rand() * consumers.length);
              consumers[k].cancel();
              await asyncio.sleep(0);
              consumers[k] = asyncio.createTask(async () => {
                for (;;) got.push(await q.get());
              });
            }
          }
          await asyncio.sleepMs(80);
          for (const t of consumers) t.cancel();
          await asyncio.wait(consumers);
          for (const t of consumers) if (!t.cancelled()) expect(t.exception()).to.equal(null);
          while (!q.empty()) got.push(q.getSync());
        });
        expect(got.slice().sort((a, b) => a - b)).to.deep.equal(sent);
        expect(sent.length + refused).to.equal(60);
        expect(sent.length).to.be.greaterThan(4);
        expect(reports).to.deep.equal([]);
        expect(host.reports).to.deep.equal([]);
      });
    });
  });
}
