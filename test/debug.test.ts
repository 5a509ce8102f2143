import { expect } from "chai";
import asyncio, { type ExceptionContext, type Loop } from "asyncio";
import { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";

/** A report without the "(created at …)" an unnamed task's gets in debug mode. */
function bare(message: string): string {
  return message.replace(/ \(created at [^)]*\)$/, "");
}

// Debug mode (CPython's loop.set_debug / slow_callback_duration /
// asyncio.run(debug=True)): the step that blocks the loop is reported,
// naming its task. Virtual time: a step "computes" with host.spend(ms).
function collect(loop: Loop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void seen.push(ctx));
  return seen;
}

describe("debug mode: slow steps name their task", () => {
  it("a step of 150 ms is reported once, with its task and duration; a 50 ms step and the other steps are not", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      loop.setDebug(true);
      expect(loop.getDebug()).to.equal(true);
      await asyncio.run(async () => {
        const hog = asyncio.createTask(async () => {
          await asyncio.sleep(0.5);
          host.spend(150); // a forgotten await in a busy loop, say
          await asyncio.sleep(0.5);
        }, { name: "hog" });
        const light = asyncio.createTask(async () => {
          for (let i = 0; i < 5; i++) {
            host.spend(50);
            await asyncio.sleep(0.1);
          }
        }, { name: "light" });
        await asyncio.gather([hog, light]);
        expect(seen.map((c) => bare(c.message))).to.deep.equal(["Executing <Task hog> took 0.150 seconds"]);
        expect(seen[0].future).to.equal(hog);
        expect(seen[0].exception).to.equal(undefined);
      });
    });
  });

  it("three tasks each slow in their first step: each is reported (a task's first step runs inside the turn that times the one before, after its report)", async () => {
    for (const exactTurns of [true, false]) {
      const host = exactTurns ? new VirtualHost() : new VirtualHost({ exactTurns: false, turn: (fn) => queueMicrotask(fn) });
      await withHost(host, async (loop) => {
        const seen = collect(loop);
        await asyncio.run(async () => {
          const slow = async (ms: number) => {
            host.spend(ms);
            await asyncio.sleep(0.5);
            host.spend(ms);
          };
          await asyncio.gather([150, 160, 170].map((ms, i) => asyncio.createTask(() => slow(ms), { name: "ABC"[i] })));
        }, { debug: true });
        expect(seen.map((c) => bare(c.message)), `exactTurns ${exactTurns}`).to.deep.equal([
          "Executing <Task A> took 0.150 seconds", "Executing <Task B> took 0.160 seconds", "Executing <Task C> took 0.170 seconds",
          "Executing <Task A> took 0.150 seconds", "Executing <Task B> took 0.160 seconds", "Executing <Task C> took 0.170 seconds",
        ]);
      });
    }
  });

  it("the threshold is slowCallbackDuration (seconds, default 0.1, reported at or above it, as CPython)", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      expect(loop.slowCallbackDuration).to.equal(0.1);
      loop.setDebug(true);
      await asyncio.run(async () => {
        host.spend(100);
        await asyncio.sleep(0);
        loop.slowCallbackDuration = 0.02;
        host.spend(19);
        await asyncio.sleep(0);
        host.spend(30);
        await asyncio.sleep(0);
      }, { debug: true });
      expect(seen.map((c) => bare(c.message))).to.deep.equal(["Executing <Task (anonymous)> took 0.100 seconds", "Executing <Task (anonymous)> took 0.030 seconds"]);
    });
  });

  it("off by default and after setDebug(false): nothing is reported", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      expect(loop.getDebug()).to.equal(false);
      await asyncio.run(async () => {
        host.spend(500);
        await asyncio.sleep(0);
        loop.setDebug(true);
        loop.setDebug(false);
        host.spend(500);
        await asyncio.sleep(0);
      });
      expect(seen).to.deep.equal([]);
    });
  });

  it("asyncio.run(main, { debug: true }) turns it on for that run only", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      const main = async function main(): Promise<string> {
        host.spend(200);
        await asyncio.sleep(0);
        return "done";
      };
      expect(await asyncio.run(main, { debug: true })).to.equal("done");
      expect(seen.map((c) => bare(c.message))).to.deep.equal(["Executing <Task main> took 0.200 seconds"]);
      expect(loop.getDebug()).to.equal(false);
      expect(await asyncio.run(main)).to.equal("done");
      expect(seen).to.have.length(1);
    });
  });

  it("the default handler prints the report through the host", async () => {
    const host = new VirtualHost();
    await withHost(host, async (loop) => {
      loop.setDebug(true);
      await asyncio.run(async function blocker() {
        host.spend(250);
        await asyncio.sleep(0);
      });
    });
    expect(host.reports.join("\n")).to.include("Executing <Task blocker> took 0.250 seconds");
  });

  it("also on hosts whose turns come between promise jobs (Moddable)", async () => {
    const host = new VirtualHost({ exactTurns: false, turn: (fn) => queueMicrotask(fn) });
    await withHost(host, async (loop) => {
      const seen = collect(loop);
      loop.setDebug(true);
      await asyncio.run(async () => {
        await asyncio.sleep(0.01);
        host.spend(120);
        await asyncio.sleep(0.01);
      });
      expect(seen.map((c) => bare(c.message))).to.deep.equal(["Executing <Task (anonymous)> took 0.120 seconds"]);
    });
  });

  it("bad values: a typed error naming the setting, and the setting is unchanged", async () => {
    await onVirtualTime(async (_host, loop) => {
      expect(() => loop.setDebug("yes" as unknown as boolean)).to.throw(TypeError, /setDebug: expected true or false, got string "yes"/);
      expect(loop.getDebug()).to.equal(false);
      for (const [bad, type] of [["0.1", TypeError], [Number.NaN, TypeError], [-1, RangeError], [Infinity, RangeError]] as const) {
        expect(() => (loop.slowCallbackDuration = bad as number)).to.throw(type, /slowCallbackDuration/);
      }
      expect(loop.slowCallbackDuration).to.equal(0.1);
      expect(() => asyncio.run(async () => {}, { debug: 1 as unknown as boolean })).to.throw(TypeError, /run: expected debug as true or false, got number 1/);
      expect(() => asyncio.run(async () => {}, "debug" as never)).to.throw(TypeError, /run: expected options as an object/);
      expect(loop.isRunning()).to.equal(false);
    });
  });
});

