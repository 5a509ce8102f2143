import { expect } from "chai";
import asyncio, {
  Agent, Broker, CancelledError, Event, Message, Queue, QueueFull, RingbufQueue, Sequence, TimeoutError, cron, range, schedule,
  type ExceptionContext, type Loop, type Task,
} from "asyncio";
import { onVirtualTime, withHost } from "./helpers";
import { GlobalTimersHost } from "../modules/asyncio/host";

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

/** The loop's reports, kept instead of printed. */
function collect(loop: Loop): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
  return reports;
}

const waitingOf = (x: object): unknown[] => (x as any).waiting;
const heapSize = (loop: Loop): number => (loop as any).sleepers.size;

describe("Message (Hinch)", () => {
  it("wait() and `await msg` resolve with the data; isSet/value/clear; wait() is immediate while set", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const msg = new Message<string>();
        expect([msg.isSet(), msg.value()]).to.deep.equal([false, undefined]);
        const got: string[] = [];
        asyncio.createTask(async () => void got.push(`wait ${await msg.wait()} at ${host.now()}`));
        asyncio.createTask(async () => void got.push(`await ${await msg} at ${host.now()}`));
        await asyncio.sleep(0.1);
        expect(got).to.deep.equal([]);
        msg.set("hello");
        expect([msg.isSet(), msg.value()]).to.deep.equal([true, "hello"]);
        await yields(3);
        expect(got).to.deep.equal(["wait hello at 100", "await hello at 100"]);
        expect(await msg).to.equal("hello"); // still set
        msg.clear();
        expect([msg.isSet(), msg.value()]).to.deep.equal([false, "hello"]);
        const late = asyncio.createTask(() => msg.wait());
        await yields(2);
        expect(late.done()).to.equal(false);
        msg.set();
        expect(await late).to.equal(undefined);
      });
    });
  });

  it("releases every waiter (contention); a second set() before they resume overwrites: all get the newest data", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const msg = new Message<number>();
        const waiters = Array.from({ length: 5 }, () => asyncio.createTask(() => msg.wait()));
        await asyncio.sleep(0);
        msg.set(1);
        msg.set(2);
        expect(await asyncio.gather(waiters)).to.deep.equal([2, 2, 2, 2, 2]);
        expect(waitingOf(msg)).to.have.length(0);
      });
    });
  });

  it("set() from a host callback (a pin interrupt) wakes the waiter at that time, outside any task", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const msg = new Message<string>();
        host.at(250, () => msg.set("irq"));
        host.at(500, () => msg.set("again"));
        const seen: string[] = [];
        for await (const data of msg) {
          msg.clear();
          seen.push(`${data} at ${host.now()}`);
          if (seen.length === 2) break;
        }
        expect(seen).to.deep.equal(["irq at 250", "again at 500"]);
      });
    });
  });

  it("cancellation: a cancelled waiter takes nothing and leaves nothing; one cancelled after the set gets CancelledError, the others the data", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const msg = new Message<string>();
        const parked = asyncio.createTask(() => msg.wait());
        const other = asyncio.createTask(() => msg.wait());
        await asyncio.sleep(0);
        parked.cancel();
        expect(await errorOf(() => parked)).to.be.instanceOf(CancelledError);
        expect(waitingOf(msg)).to.have.length(1);
        const released = asyncio.createTask(() => msg.wait());
        await asyncio.sleep(0);
        msg.set("x");
        released.cancel(); // released, not resumed yet
        expect(await errorOf(() => released)).to.be.instanceOf(CancelledError);
        expect(await other).to.equal("x");
        expect(msg.isSet()).to.equal(true);

        msg.clear();
        expect(await errorOf(() => asyncio.waitForMs(msg.wait(), 50))).to.be.instanceOf(TimeoutError);
        // A Promise.race polling loop shares its parked waiter: nothing piles up.
        for (let i = 0; i < 100; i++) await Promise.race([msg.wait(), asyncio.sleepMs(1)]);
        expect(waitingOf(msg)).to.have.length(1);
        msg.set("end");
        await asyncio.sleep(0);
        expect(waitingOf(msg)).to.have.length(0);
        expect(heapSize(asyncio.getEventLoop())).to.equal(0);
      });
    });
  });

  it("bad input: set() with a thenable is a TypeError naming Message.set(), and changes nothing", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const msg = new Message<unknown>();
        const task = asyncio.createTask(async () => 1);
        expect(() => msg.set(task)).to.throw(TypeError, /Message\.set\(\): cannot carry .*thenable/);
        expect(() => msg.set(Promise.resolve(1))).to.throw(TypeError, /Message\.set\(\)/);
        expect(() => msg.set({ then() {} })).to.throw(TypeError);
        expect(msg.isSet()).to.equal(false);
        msg.set({ task });
        expect(((await msg) as { task: Task<number> }).task).to.equal(task);
        await task;
      });
    });
  });
});

