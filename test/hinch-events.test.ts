import { expect } from "chai";
import asyncio, {
  CancelledError, ELO, Event, RuntimeError, ThreadSafeEvent, ThreadSafeFlag, TimeoutError, WaitAll, WaitAny, launch, setGlobalException,
  type ExceptionContext, type Loop, type Task,
} from "asyncio";
import { Pin } from "machine";
import { DelayMs, EButton, ESwitch, Pushbutton } from "buttons";
import type { SimulatedBoard } from "../hosts/node/board";
import type { VirtualHost } from "../hosts/virtual";
import { VirtualHost as Virtual } from "../hosts/virtual";
import { onBoard, onVirtualTime, withHost } from "./helpers";

/** Each WaitAny/WaitAll × moment of cancel × host (exact turns; 1 ms a turn; Moddable-like turns between promise jobs), as test/cancel_safety.test.ts. */
function hostsFor(): ["any" | "all", "queued" | "waiting" | "as set", () => Virtual][] {
  const makes = [() => new Virtual(), () => new Virtual({ turnCost: 1 }), () => new Virtual({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) })];
  const out: ["any" | "all", "queued" | "waiting" | "as set", () => Virtual][] = [];
  for (const kind of ["any", "all"] as const) for (const when of ["queued", "waiting", "as set"] as const) for (const make of makes) out.push([kind, when, make]);
  return out;
}

async function errorOf(f: () => unknown): Promise<any> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

function errorNow(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

async function yields(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await asyncio.sleep(0);
}

function collect(loop: Loop): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
  return reports;
}

const waitingOf = (x: object): unknown[] => (x as any).waiting;

/** Every task the loop makes from now on (WaitAny/WaitAll's children among them). */
function tasksMade(loop: Loop): Task<any>[] {
  const made: Task<any>[] = [];
  const create = loop.createTask.bind(loop);
  (loop as any).createTask = (coro: any, options?: any) => {
    const t = create(coro, options);
    made.push(t);
    return t;
  };
  return made;
}

