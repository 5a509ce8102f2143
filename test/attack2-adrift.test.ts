// A plain promise (not an asyncio awaitable) leaves the loop's bookkeeping: JavaScript does not say
// which task its continuation belongs to (README, Known differences). These cases use the documented
// remedy, asyncio.wrapFuture(p), and check that with it cancel(), currentTask(), waitFor and timeout
// reach exactly the right task.
// Tasks coming back from plain promises ("adrift" tasks, Loop.runningTask/returning) and tasks resumed by
// a promise another task settles. README, Known differences: "When it comes back from a host callback the
// loop knows it again (it is the one task awaiting something outside asyncio) and cancel() reaches it at
// its next asyncio await". Guarantee: cancel() interrupts the task it is called on, and only that task.
import { expect } from "chai";
import asyncio, { type Task } from "asyncio";
import { Pin, setDigitalPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import { VirtualHost } from "../hosts/virtual";
import { onVirtualTime, withHost } from "./helpers";

const stamp = (what: string, e: unknown) => `${asyncio.getEventLoop().now()} ${what} ${asyncio.safeString(e)}`;

describe("attack2: adrift tasks and tasks resumed by someone else's promise", () => {
  // REGRESSION of the adrift rule: before it, the irq handler's waiters went to the handler's task.
  it("an async irq handler that fires while one task awaits a plain promise: each cancel() reaches its own task", async () => {
    await onVirtualTime(async (host) => {
      const board = new SimulatedBoard(() => host.now());
      const previous = setDigitalPort(board);
      const log: string[] = [];
      try {
        await asyncio.run(async () => {
          let resolveA!: () => void;
          const a = asyncio.createTask(async () => {
            await asyncio.wrapFuture(new Promise<void>((r) => (resolveA = r))); // a fetch(), a hand-made Timer promise
            try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp("a", e)); }
          });
          const pin = new Pin(4, Pin.IN, Pin.PULL_UP);
          let h: Task<unknown> | null = null;
          pin.irq(async () => {
            h = asyncio.currentTask();
            try { await asyncio.sleep(10); } catch (e) { log.push(stamp("irq", e)); }
          }, Pin.IRQ_FALLING);
          host.at(500, () => board.drive(4, 0));
          host.at(600, () => resolveA());
          await asyncio.sleep(1);
          log.push("handler task is a: " + (h === a));
          a.cancel(); // actually: cancels the irq handler's sleep; a runs on, uncancellable
          await asyncio.sleep(1);
          pin.close();
        });
      } finally {
        setDigitalPort(previous);
      }
      expect(log).to.deep.equal(["handler task is a: false", "1000 a CancelledError: cancelled"]);
    });
  });

  it("createTask(coro()) from a host callback while one task awaits a plain promise: cancel() of each reaches it", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        let resolveA!: () => void;
        const a = asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => (resolveA = r)));
          try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp("a", e)); }
        });
        let h!: Task<void>;
        host.at(500, () => { h = asyncio.createTask((async () => { try { await asyncio.sleep(10); } catch (e) { log.push(stamp("h", e)); } })()); });
        host.at(600, () => resolveA());
        await asyncio.sleep(1);
        h.cancel();  // actually: lost
        await asyncio.sleep(0.5);
        a.cancel();  // actually: cancels h's sleep
        await asyncio.sleep(0.5);
      });
      expect(log).to.deep.equal(["1000 h CancelledError: cancelled", "1500 a CancelledError: cancelled"]);
      // before the adrift rule: ["1000 h CancelledError: cancelled"] (h right, a lost); now: ["1500 h …"] (both wrong)
    });
  });

  it("once two tasks were adrift together, a third task alone on a plain promise is never known again", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const mk = (name: string, at: number) => asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => host.at(at, r)));
          try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp(name, e)); }
        });
        mk("a", 100); mk("b", 100); // two long-lived tasks, each awaited a plain promise at start-up
        await asyncio.sleep(1);
        const c = mk("c", 1500);     // later, c is the ONE task awaiting something outside asyncio
        await asyncio.sleep(1);
        c.cancel();                  // actually: lost (a and b stay in the adrift list for ever)
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["2000 c CancelledError: cancelled"]);
    });
  });

  it("a memoized async initializer awaited by two tasks: cancelling one does not cancel the other", async () => {
    await onVirtualTime(async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        let ready: Promise<void> | null = null;
        const connect = () => (ready ??= (async () => { await asyncio.sleep(0.1); })());
        const worker = (name: string) => async () => {
          await asyncio.wrapFuture(connect()); // b awaits a's promise: b comes back inside a's step and is taken for a
          try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp(name, e)); }
        };
        const a = asyncio.createTask(worker("a")), b = asyncio.createTask(worker("b"));
        await asyncio.sleep(1);
        a.cancel(); // actually: cancels a AND b
        await asyncio.sleep(1);
        b.cancel();
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["1000 a CancelledError: cancelled", "2000 b CancelledError: cancelled"]);
    });
  });
  // REGRESSION of the adrift rule: before it, both cancels were lost; now a.cancel() cancels b.
  it("two tasks on plain promises, one of them with a dangling Promise.race loser: a.cancel() does not cancel b", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      const ev = new asyncio.Event();
      await asyncio.run(async () => {
        const a = asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => host.at(900, r)));
          try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp("a", e)); }
        });
        const b = asyncio.createTask(async () => {
          await Promise.race([ev.wait(), asyncio.sleep(0.01)]); // README's polling pattern: the ev.wait() loser stays parked,
          await asyncio.wrapFuture(new Promise<void>((r) => host.at(500, r)));      // so b is not listed as adrift; a is, and b is taken for a
          try { for (;;) await asyncio.sleep(0.1); } catch (e) { log.push(stamp("b", e)); }
        });
        await asyncio.sleep(1);
        a.cancel(); // actually: cancels b
        await asyncio.sleep(1);
        b.cancel();
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["1000 a CancelledError: cancelled", "2000 b CancelledError: cancelled"]);
    });
  });
  it("a host callback that resolves a plain promise right after another task's step: the resumed task is not that task", async () => {
    const host = new VirtualHost({ turnCost: 1 }); // time moves between turns: the callback lands before the turn that clears `current`
    await withHost(host, async () => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const a = asyncio.createTask(async () => {
          await asyncio.wrapFuture(new Promise<void>((r) => host.at(100, r))); // a fetch()
          try { await asyncio.sleep(10); log.push("a slept"); } catch (e) { log.push(stamp("a", e)); }
        });
        const x = asyncio.createTask(async () => {
          try { for (;;) await asyncio.sleep(0); } catch (e) { log.push(stamp("x", e)); } // a busy poll loop
        });
        await asyncio.sleep(1);
        x.cancel(); // actually: cancels x AND a (a's sleep belongs to x)
        await asyncio.sleep(1);
        a.cancel();
        await asyncio.sleep(1);
      });
      expect(log.map((l) => l.replace(/^\d+ /, ""))).to.deep.equal(["x CancelledError: cancelled", "a CancelledError: cancelled"]);
      expect(Number(log[1].split(" ")[0])).to.be.greaterThan(1900); // a ends on its own cancel, at ~2 s
    });
  });
});