describe("Broker (Hinch)", () => {
  it("calls function agents with (topic, message, ...args) in subscription order; unsubscribe needs the same args", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const calls: unknown[][] = [];
        const recv = (...a: unknown[]) => void calls.push(a);
        expect(broker.subscribe("led", recv, "red")).to.equal(true);
        expect(broker.subscribe("led", recv, "green")).to.equal(true);
        expect(broker.subscribe("led", recv, "red")).to.equal(false); // duplicate: nothing changes
        broker.publish("led", 1);
        broker.publish("other", 2);
        expect(calls).to.deep.equal([["led", 1, "red"], ["led", 1, "green"]]);
        expect(broker.unsubscribe("led", recv)).to.equal(false); // args differ
        expect(broker.unsubscribe("led", recv, "green")).to.equal(true);
        expect(broker.unsubscribe("led", recv, "green")).to.equal(false);
        expect(broker.unsubscribe("nothing", recv)).to.equal(false);
        calls.length = 0;
        broker.publish("led");
        expect(calls).to.deep.equal([["led", undefined, "red"]]);
        broker.unsubscribe("led", recv, "red");
        expect((broker as any).topics.size).to.equal(0);
        const n = [NaN];
        broker.subscribe(7, recv, ...n);
        expect(broker.unsubscribe(7, recv, NaN)).to.equal(true);
      });
    });
  });

  it("delivers to queues ([topic, message] or [topic, message, args]), Events, Messages and Agent subclasses", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const q = new Queue<unknown>();
        const rq = new RingbufQueue<unknown>(4);
        const event = new Event();
        const msg = new Message<unknown>();
        const put: unknown[][] = [];
        class MyAgent extends Agent {
          put(...a: unknown[]): void {
            put.push(a);
          }
        }
        broker.subscribe("t", q);
        broker.subscribe("t", rq, 42);
        broker.subscribe("t", event);
        broker.subscribe("t", msg);
        broker.subscribe("t", new MyAgent(), "arg");
        broker.publish("t", "m");
        expect(q.getNowait()).to.deep.equal(["t", "m"]);
        expect(rq.getNowait()).to.deep.equal(["t", "m", [42]]);
        expect(event.isSet()).to.equal(true);
        expect(msg.value()).to.deep.equal(["t", "m"]);
        expect(put).to.deep.equal([["t", "m", "arg"]]);
      });
    });
  });

  it("a task waits on several topics with one RingbufQueue and for await (Hinch's pattern)", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const got: string[] = [];
        const receiver = asyncio.createTask(async () => {
          const q = new RingbufQueue<[string, string]>(10);
          broker.subscribe("foo_topic", q);
          broker.subscribe("bar_topic", q);
          for await (const [topic, message] of q) got.push(`${topic} ${message} at ${host.now()}`);
        });
        for (let x = 0; x < 2; x++) {
          await asyncio.sleep(1);
          broker.publish("foo_topic", `test ${x}`);
          broker.publish("bar_topic", `test ${x}`);
          broker.publish("ignore me", `test ${x}`);
        }
        await yields(3);
        receiver.cancel();
        expect(got).to.deep.equal(["foo_topic test 0 at 1000", "bar_topic test 0 at 1000", "foo_topic test 1 at 2000", "bar_topic test 1 at 2000"]);
      });
    });
  });

  it("RegExp topics match string topics at the start (Python's re.match); an agent matched twice is triggered once", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const calls: string[] = [];
        const a = (topic: string) => void calls.push(`a ${topic}`);
        const b = (topic: string) => void calls.push(`b ${topic}`);
        const pattern = /.*_topic/;
        broker.subscribe(pattern, a);
        broker.subscribe(/_topic/, b);
        broker.subscribe("foo_topic", a); // also through the pattern: once
        broker.subscribe(/^bar/g, b);
        broker.publish("foo_topic");
        broker.publish("bar_topic");
        broker.publish("bar_topic");
        broker.publish("nothing");
        broker.publish(/.*_topic/); // not a string: exact match only (another RegExp object)
        expect(calls).to.deep.equal(["a foo_topic", "a bar_topic", "b bar_topic", "a bar_topic", "b bar_topic"]);
        calls.length = 0;
        broker.publish(pattern); // the same RegExp object: its own subscribers
        expect(calls).to.deep.equal(["a /.*_topic/"]);
        expect(broker.unsubscribe(pattern, a)).to.equal(true);
        expect((broker as any).patterns).to.have.length(2);
      });
    });
  });

  it("publish() never throws: agents that throw or fail are reported, the others still run; async agents run as tasks", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const reports = collect(asyncio.getEventLoop());
        const broker = new Broker();
        const order: string[] = [];
        function bad(): void {
          throw Object.create(null);
        }
        broker.subscribe("t", bad);
        broker.subscribe("t", async (topic: string, m: number) => {
          await asyncio.sleep(0.01);
          order.push(`async ${topic} ${m}`);
          throw new Error("async failure");
        });
        broker.subscribe("t", () => void order.push("after"));
        class Thrower extends Agent {
          put(): void {
            throw new RangeError("put");
          }
        }
        broker.subscribe("t", new Thrower());
        expect(() => broker.publish("t", 1)).to.not.throw();
        expect(order).to.deep.equal(["after"]);
        await asyncio.sleep(0.02);
        expect(order).to.deep.equal(["after", "async t 1"]);
        expect(reports.map((r) => r.message)).to.deep.equal([
          'Exception in the agent bad() of topic "t"',
          'Exception in the agent Thrower of topic "t"',
          "Task exception wasn't retrieved",
        ]);
        expect((reports[2].exception as Error).message).to.equal("async failure");
      });
    });
  });

  it("a full Queue loses the new message, a full RingbufQueue its oldest: both reported (Hinch's Verbose), silenced by verbose = false", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const reports = collect(asyncio.getEventLoop());
        const broker = new Broker();
        const q = new Queue<unknown>(1);
        const rq = new RingbufQueue<unknown>(1);
        broker.subscribe("t", q);
        broker.subscribe("t", rq);
        broker.publish("t", 1);
        broker.publish("t", 2);
        expect(q.getNowait()).to.deep.equal(["t", 1]);
        expect(rq.getNowait()).to.deep.equal(["t", 2]);
        expect(reports.map((r) => r.message)).to.deep.equal([
          'Broker.publish("t"): the agent Queue of topic "t" is full; the message was lost',
          'Broker.publish("t"): the agent RingbufQueue of topic "t" is full; its oldest message was discarded',
        ]);
        expect(reports[0].exception).to.be.instanceOf(QueueFull);
        broker.verbose = false;
        broker.publish("t", 3);
        broker.publish("t", 4);
        expect(reports).to.have.length(2);
      });
    });
  });

  it("agents subscribing and unsubscribing during a publication do not change it", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const calls: string[] = [];
        const late = () => void calls.push("late");
        const second = () => void calls.push("second");
        broker.subscribe("t", () => {
          calls.push("first");
          broker.unsubscribe("t", second);
          broker.subscribe("t", late);
        });
        broker.subscribe("t", second);
        broker.publish("t");
        expect(calls).to.deep.equal(["first", "second"]);
        calls.length = 0;
        broker.publish("t");
        expect(calls).to.deep.equal(["first", "late"]);
      });
    });
  });

  it("publish() from a host callback reaches a waiting task; a receiver cancelled while waiting loses no message", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const broker = new Broker();
        const q = new RingbufQueue<unknown>(4);
        broker.subscribe("pin", q);
        const reader = asyncio.createTask(() => q.get());
        await asyncio.sleep(0);
        reader.cancel();
        host.after(10, () => broker.publish("pin", "edge"));
        expect(await errorOf(() => reader)).to.be.instanceOf(CancelledError);
        expect(await q.get()).to.deep.equal(["pin", "edge"]);
        expect(host.now()).to.equal(10);
      });
    });
  });

  it("bad input: subscribe() with something that is not an agent is a TypeError naming the call", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const broker = new Broker();
        for (const bad of [42, "fn", null, undefined, {}, { put() {} }]) {
          expect(() => broker.subscribe("t", bad as never)).to.throw(TypeError, /Broker\.subscribe\(\): expected an agent .* got /);
        }
        expect((broker as any).topics.size).to.equal(0);
      });
    });
  });
});