describe("WaitAny / WaitAll (Hinch events.py)", () => {
  it("WaitAny resolves with the event that was set, at its time; event() keeps it; no child is left", async () => {
    await onVirtualTime(async (host, loop) => {
      const reports = collect(loop);
      await asyncio.run(async () => {
        const made = tasksMade(loop);
        const [e1, e2] = [new Event(), new Event()];
        const any = new WaitAny([e1, e2]);
        expect(any.event()).to.equal(null);
        host.at(30, () => e2.set());
        const got = await any.wait();
        expect(got).to.equal(e2);
        expect(any.event()).to.equal(e2);
        expect(host.now()).to.equal(30);
        // The loser's wait is gone and every child task has ended.
        expect(waitingOf(e1)).to.deep.equal([]);
        expect(made.length).to.equal(2);
        expect(made.every((t) => t.done())).to.equal(true);
        // Still set: the next wait returns at once; the first set object in the array wins.
        e1.set();
        expect(await any.wait()).to.equal(e1);
        any.clear();
        expect([e1.isSet(), e2.isSet()]).to.deep.equal([false, false]);
      });
      expect(reports).to.deep.equal([]);
      expect(host.reports).to.deep.equal([]);
    });
  });

  it("WaitAny with a DelayMs as a watchdog (Hinch's EVENTS.md §5.1) and any object with wait()", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const evt = new Event();
        const delay = new DelayMs(100);
        const flag = new ThreadSafeFlag();
        const custom = { wait: () => asyncio.sleepMs(500), clear: () => undefined };
        delay.trigger();
        host.at(60, () => delay.trigger());
        const cause = await new WaitAny([evt, delay, flag, custom]).wait();
        expect([cause === delay, host.now()]).to.deep.equal([true, 160]);
        delay.clear();
        // The ThreadSafeFlag's single waiter slot was freed: another task can wait on it.
        host.at(200, () => flag.set());
        expect(await new WaitAny([flag, custom]).wait()).to.equal(flag);
        expect(host.now()).to.equal(200);
        expect(await new WaitAny([custom]).wait()).to.equal(custom);
        expect(host.now()).to.equal(700);
      });
    });
  });

  it("WaitAll waits for every object, set at any time during the wait (even cleared again); an empty array at once", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const made = tasksMade(loop);
        const [e1, e2, e3] = [new Event(), new Event(), new Event()];
        host.at(10, () => e1.set());
        host.at(20, () => e1.clear());
        host.at(30, () => e3.set());
        host.at(50, () => e2.set());
        const all = new WaitAll([e1, e2, e3]);
        expect(await all.wait()).to.equal(undefined);
        expect(host.now()).to.equal(50);
        all.clear();
        expect([e1.isSet(), e2.isSet(), e3.isSet()]).to.deep.equal([false, false, false]);
        await new WaitAll([]).wait();
        expect(host.now()).to.equal(50);
        await asyncio.sleep(0);
        expect(made.every((t) => t.done())).to.equal(true);
      });
    });
  });

  it("nesting: WaitAll([e1, e2, WaitAny([e3, e4])]) (Hinch's EVENTS.md §4.3)", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const [e1, e2, e3, e4] = [new Event(), new Event(), new Event(), new Event()];
        const inner = new WaitAny([e3, e4]);
        host.at(10, () => e1.set());
        host.at(20, () => e4.set());
        host.at(40, () => e2.set());
        await new WaitAll([e1, e2, inner]).wait();
        expect([host.now(), inner.event() === e4]).to.deep.equal([40, true]);
        expect(waitingOf(e3)).to.deep.equal([]);
        // And the other way round: any of two groups.
        const [a, b, c] = [new Event(), new Event(), new Event()];
        const g1 = new WaitAll([a, b]);
        const g2 = new WaitAll([c]);
        host.at(60, () => a.set());
        host.at(70, () => c.set());
        expect(await new WaitAny([g1, g2]).wait()).to.equal(g2);
        expect(host.now()).to.equal(70);
        expect(waitingOf(b)).to.deep.equal([]);
      });
    });
  });

  it("contention: many tasks on the same WaitAny and WaitAll objects are all released", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const [e1, e2] = [new Event(), new Event()];
        const any = new WaitAny([e1, e2]);
        const all = new WaitAll([e1, e2]);
        const log: string[] = [];
        const tasks = [0, 1, 2].flatMap((n) => [
          asyncio.createTask(async () => void log.push(`any${n} ${(await any.wait()) === e1 ? "e1" : "e2"} @${host.now()}`)),
          asyncio.createTask(async () => void log.push(`all${n} ${String(await all.wait())} @${host.now()}`)),
        ]);
        host.at(10, () => e1.set());
        host.at(20, () => e2.set());
        await asyncio.gather(tasks);
        expect(log).to.deep.equal(["any0 e1 @10", "any1 e1 @10", "any2 e1 @10", "all0 undefined @20", "all1 undefined @20", "all2 undefined @20"]);
        expect([waitingOf(e1), waitingOf(e2)]).to.deep.equal([[], []]);
      });
    });
  });

  it("cancelled at every await (before it starts, while waiting, as an event is set; three kinds of turns): CancelledError or the event, nothing left behind", async () => {
    for (const [kind, when, make] of hostsFor()) {
      {
        const host = make();
        await withHost(host, async (loop) => {
          const reports = collect(loop);
          await asyncio.run(async () => {
            const made = tasksMade(loop);
            const [e1, e2] = [new Event(), new Event()];
            const w = kind === "any" ? new WaitAny([e1, e2]) : new WaitAll([e1, e2]);
            let outcome = "none";
            const t = asyncio.createTask(async () => {
              try {
                outcome = `value ${String(await w.wait())}`;
                await asyncio.sleep(0);
                outcome += " then ran on";
              } catch (e) {
                outcome += ` ${(e as Error).name}`;
              }
            });
            if (when !== "queued") await asyncio.sleepMs(5);
            if (when === "as set") {
              e1.set();
              e2.set();
            }
            t.cancel();
            await yields(4);
            expect(t.done()).to.equal(true);
            if (when === "as set") expect(["value [object Object] CancelledError", "value undefined CancelledError", "none CancelledError"]).to.include(outcome);
            else if (when === "queued") expect([outcome, t.cancelled()]).to.deep.equal(["none", true]);
            else expect(outcome).to.equal("none CancelledError");
            expect([waitingOf(e1), waitingOf(e2)]).to.deep.equal([[], []]);
            expect(made.filter((m) => !m.done())).to.deep.equal([]);
            // The events still work for the next waiter.
            e1.clear();
            e2.clear();
            host.at(host.now() + 10, () => {
              e1.set();
              e2.set();
            });
            await w.wait();
          });
          expect(reports).to.deep.equal([]);
          expect(host.reports).to.deep.equal([]);
        });
      }
    }
  });

  it("under a timeout: TimeoutError, nothing left waiting", async () => {
    await onVirtualTime(async (host, loop) => {
      await asyncio.run(async () => {
        const made = tasksMade(loop);
        const [e1, e2] = [new Event(), new Event()];
        e1.set();
        expect(await errorOf(() => asyncio.waitFor(new WaitAll([e1, e2]).wait(), 0.05))).to.be.instanceOf(TimeoutError);
        expect(await errorOf(() => asyncio.waitForMs(new WaitAny([e2]).wait(), 20))).to.be.instanceOf(TimeoutError);
        expect(host.now()).to.equal(70);
        await asyncio.sleep(0);
        expect(waitingOf(e2)).to.deep.equal([]);
        expect(made.filter((m) => !m.done())).to.deep.equal([]);
      });
    });
  });

  it("an object whose wait() raises: WaitAny/WaitAll raise it, the others are cancelled, nothing is reported", async () => {
    await onVirtualTime(async (host, loop) => {
      const reports = collect(loop);
      await asyncio.run(async () => {
        const made = tasksMade(loop);
        const e = new Event();
        const broken = { wait: async () => { await asyncio.sleepMs(10); throw new RangeError("sensor broke"); } };
        expect((await errorOf(() => new WaitAny([e, broken]).wait())).message).to.equal("sensor broke");
        expect((await errorOf(() => new WaitAll([e, broken]).wait())).message).to.equal("sensor broke");
        const sync = { wait: (): Promise<void> => { throw new TypeError("no wait today"); } };
        expect((await errorOf(() => new WaitAll([e, sync]).wait())).message).to.equal("no wait today");
        await yields(2);
        expect(waitingOf(e)).to.deep.equal([]);
        expect(made.filter((m) => !m.done())).to.deep.equal([]);
      });
      expect(reports).to.deep.equal([]);
    });
  });

  it("bad input: TypeError or RangeError naming the call and the value", () => {
    expect(errorNow(() => new WaitAny(5 as any))).to.be.instanceOf(TypeError).and.have.property("message", "WaitAny: expected an array of event-like objects (each with a wait() method), got number 5");
    expect(errorNow(() => new WaitAll(null as any)).message).to.match(/^WaitAll: expected an array .* got null/);
    expect(errorNow(() => new WaitAny([]))).to.be.instanceOf(RangeError).and.have.property("message").that.matches(/^WaitAny: the array of event-like objects is empty/);
    expect(errorNow(() => new WaitAll([new Event(), {} as any]))).to.be.instanceOf(TypeError).and.have.property("message", "WaitAll: expected an event-like object (with a wait() method) at index 1, got Object");
    expect(errorNow(() => new WaitAny([{ wait: 1 } as any])).message).to.contain("at index 0");
    // Any iterable is copied once: a generator is not spent by the first wait.
    const e = new Event();
    e.set();
    const any = new WaitAny((function* () { yield e; })());
    return onVirtualTime(async () => {
      await asyncio.run(async () => {
        expect(await any.wait()).to.equal(e);
        expect(await any.wait()).to.equal(e);
      });
    });
  });
});