describe("task names (CPython's create_task(name=), Task.get_name/set_name)", () => {
  it("createTask(fn, { name }) and createTask(coro(), { name }) name the task; else the function's name", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const blink = async (): Promise<void> => { await asyncio.sleep(0.1); };
        const a = asyncio.createTask(blink, { name: "green LED" });
        const b = asyncio.createTask(blink(), { name: "blue LED" });
        const c = asyncio.createTask(blink);
        expect([a.name, b.getName(), c.getName()]).to.deep.equal(["green LED", "blue LED", "blink"]);
        c.setName("renamed");
        expect(c.name).to.equal("renamed");
        expect(String(a)).to.equal("<Task green LED>");
        await asyncio.gather([a, b, c]);
      });
    });
  });

  it("a report of a failed task nobody awaited shows its name", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        asyncio.createTask(async () => { throw new Error("sensor gone"); }, { name: "sensor reader" });
        await asyncio.sleep(0.1);
      });
      expect(seen).to.have.length(1);
      expect(String(seen[0].future)).to.equal("<Task sensor reader>");
    });
  });

  it("bad names and options: TypeError naming the problem, no task made", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        const f = async (): Promise<void> => {};
        expect(() => asyncio.createTask(f, { name: 5 as unknown as string })).to.throw(TypeError, /createTask: expected the name as a string, got number 5/);
        expect(() => asyncio.createTask(f, null as never)).to.throw(TypeError, /createTask: expected options as an object/);
        expect(() => asyncio.createTask(f, "blink" as never)).to.throw(TypeError, /createTask: expected options/);
        const t = asyncio.createTask(f);
        expect(() => t.setName(undefined as unknown as string)).to.throw(TypeError, /setName: expected the name as a string, got undefined/);
        expect(t.name).to.equal("f");
        await t;
      });
    });
  });
});

describe("run()'s promise: a failing main nobody awaits is reported, a stopped run rejects (issue 12: a new user's finds)", () => {
  it("asyncio.run(main()) not awaited: main's error goes to the exception handler once, no unhandled rejection (on XS: a VM abort)", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      const failure = new Error("main failed");
      void asyncio.run(async function main() {
        await asyncio.sleep(0.1);
        throw failure;
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((c) => [c.message, c.exception, String(c.future)])).to.deep.equal([["Exception in main, and nothing awaits asyncio.run()", failure, "<Task main>"]]);
    });
  });

  it("awaited (await, .catch, .then): the caller gets main's error and nothing is reported", async () => {
    await onVirtualTime(async (_host, loop) => {
      const seen = collect(loop);
      const boom = async (): Promise<never> => {
        await asyncio.sleep(0.1);
        throw new RangeError("boom");
      };
      let caught: unknown = null;
      try {
        await asyncio.run(boom);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(RangeError);
      expect(await asyncio.run(boom).catch((e: unknown) => String(e))).to.equal("RangeError: boom");
      expect(await asyncio.run(boom).then(() => "no", () => "yes")).to.equal("yes");
      expect(seen).to.deep.equal([]);
    });
  });

  it("a run halted before main finished rejects with RuntimeError (CPython: 'Event loop stopped before Future completed'), not with undefined as if main had returned", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      host.after(1000, () => loop.halt());
      let after = "not reached";
      const outcome = await asyncio.run(async () => {
        await asyncio.sleep(5);
        return "finished";
      }).then((v) => `resolved ${v}`, (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`);
      after = outcome;
      expect(after).to.equal("RuntimeError: the event loop stopped before main finished (loop.stop(), or the run was halted)");
      // Nobody awaiting a halted run: silent (whoever halted it meant it), and no unhandled rejection.
      host.after(1000, () => loop.halt());
      void asyncio.run(async () => { await asyncio.sleep(5); });
      await new Promise((r) => setTimeout(r, 20));
      expect(seen).to.deep.equal([]);
      expect(await asyncio.run(async () => "again")).to.equal("again");
    });
  });
});

describe("debug mode: where a task was made", () => {
  it("a slow step of a task made from a started coroutine (no name) says where createTask was called", async () => {
    await onVirtualTime(async (host, loop) => {
      const seen = collect(loop);
      await asyncio.run(async () => {
        const crunch = async (): Promise<void> => {
          await asyncio.sleep(0.1);
          host.spend(150);
          await asyncio.sleep(0.1);
        };
        await asyncio.createTask(crunch());
      }, { debug: true });
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.match(/^Executing <Task \(anonymous\)> took 0\.150 seconds \(created at debug\.test\.ts:\d+:\d+\)$/);
    });
  });
});