// Virtual calendar: the wall clock is a fixed date plus the loop's clock.
const JAN_1_2024 = Date.UTC(2024, 0, 1); // a Monday
function calendar(loop: Loop, start: number): () => number {
  return () => start + loop.now();
}
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

describe("cron and range (Hinch's sched)", () => {
  const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  const next = (spec: object, from: number) => iso((from + cron(spec)(from)) * 1000);

  it("finds the soonest matching second (Hinch's examples)", () => {
    expect(cron()(at(2024, 1, 1, 3))).to.equal(0); // now matches
    expect(next({}, at(2024, 1, 1, 3, 0, 1))).to.equal("2024-01-02T03:00:00");
    // SCHEDULE.md §7.1: at 7:05 with hrs=3, mins=range(0, 60, 15) the first run is 3:00 (Hinch's cron alone says 3:15).
    expect(next({ hrs: 3, mins: range(0, 60, 15) }, at(2024, 1, 1, 7, 5))).to.equal("2024-01-02T03:00:00");
    expect(next({ hrs: null, mins: range(0, 60, 15) }, at(2024, 1, 1, 7, 5))).to.equal("2024-01-01T07:15:00");
    expect(next({ mday: 25, month: 12, hrs: 9 }, at(2024, 12, 25, 9, 0, 1))).to.equal("2025-12-25T09:00:00");
    expect(next({ wday: [0, 4] }, at(2024, 1, 2))).to.equal("2024-01-05T03:00:00"); // Monday and Friday
    // The second Sunday of the month: mday 8, wday 6.
    expect(next({ mday: 8, wday: 6 }, at(2024, 1, 1))).to.equal("2024-01-14T03:00:00");
    expect(next({ mday: 8, wday: 6 }, at(2024, 1, 15))).to.equal("2024-02-11T03:00:00");
    // SCHEDULE.md §4.2.2: at 9 am on 31 July, month=(2, 7, 10), hrs=1, mins=59 runs at 1:59 on 1 October.
    expect(next({ month: [2, 7, 10], hrs: 1, mins: 59 }, at(2024, 7, 31, 9))).to.equal("2024-10-01T01:59:00");
    expect(next({ mday: 29, month: null }, at(2023, 2, 1))).to.equal("2023-03-29T03:00:00");
    expect(next({ mday: 29 }, at(2024, 2, 1))).to.equal("2024-02-29T03:00:00"); // a leap year
    expect(next({ hrs: null, mins: null, secs: null }, at(2024, 1, 1) + 0.25)).to.equal("2024-01-01T00:00:01");
    expect(next({ hrs: 23, mins: 59, secs: 59 }, at(2024, 12, 31, 23, 59, 59))).to.equal("2024-12-31T23:59:59");
    expect(next({ hrs: 0, mins: 0, secs: 0, mday: 1, month: 1 }, at(2024, 1, 1, 0, 0, 1))).to.equal("2025-01-01T00:00:00");
  });

  it("range() is Python's; bad specs and ranges are typed errors naming the call and the value", () => {
    expect(range(5)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(range(0, 60, 15)).to.deep.equal([0, 15, 30, 45]);
    expect(range(10, 0, -3)).to.deep.equal([10, 7, 4, 1]);
    expect(range(3, 3)).to.deep.equal([]);
    expect(() => range(0, 5, 0)).to.throw(RangeError, /range\(\): step must not be 0/);
    expect(() => range(0.5)).to.throw(RangeError, /stop must be an integer, got 0.5/);
    expect(() => range("5" as never)).to.throw(TypeError, /range\(\): expected stop as a number, got string "5"/);
    expect(() => range(0, 1e9)).to.throw(RangeError, /more than 10000/);
    expect(() => cron({ hrs: 24 })).to.throw(RangeError, /cron\(\): hrs must be integers from 0 to 23, got 24/);
    expect(() => cron({ mins: 1.5 })).to.throw(RangeError, /mins .* got 1.5/);
    expect(() => cron({ secs: "0" as never })).to.throw(TypeError, /secs as a number, an array of numbers or null, got string "0"/);
    expect(() => cron({ wday: [1, NaN] })).to.throw(TypeError, /wday as numbers, got number NaN/);
    expect(() => cron({ mday: [] })).to.throw(RangeError, /mday is an empty array/);
    expect(() => cron({ mday: 0 })).to.throw(RangeError, /from 1 to 31, got 0/);
    expect(() => cron({ month: [1, 2], mday: 30 })).to.throw(RangeError, /month 2 has no day 30/);
    expect(() => cron({ mday: [1, 23], wday: 6 })).to.throw(RangeError, /with wday, mday must be at most 22 .*got 23/);
    expect(() => cron({ days: 1 } as never)).to.throw(TypeError, /cron\(\): unknown option "days"/);
    expect(() => cron(5 as never)).to.throw(TypeError, /expected the times as an object/);
    expect(() => cron()(NaN)).to.throw(TypeError, /cron\(\)\(now\)/);
    expect(() => cron()(Infinity)).to.throw(RangeError);
  });
});

describe("schedule (Hinch's sched)", () => {
  it("runs a function at the matching times with its args, `times` times, and ends with the last result", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const runs: string[] = [];
        const clock = calendar(loop, Date.UTC(2024, 0, 1, 7, 5, 30));
        let n = 0;
        const task = schedule((a: string, b: number) => {
          runs.push(`${iso(clock())} ${a} ${b}`);
          return ++n;
        }, { hrs: null, mins: range(0, 60, 4), times: 3, clock }, "every 4 mins", 7);
        expect(await task).to.equal(3);
        expect(runs).to.deep.equal([
          "2024-01-01T07:08:00 every 4 mins 7",
          "2024-01-01T07:12:00 every 4 mins 7",
          "2024-01-01T07:16:00 every 4 mins 7",
        ]);
        expect(host.now()).to.equal((10 * 60 + 30) * 1000);
        expect(heapSize(loop)).to.equal(0);
      });
    });
  });

  it("sets an Event; triggers a Sequence that several schedules share; times 0 runs nothing", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const clock = calendar(loop, JAN_1_2024);
        const event = new Event();
        const ev = schedule(event, { hrs: 0, mins: 1, times: 1, clock });
        await event.wait();
        expect(iso(clock())).to.equal("2024-01-01T00:01:00");
        await ev;
        const seq = new Sequence();
        const s2 = schedule(seq, { hrs: null, mins: range(0, 60, 2), times: 3, clock }, "every 2");
        const s3 = schedule(seq, { hrs: null, mins: range(0, 60, 3), times: 2, clock }, "every 3");
        const seen: string[] = [];
        for await (const args of seq) {
          seen.push(`${iso(clock()).slice(11)} ${args.join()}`);
          if (seen.length === 4) break;
        }
        // At 00:06 both fire before the reader runs: one trigger, with the args of the one that fired last (Hinch's Sequence holds one).
        expect(seen).to.deep.equal(["00:02:00 every 2", "00:03:00 every 3", "00:04:00 every 2", "00:06:00 every 2"]);
        await asyncio.gather([s2, s3]);
        const none = schedule(() => expect.fail("ran"), { times: 0, clock });
        expect(await none).to.equal(undefined);
      });
    });
  });

  it("waits a year exactly, in slices of at most 1000 s on the timer heap", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const clock = calendar(loop, JAN_1_2024);
        let ranAt = -1;
        const task = schedule(() => void (ranAt = host.now()), { month: 12, mday: 25, hrs: 9, times: 1, clock });
        let maxAhead = 0;
        while (!task.done()) {
          const heap = (loop as any).sleepers;
          if (heap.size) maxAhead = Math.max(maxAhead, heap.peek().deadline - loop.now());
          await asyncio.sleep(500);
        }
        expect(iso(JAN_1_2024 + ranAt)).to.equal("2024-12-25T09:00:00");
        expect(maxAhead).to.be.at.most(1_000_000);
      });
    });
  });

  it("follows a clock that is set: a time jumped over (more than a minute) is skipped, not made up; a clock set back runs nothing twice", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        let offset = 0;
        const clock = () => Date.UTC(1970, 0, 1, 0, 0, 10) + offset + loop.now(); // a board that booted without its time
        const runs: string[] = [];
        const task = schedule(() => void runs.push(iso(clock())), { hrs: null, mins: 0, clock });
        await asyncio.sleep(60);
        offset = Date.UTC(2024, 0, 1, 7, 59) - Date.UTC(1970, 0, 1, 0, 1, 10); // SNTP sets the clock: 00:01:10 becomes 07:59:00
        await asyncio.sleep(16 * 60); // the next wake-up (at most 1000 s) sees it
        expect(runs).to.deep.equal([]);
        await asyncio.sleep(60 * 60);
        expect(runs).to.deep.equal(["2024-01-01T09:00:00"]); // the 01:00 of 1970 was jumped over
        offset -= 30 * 60 * 1000; // 09:15 set back to 08:45
        await asyncio.sleep(3 * 3600);
        expect(runs).to.deep.equal(["2024-01-01T09:00:00", "2024-01-01T10:00:00", "2024-01-01T11:00:00"]); // 09:00 not twice
        task.cancel();
        await asyncio.sleep(0);
        expect(task.cancelled()).to.equal(true);
        expect(heapSize(loop)).to.equal(0);
      });
    });
  });

  it("a target that throws is reported and the schedule goes on; an async target runs as a task, the last one awaited", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const reports = collect(loop);
        const clock = calendar(loop, JAN_1_2024);
        let calls = 0;
        const failing = schedule(() => {
          calls++;
          throw new Error("boom");
        }, { hrs: null, mins: null, times: 2, clock });
        expect(await failing).to.equal(undefined);
        expect(calls).to.equal(2);
        expect(reports.map((r) => r.message)).to.deep.equal(["Exception in a scheduled function", "Exception in a scheduled function"]);
        const slow = schedule(async (x: number) => {
          await asyncio.sleep(90);
          return x * 2;
        }, { hrs: null, mins: null, times: 1, clock }, 21);
        expect(await slow).to.equal(42);
        // The first failing run was at 00:00:00 (the clock's start matches), the second at 00:01:00, and so this one.
        expect(iso(clock())).to.equal("2024-01-01T00:02:30");
      });
    });
  });

  it("cancellation: cancelled while it waits it ends at once, leaving no timer; an awaited last run is cancelled with it", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const clock = calendar(loop, JAN_1_2024);
        const task = schedule(() => expect.fail("ran"), { clock });
        await asyncio.sleep(10);
        expect(task.cancel()).to.equal(true);
        expect(await errorOf(() => task)).to.be.instanceOf(CancelledError);
        expect(heapSize(loop)).to.equal(0);
        let inner: Task<unknown> | null = null;
        const last = schedule(() => (inner = asyncio.createTask(() => asyncio.sleep(100))), { hrs: null, mins: null, times: 1, clock });
        await asyncio.sleep(60);
        last.cancel();
        expect(await errorOf(() => last)).to.be.instanceOf(CancelledError);
        expect(inner!.cancelled()).to.equal(true);
        expect(heapSize(loop)).to.equal(0);
      });
    });
  });

  it("bad input: typed errors naming schedule() and the value, before anything starts", async () => {
    await onVirtualTime(async (_host, loop) => {
      await asyncio.run(async () => {
        const reports = collect(loop);
        expect(() => schedule(42 as never)).to.throw(TypeError, /schedule\(\): expected the target as a function, an Event or a Sequence, got number 42/);
        expect(() => schedule(new Message() as never)).to.throw(TypeError, /got Message/);
        expect(() => schedule(() => 0, { days: 1 } as never)).to.throw(TypeError, /schedule\(\): unknown option "days" \(expected one of secs, mins, hrs, mday, month, wday, times, clock\)/);
        expect(() => schedule(() => 0, { hrs: 24 })).to.throw(RangeError, /schedule\(\): hrs/);
        expect(() => schedule(() => 0, { times: -1 })).to.throw(RangeError, /schedule\(\): times must be an integer >= 0, got -1/);
        expect(() => schedule(() => 0, { times: 1.5 })).to.throw(RangeError);
        expect(() => schedule(() => 0, { times: "2" as never })).to.throw(TypeError, /times as a number/);
        expect(() => schedule(() => 0, { clock: 5 as never })).to.throw(TypeError, /schedule\(\): expected the clock \(a function\), got number 5/);
        expect(() => schedule(() => 0, null as never)).to.throw(TypeError, /expected the times as an object/);
        expect(asyncio.getEventLoop().queuedCount()).to.equal(0);
        const broken = schedule(() => 0, { clock: () => NaN });
        expect(await errorOf(() => broken)).to.be.instanceOf(TypeError);
        expect((await errorOf(() => broken)).message).to.match(/schedule\(\): the clock returned number NaN/);
        expect(reports).to.deep.equal([]);
      });
    });
  });

  it("by default, on a host with no wallClock (real time), reads Date in local time", async () => {
    await withHost(new GlobalTimersHost(), async () => {
      await asyncio.run(async () => {
        // Every second: the first run is at the next whole second of Date's local time.
        let seen = 0;
        const task = schedule(() => {
          const now = new Date();
          seen = now.getMilliseconds();
        }, { hrs: null, mins: null, secs: null, times: 1 });
        await task;
        expect(seen).to.be.below(200);
      });
    });
  });
});

describe("schedule() with no clock follows the host's calendar (Host.wallClock): on virtual time it runs on virtual time", () => {
  it("the default (daily at 03:00:00 local time) fires 2 s after a virtual 02:59:58, and again 24 h later", async () => {
    const epoch = new Date(2026, 0, 1, 2, 59, 58).getTime(); // local time, whatever the machine's zone
    await onVirtualTime(async (host) => {
      const runs: number[] = [];
      await asyncio.run(async () => {
        const t = asyncio.schedule(() => runs.push(host.now()), { times: 2 });
        await t;
      });
      expect(runs).to.deep.equal([2000, 2000 + 24 * 3600 * 1000]);
      expect(host.wallClock() - epoch).to.equal(2000 + 24 * 3600 * 1000);
    }, { epoch } as never);
  });
});