describe("ELO (Hinch events.py)", () => {
  it("a coroutine with args in WaitAll; results read by awaiting task() afterwards (EVENTS.md §6)", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const evt = new Event();
        async function myCoro(ms: number, v: string) {
          await asyncio.sleepMs(ms);
          return v;
        }
        const elos = [new ELO(myCoro, 50, "a"), new ELO(asyncio.createTask(() => myCoro(20, "b"))), new ELO(myCoro(30, "c"))];
        host.at(40, () => evt.set());
        await new WaitAll([...elos, evt]).wait();
        expect(host.now()).to.equal(50);
        const results = [];
        for (const e of elos) results.push(await (e.task() as Task<string>));
        expect(results).to.deep.equal(["a", "b", "c"]);
        expect((elos[0].task() as Task<string>).getName()).to.equal("myCoro");
      });
    });
  });

  it("waiting never cancels the task: a WaitAny won by an Event leaves it running; a cancelled task ends the wait quietly", async () => {
    await onVirtualTime(async (host, loop) => {
      const reports = collect(loop);
      await asyncio.run(async () => {
        const evt = new Event();
        const elo = new ELO(async () => {
          await asyncio.sleepMs(100);
          return 7;
        });
        host.at(10, () => evt.set());
        expect(await new WaitAny([elo, evt]).wait()).to.equal(evt);
        const t = elo.task() as Task<number>;
        expect(t.done()).to.equal(false);
        expect(await t).to.equal(7);
        expect(host.now()).to.equal(100);
        // Cancelled (Hinch's timeout recipe: elo.task().cancel()): wait() ends without error, task() is the CancelledError.
        const slow = new ELO(() => asyncio.sleep(10));
        host.at(150, () => (slow.task() as Task<void>).cancel());
        const waiter = asyncio.createTask(() => new WaitAll([slow]).wait());
        await waiter;
        expect(host.now()).to.equal(150);
        expect(slow.task()).to.be.instanceOf(CancelledError);
        await slow.wait();
        // The waiter cancelled: the task runs on.
        const longRunning = new ELO(() => asyncio.sleepMs(50));
        const w2 = asyncio.createTask(() => longRunning.wait());
        await asyncio.sleepMs(10);
        w2.cancel();
        expect(await errorOf(() => w2)).to.be.instanceOf(CancelledError);
        expect((longRunning.task() as Task<void>).done()).to.equal(false);
        await longRunning.wait();
        expect(host.now()).to.equal(200);
      });
      expect(reports).to.deep.equal([]);
    });
  });

  it("a failing task: wait() raises its error, which counts as retrieved", async () => {
    await onVirtualTime(async (host, loop) => {
      const reports = collect(loop);
      await asyncio.run(async () => {
        const elo = new ELO(async () => {
          await asyncio.sleepMs(5);
          throw new RangeError("bad reading");
        });
        expect((await errorOf(() => new WaitAny([elo, new Event()]).wait())).message).to.equal("bad reading");
        expect((await errorOf(() => elo.wait())).message).to.equal("bad reading");
        await yields(3);
      });
      expect(reports).to.deep.equal([]);
    });
  });

  it("bad input: TypeError naming ELO and the value", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        expect(errorNow(() => new ELO(5 as any))).to.be.instanceOf(TypeError).and.have.property("message", "ELO: expected a Task, an async function or a started coroutine, got number 5");
        expect(errorNow(() => new ELO(null as any)).message).to.contain("got null");
      });
    });
  });
});

describe("ThreadSafeEvent (Hinch threadsafe_event.py)", () => {
  it("set() from a host callback releases every waiter at the next turn; it stays set until clear()", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const evt = new ThreadSafeEvent();
        const log: string[] = [];
        const tasks = [1, 2, 3].map((n) => asyncio.createTask(async () => void log.push(`waiter ${n} ${String(await evt.wait())} @${host.now()}`)));
        let thrown: unknown = "nothing";
        host.at(25, () => {
          try {
            evt.set();
            log.push(`set, isSet ${String(evt.isSet())}`);
          } catch (e) {
            thrown = e;
          }
        });
        await asyncio.gather(tasks);
        expect(thrown).to.equal("nothing");
        expect(log).to.deep.equal(["set, isSet true", "waiter 1 true @25", "waiter 2 true @25", "waiter 3 true @25"]);
        expect(await evt.wait()).to.equal(true);
        evt.clear();
        expect(evt.isSet()).to.equal(false);
        const later = asyncio.createTask(() => evt.wait());
        await asyncio.sleepMs(10);
        expect(later.done()).to.equal(false);
        // A set() with nobody waiting is kept.
        evt.set();
        await later;
        evt.clear();
        evt.set();
        expect(await evt.wait()).to.equal(true);
      });
    });
  });

  it("set() inside a step wakes the waiters after what that step queued (ThreadSafeFlag's order)", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const evt = new ThreadSafeEvent();
        const log: string[] = [];
        const w = asyncio.createTask(async () => {
          await evt.wait();
          log.push("waiter");
        });
        await asyncio.sleep(0);
        evt.set();
        asyncio.createTask(async () => void log.push("queued first"));
        await w;
        expect(log).to.deep.equal(["queued first", "waiter"]);
      });
    });
  });

  it("Hinch's THREADING.md §3.1 demo: four waiters, one cancelled each round; the others get the event", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const evt = new ThreadSafeEvent();
        async function waiter(n: number) {
          try {
            await evt.wait();
            log.push(`Waiter ${n} got event`);
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            log.push(`Waiter ${n} cancelled`);
          }
        }
        // Hinch's 1 Hz hardware timer: a host callback each second.
        for (let s = 1; s <= 2; s++) host.at(1000 * s, () => evt.set());
        for (let nt = 0; nt < 2; nt++) {
          const tasks = [1, 2, 3, 4].map((n) => asyncio.createTask(() => waiter(n)));
          asyncio.createTask(async () => {
            await asyncio.sleepMs(100);
            tasks[nt].cancel();
          });
          await asyncio.gather(tasks, { returnExceptions: true });
          expect(waitingOf(evt)).to.deep.equal([]);
          evt.clear();
          log.push("Cleared event");
        }
      });
      expect(log).to.deep.equal([
        "Waiter 1 cancelled", "Waiter 2 got event", "Waiter 3 got event", "Waiter 4 got event", "Cleared event",
        "Waiter 2 cancelled", "Waiter 1 got event", "Waiter 3 got event", "Waiter 4 got event", "Cleared event",
      ]);
    });
  });

  it("cancelled at its await, in the same turn as set(): the others are released, nothing left", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const evt = new ThreadSafeEvent();
        const a = asyncio.createTask(() => evt.wait());
        const b = asyncio.createTask(() => evt.wait());
        await asyncio.sleep(0);
        evt.set();
        a.cancel();
        expect(await b).to.equal(true);
        await yields(2);
        expect(a.done()).to.equal(true);
        expect(waitingOf(evt)).to.deep.equal([]);
        evt.clear();
        const c = asyncio.createTask(() => evt.wait());
        await asyncio.sleep(0);
        c.cancel();
        await yields(2);
        expect([c.cancelled(), waitingOf(evt).length]).to.deep.equal([true, 0]);
      });
    });
  });

  it("works as an event-like object in WaitAny", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        const evt = new ThreadSafeEvent();
        host.at(5, () => evt.set());
        expect(await new WaitAny([new Event(), evt]).wait()).to.equal(evt);
      });
    });
  });
});

describe("launch() and setGlobalException() (Hinch primitives/__init__.py)", () => {
  it("launch() returns a plain function's value, and runs an async one as a task it returns", async () => {
    await onVirtualTime(async (host) => {
      await asyncio.run(async () => {
        expect(launch((a: number, b: number) => a + b, [2, 3])).to.equal(5);
        expect(launch(() => undefined)).to.equal(undefined);
        const t = launch(async (ms: number) => {
          await asyncio.sleepMs(ms);
          return "done";
        }, [30]) as Task<string>;
        expect(t).to.be.instanceOf(asyncio.Task);
        expect(await t).to.equal("done");
        expect(host.now()).to.equal(30);
        expect(errorNow(() => launch(() => { throw new RangeError("sync failure"); })).message).to.equal("sync failure");
      });
    });
  });

  it("launch() bad input: TypeError naming launch and the value", () => {
    expect(errorNow(() => launch(5 as any))).to.be.instanceOf(TypeError).and.have.property("message", "launch: expected a function, got number 5");
    expect(errorNow(() => launch(() => 1, "x" as any))).to.be.instanceOf(TypeError).and.have.property("message", 'launch: expected args as an array, got string "x"');
  });

  it("setGlobalException(): the first unhandled error is printed and the loop stops; nothing after it runs", async () => {
    await onVirtualTime(async (host, loop) => {
      setGlobalException();
      const log: string[] = [];
      const run = asyncio.run(async () => {
        asyncio.createTask(async () => {
          await asyncio.sleepMs(10);
          throw new RangeError("sensor gone");
        });
        asyncio.createTask(async () => {
          for (;;) {
            log.push(`tick @${host.now()}`);
            await asyncio.sleepMs(6);
          }
        });
        await asyncio.sleep(1);
        log.push("main finished");
      });
      expect(await errorOf(() => run)).to.be.instanceOf(RuntimeError);
      expect(log).to.deep.equal(["tick @0", "tick @6"]);
      expect(host.printed[0]).to.match(/^Task exception wasn't retrieved/);
      expect(host.printed[1]).to.match(/^RangeError: sensor gone/);
      expect(host.reports).to.deep.equal([]);
      expect(loop.isRunning()).to.equal(false);
      // runForever settles too.
      const forever = loop.runForever();
      asyncio.createTask(async () => {
        throw new TypeError("again");
      });
      await forever;
      expect(host.printed.slice(-1)[0]).to.match(/^TypeError: again/);
    });
  });
});

/** A press of an active-low button at `at` held `ms`, bouncing 3 times within 4 ms at both ends (as test/buttons.test.ts). */
function press(host: VirtualHost, board: SimulatedBoard, at: number, ms: number, pin = 0): void {
  const steps: [number, 0 | 1][] = [[0, 0], [2, 1], [4, 0], [ms, 1], [ms + 2, 0], [ms + 4, 1]];
  for (const [dt, level] of steps) host.at(at + dt, () => board.drive(pin, level));
}

/** Logs each Event of obj (name@ms) as a task that waits on it and clears it. */
function watch(obj: Record<string, unknown>, names: string[], log: string[], host: VirtualHost): Task<void>[] {
  return names.map((n) =>
    asyncio.createTask(async () => {
      const ev = obj[n] as Event;
      for (;;) {
        await ev.wait();
        ev.clear();
        log.push(`${n}@${host.now()}`);
      }
    }),
  );
}

describe("ESwitch / EButton on the simulated board (Hinch events.py)", () => {
  it("ESwitch: close and open Events at the debounced edges; value() 1 closed, 0 open", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const sw = new ESwitch(new Pin(0, Pin.IN, Pin.PULL_UP));
        expect([sw.value(), sw.lopen, sw.debounceMs, String(sw)]).to.deep.equal([0, 1, 50, "ESwitch(Pin(0))"]);
        const tasks = watch(sw as any, ["close", "open"], log, host);
        press(host, board, 100, 30);
        press(host, board, 300, 500);
        host.at(500, () => log.push(`value ${sw.value()}`));
        await asyncio.sleep(1);
        expect(sw.value()).to.equal(0);
        for (const t of tasks) t.cancel();
        sw.deinit();
        sw.deinit();
      });
      expect(log).to.deep.equal(["close@100", "open@150", "close@300", "value 1", "open@800"]);
    });
  });

  it("ESwitch lopen 0 (a switch to 3V3, pulled down); deinit() clears the Events and stops watching", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const pin = new Pin(0, Pin.IN, Pin.PULL_DOWN);
        const sw = new ESwitch(pin, { lopen: 0, debounceMs: 10 });
        host.at(100, () => board.drive(0, 1));
        await asyncio.sleepMs(105);
        expect([sw.close.isSet(), sw.value()]).to.deep.equal([true, 1]);
        board.drive(0, 0);
        await asyncio.sleepMs(20);
        expect(sw.open.isSet()).to.equal(true);
        sw.deinit();
        expect([sw.open.isSet(), sw.close.isSet()]).to.deep.equal([false, false]);
        board.drive(0, 1);
        await asyncio.sleepMs(20);
        expect([sw.close.isSet(), sw.value()]).to.deep.equal([false, 0]);
        // The pin is free again for another switch.
        const again = new ESwitch(pin, { lopen: 0 });
        expect(again.value()).to.equal(1);
        again.deinit();
      });
    });
  });

  it("EButton: press, release, long, double at exact times (Hinch's defaults)", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const b = new EButton(new Pin(0, Pin.IN, Pin.PULL_UP));
        expect([b.sense, b.value(), b.suppress, b.longPressMs, b.doubleClickMs, b.debounceMs]).to.deep.equal([1, false, false, 1000, 400, 50]);
        const tasks = watch(b as any, ["press", "release", "long", "double"], log, host);
        press(host, board, 1000, 30);
        press(host, board, 2000, 600);
        press(host, board, 4000, 1200);
        press(host, board, 7000, 30);
        press(host, board, 7200, 30);
        host.at(4500, () => log.push(`value ${String(b.value())} raw ${String(b.rawState())}`));
        await asyncio.sleep(8);
        for (const t of tasks) t.cancel();
        b.deinit();
      });
      expect(log).to.deep.equal([
        "press@1000", "release@1050",
        "press@2000", "release@2600",
        "press@4000", "value true raw true", "long@5000", "release@5200",
        "press@7000", "release@7050", "press@7200", "double@7200", "release@7250",
      ]);
    });
  });

  it("EButton suppress: a single click's press and release together when the window closes; long and double without press", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const b = new EButton(new Pin(0, Pin.IN, Pin.PULL_UP), { suppress: true });
        const tasks = watch(b as any, ["press", "release", "long", "double"], log, host);
        press(host, board, 1000, 30);
        press(host, board, 2000, 600);
        press(host, board, 4000, 1200);
        press(host, board, 7000, 30);
        press(host, board, 7200, 30);
        await asyncio.sleep(8);
        for (const t of tasks) t.cancel();
        b.deinit();
      });
      // Hinch's code: a press held past the double-click window but short of a long press sets only release.
      expect(log).to.deep.equal([
        "press@1400", "release@1400",
        "release@2600",
        "long@5000", "release@5200",
        "double@7200", "release@7250",
      ]);
    });
  });

  it("EButton options (times, sense) and deinit() mid-press: no long press after it, Events cleared", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        // sense 0: not pressed at level 0, although the pin reads 1 now (pressed at construction).
        const b = new EButton(new Pin(0, Pin.IN, Pin.PULL_UP), { sense: 0, longPressMs: 300, doubleClickMs: 100, debounceMs: 20 });
        expect([b.sense, b.value()]).to.deep.equal([0, true]);
        const tasks = watch(b as any, ["press", "release", "long", "double"], log, host);
        host.at(100, () => board.drive(0, 0));
        host.at(200, () => board.drive(0, 1));
        host.at(700, () => board.drive(0, 0));
        host.at(800, () => board.drive(0, 1));
        await asyncio.sleepMs(900);
        b.deinit();
        host.at(1500, () => board.drive(0, 0));
        host.at(1600, () => board.drive(0, 1));
        await asyncio.sleepMs(1000);
        expect([b.press.isSet(), b.long.isSet()]).to.deep.equal([false, false]);
        for (const t of tasks) t.cancel();
      });
      expect(log).to.deep.equal(["release@100", "press@200", "long@500", "release@700", "press@800"]);
    });
  });

  it("bad input: typed errors naming the class, its pin and the option; nothing is registered", async () => {
    await onBoard(async () => {
      await asyncio.run(async () => {
        const pin = new Pin(0, Pin.IN, Pin.PULL_UP);
        expect(errorNow(() => new ESwitch(5 as any))).to.be.instanceOf(TypeError).and.have.property("message", "ESwitch: expected an input Pin, got number 5");
        expect(errorNow(() => new ESwitch(pin, { lopen: 2 as any }))).to.be.instanceOf(RangeError).and.have.property("message", "ESwitch(Pin(0)): lopen must be 0 or 1, got 2");
        expect(errorNow(() => new ESwitch(pin, { lopen: "1" as any }))).to.be.instanceOf(TypeError).and.have.property("message", 'ESwitch(Pin(0)): expected lopen as 0 or 1, got string "1"');
        expect(errorNow(() => new ESwitch(pin, { debounceMs: -1 }))).to.be.instanceOf(RangeError).and.have.property("message").that.contains("ESwitch(Pin(0)): debounceMs");
        expect(errorNow(() => new EButton(null as any)).message).to.equal("EButton: expected an input Pin, got null");
        expect(errorNow(() => new EButton(pin, 3 as any)).message).to.equal("EButton(Pin(0)): expected an options object, got number 3");
        expect(errorNow(() => new EButton(pin, { suppress: 1 as any }))).to.be.instanceOf(TypeError).and.have.property("message", "EButton(Pin(0)): expected suppress as a boolean, got number 1");
        expect(errorNow(() => new EButton(pin, { sense: 2 as any }))).to.be.instanceOf(RangeError).and.have.property("message", "EButton(Pin(0)): sense must be 0 or 1, got 2");
        expect(errorNow(() => new EButton(pin, { longPressMs: NaN }))).to.be.instanceOf(TypeError).and.have.property("message").that.contains("longPressMs");
        expect(errorNow(() => new EButton(pin, { doubleClickMs: Infinity }))).to.be.instanceOf(RangeError).and.have.property("message").that.contains("doubleClickMs");
        const out = new Pin(2, Pin.OUT);
        expect(errorNow(() => new EButton(out))).to.be.instanceOf(Error);
        // None of those took the pin: a Pushbutton on it still works.
        const pb = new Pushbutton(pin);
        pb.close();
      });
    });
  });

  it("closing the pin stops the EButton and clears its Events", async () => {
    await onBoard(async (host, board) => {
      await asyncio.run(async () => {
        const pin = new Pin(0, Pin.IN, Pin.PULL_UP);
        const b = new EButton(pin);
        board.drive(0, 0);
        await asyncio.sleepMs(10);
        expect(b.press.isSet()).to.equal(true);
        pin.close();
        expect(b.press.isSet()).to.equal(false);
        await asyncio.sleep(2);
        expect(b.long.isSet()).to.equal(false);
      });
    });
  });
});
