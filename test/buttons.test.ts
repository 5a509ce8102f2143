import { expect } from "chai";
import * as path from "path";
import asyncio, { GlobalTimersHost, RuntimeError, type ExceptionContext, type Loop } from "asyncio";
import { Pin, setDigitalPort } from "machine";
import { DelayMs, Pushbutton, Switch } from "buttons";
import { SimulatedBoard } from "../hosts/node/board";
import { runApp } from "../hosts/node/runner";
import type { VirtualHost } from "../hosts/virtual";
import { onBoard, onVirtualTime, withHost, CountingTimers } from "./helpers";

const BUTTON = 0;

/**
 * A press of an active-low button at `at` held `ms`, with contact bounce:
 * the level flips 3 times within 4 ms on both press and release.
 */
function press(host: VirtualHost, board: SimulatedBoard, at: number, ms: number, pin = BUTTON): void {
  const steps: [number, 0 | 1][] = [[0, 0], [2, 1], [4, 0], [ms, 1], [ms + 2, 0], [ms + 4, 1]];
  for (const [dt, level] of steps) host.at(at + dt, () => board.drive(pin, level));
}

/** The waveform of the issue: presses of 30, 600 and 1200 ms, then two 30 ms presses 200 ms apart. */
function script(host: VirtualHost, board: SimulatedBoard): void {
  press(host, board, 1000, 30);
  press(host, board, 2000, 600);
  press(host, board, 4000, 1200);
  press(host, board, 7000, 30);
  press(host, board, 7200, 30);
}

function logAll(pb: Pushbutton, log: string[], host: VirtualHost): void {
  pb.pressFunc((what: string) => log.push(`${what}@${host.now()}`), ["press"]);
  pb.releaseFunc(() => log.push(`release@${host.now()}`));
  pb.longFunc(() => log.push(`long@${host.now()}`));
  pb.doubleFunc(() => log.push(`double@${host.now()}`));
}

describe("Pushbutton on the simulated board (virtual time, bouncing contacts)", () => {
  it("reports press, release, long press and double click at exact times", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP));
        expect([pb.sense, pb.isPressed(), pb.longMs, pb.doubleMs, pb.debounceMs, pb.suppress]).to.deep.equal([1, false, 1000, 400, 50, false]);
        logAll(pb, log, host);
        script(host, board);
        await asyncio.sleep(8);
        pb.close();
      });
      expect(log).to.deep.equal([
        // 30 ms press: the release edge falls in the 50 ms debounce window, seen when it ends.
        "press@1000", "release@1050",
        // 600 ms: no long press (released before 1000 ms).
        "press@2000", "release@2600",
        // 1200 ms: long press at 1000 ms after the press.
        "press@4000", "long@5000", "release@5200",
        // Two presses 200 ms apart: a double click on the second press.
        "press@7000", "release@7050", "press@7200", "double@7200", "release@7250",
      ]);
    });
  });

  it("suppress: a short click's release waits for the double-click window; no release after long or double", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP), { suppress: true });
        logAll(pb, log, host);
        script(host, board);
        await asyncio.sleep(8);
        pb.close();
      });
      expect(log).to.deep.equal([
        "press@1000", "release@1400",
        "press@2000", "release@2600",
        "press@4000", "long@5000",
        "press@7000", "press@7200", "double@7200",
      ]);
    });
  });

  it("suppress with no release callback does not crash (Hinch #115); other events still come", async () => {
    await onBoard(async (host, board, loop) => {
      const log: string[] = [];
      const contexts: ExceptionContext[] = [];
      await asyncio.run(async () => {
        loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP), { suppress: true });
        pb.pressFunc(() => log.push(`press@${host.now()}`));
        pb.longFunc(() => log.push(`long@${host.now()}`));
        pb.doubleFunc(() => log.push(`double@${host.now()}`));
        const waiter = asyncio.createTask(async () => {
          for (;;) {
            await pb.released();
            log.push(`released() resolved@${host.now()}`);
          }
        });
        script(host, board);
        await asyncio.sleep(8);
        waiter.cancel();
        pb.close();
      });
      expect(contexts).to.deep.equal([]);
      expect(host.reports).to.deep.equal([]);
      expect(log).to.deep.equal([
        "press@1000", "released() resolved@1400", "press@2000", "released() resolved@2600",
        "press@4000", "long@5000", "press@7000", "press@7200", "double@7200",
      ]);
    });
  });

  it("awaitables: pressed(), released(), longPressed(), doubleClicked() resolve at the next event; Events via xFunc(null)", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP), { longMs: 500 });
        pb.longFunc(null);
        pb.doubleFunc(null);
        expect(pb.long).to.be.instanceOf(asyncio.Event);
        const watch = (name: string, next: () => Promise<void>) => asyncio.createTask(async () => {
          for (;;) {
            await next();
            log.push(`${name}@${host.now()}`);
          }
        });
        const tasks = [
          watch("pressed", () => pb.pressed()),
          watch("released", () => pb.released()),
          watch("longPressed", () => pb.longPressed()),
          watch("doubleClicked", () => pb.doubleClicked()),
          watch("long Event", async () => {
            await pb.long!.wait();
            pb.long!.clear();
          }),
        ];
        script(host, board);
        await asyncio.sleep(8);
        expect(pb.double!.isSet()).to.equal(true);
        for (const t of tasks) t.cancel();
        pb.close();
      });
      expect(log).to.deep.equal([
        "pressed@1000", "released@1050",
        "pressed@2000", "long Event@2500", "longPressed@2500", "released@2600",
        "pressed@4000", "long Event@4500", "longPressed@4500", "released@5200",
        "pressed@7000", "released@7050", "pressed@7200", "doubleClicked@7200", "released@7250",
      ]);
    });
  });

  it("active-high buttons (sense 0), custom times, double and long detection turned off", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pb = new Pushbutton(new Pin(5, Pin.IN, Pin.PULL_DOWN), { longMs: 0, doubleMs: null, debounceMs: 20 });
        expect(pb.sense).to.equal(0);
        logAll(pb, log, host);
        for (const [at, ms] of [[100, 10], [300, 1500], [2000, 10]]) {
          host.at(at, () => board.drive(5, 1));
          host.at(at + 3, () => board.drive(5, 0));
          host.at(at + 5, () => board.drive(5, 1));
          host.at(at + ms, () => board.drive(5, 0));
        }
        await asyncio.sleep(3);
        pb.close();
      });
      expect(log).to.deep.equal(["press@100", "release@120", "press@300", "release@1800", "press@2000", "release@2020"]);
    });
  });

  it("a callback that throws goes to the exception handler and the button keeps working; async callbacks run as tasks", async () => {
    await onBoard(async (host, board, loop) => {
      const log: string[] = [];
      const contexts: ExceptionContext[] = [];
      await asyncio.run(async () => {
        loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP));
        pb.pressFunc(() => {
          throw new Error("callback bug");
        });
        pb.releaseFunc(async () => {
          await asyncio.sleep(0.1); // an async callback does not hold the button up
          log.push(`slow release handler done@${host.now()}`);
        });
        pb.longFunc(() => log.push(`long@${host.now()}`));
        press(host, board, 100, 30);
        press(host, board, 1000, 1100);
        await asyncio.sleep(3);
        pb.close();
      });
      expect(contexts.map((c) => [c.message, (c.exception as Error).message, c.future])).to.deep.equal([
        ["Exception in Pushbutton(Pin(0)) press callback", "callback bug", null],
        ["Exception in Pushbutton(Pin(0)) press callback", "callback bug", null],
      ]);
      expect(log).to.deep.equal(["slow release handler done@250", "long@2000", "slow release handler done@2200"]);
    });
  });

  it("close() cancels the internal task, stops its timers, frees the pin's irq and rejects pending awaiters (Hinch #74, #138)", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pin = new Pin(BUTTON, Pin.IN, Pin.PULL_UP);
        const pb = new Pushbutton(pin);
        logAll(pb, log, host);
        const task = (pb as unknown as { task: { done(): boolean; cancelled(): boolean } }).task;
        const waiting = asyncio.createTask(() => pb.doubleClicked());
        host.at(100, () => board.drive(BUTTON, 0)); // pressed: long and double timers running
        await asyncio.sleep(0.2);
        pb.close();
        pb.close(); // idempotent
        await asyncio.sleep(0);
        expect(task.cancelled()).to.equal(true);
        const e = await waiting.then(() => null, (x) => x);
        expect(e).to.be.instanceOf(RuntimeError);
        host.at(300, () => board.drive(BUTTON, 1));
        host.at(500, () => board.drive(BUTTON, 0));
        await asyncio.sleep(2);
        const timers = pb as unknown as { longTimer: { running(): boolean }; doubleTimer: { running(): boolean } };
        expect([timers.longTimer.running(), timers.doubleTimer.running()]).to.deep.equal([false, false]);
        // The pin is free for someone else; the board keeps the level driven onto it (low since 500 ms).
        pin.irq(() => log.push(`irq@${host.now()}`), Pin.IRQ_FALLING);
        board.drive(BUTTON, 1);
        board.drive(BUTTON, 0);
      });
      expect(log).to.deep.equal(["press@100", "irq@2200"]);
    });
  });

  it("close() from inside the button's own callback is fine", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const pb = new Pushbutton(new Pin(BUTTON, Pin.IN, Pin.PULL_UP));
        pb.pressFunc(() => {
          log.push(`press@${host.now()}`);
          pb.close();
        });
        pb.releaseFunc(() => log.push("release"));
        press(host, board, 100, 30);
        press(host, board, 500, 30);
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["press@100"]);
    });
  });

  it("bad input: clear TypeErrors and RangeErrors", async () => {
    await onBoard(async () => {
      await asyncio.run(async () => {
        const pin = new Pin(BUTTON, Pin.IN, Pin.PULL_UP);
        expect(() => new Pushbutton(pin, { longMs: -1 })).to.throw(RangeError, "Pushbutton(Pin(0)): longMs must be a finite number of milliseconds >= 0, got -1");
        expect(() => new Pushbutton(pin, { doubleMs: -400 })).to.throw(RangeError, /doubleMs/);
        expect(() => new Pushbutton(pin, { debounceMs: -5 })).to.throw(RangeError, /Pushbutton\(Pin\(0\)\): debounceMs/);
        expect(() => new Pushbutton(pin, { longMs: "1000" as never })).to.throw(TypeError, /Pushbutton\(Pin\(0\)\): expected longMs as a number of milliseconds, got string "1000"/);
        expect(() => new Pushbutton(pin, { sense: 2 as never })).to.throw(RangeError, /sense must be 0, 1 or null, got 2/);
        expect(() => new Pushbutton(42 as never)).to.throw(TypeError, "Pushbutton: expected an input Pin, got number 42");
        expect(() => new Switch(pin, { debounceMs: -1 })).to.throw(RangeError, /Switch\(Pin\(0\)\): debounceMs/);
        expect(() => new DelayMs(-1)).to.throw(RangeError, /DelayMs: durationMs/);
        expect(() => new DelayMs(NaN)).to.throw(TypeError, /DelayMs: expected durationMs/);
        expect(() => new DelayMs(100, 5 as never)).to.throw(TypeError, /DelayMs: expected the callback as a function/);
        const d = new DelayMs(100);
        expect(() => d.trigger(-1)).to.throw(RangeError, /DelayMs.trigger\(\): ms/);
        const pb = new Pushbutton(pin);
        expect(() => pb.pressFunc(42 as never)).to.throw(TypeError, /Pushbutton\(Pin\(0\)\)\.pressFunc\(\): expected the callback as a function, null .* or false/);
        expect(() => pb.longFunc(() => 0, "x" as never)).to.throw(TypeError, /args as an array/);
        pb.close();
      });
    });
  });
});

describe("Switch on the simulated board", () => {
  it("debounced close/open callbacks with args, awaitables and Events", async () => {
    await onBoard(async (host, board) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const sw = new Switch(new Pin(4, Pin.IN, Pin.PULL_UP));
        expect(sw.value()).to.equal(1);
        sw.closeFunc((a: string, b: number) => log.push(`close ${a} ${b}@${host.now()}`), ["x", 1]);
        sw.openFunc(null);
        expect(sw.openEvent).to.be.instanceOf(asyncio.Event);
        const closer = asyncio.createTask(async () => {
          for (;;) {
            await sw.closed();
            log.push(`closed()@${host.now()} value ${sw.value()}`);
          }
        });
        const opener = asyncio.createTask(async () => {
          for (;;) {
            await sw.openEvent!.wait();
            sw.openEvent!.clear();
            log.push(`openEvent@${host.now()}`);
          }
        });
        press(host, board, 100, 500, 4);
        press(host, board, 1000, 20, 4);
        // A 3 ms glitch while idle is not a closure.
        host.at(2000, () => board.drive(4, 0));
        host.at(2003, () => board.drive(4, 1));
        await asyncio.sleep(3);
        closer.cancel();
        opener.cancel();
        sw.close();
      });
      expect(log).to.deep.equal([
        "close x 1@100", "closed()@100 value 0", "openEvent@600",
        "close x 1@1000", "closed()@1000 value 0", "openEvent@1050",
        // The glitch: acted on at its leading edge (Hinch's Switch does the same when a poll lands on it).
        "close x 1@2000", "closed()@2000 value 0", "openEvent@2050",
      ]);
    });
  });
});

describe("DelayMs", () => {
  it("expires after its duration; trigger() retriggers, stop() cancels; wait(), callback, rvalue()", async () => {
    await onVirtualTime(async (host) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const d = new DelayMs(1000, (tag: string) => {
          log.push(`${tag}@${host.now()}`);
          return host.now();
        }, ["expired"]);
        expect(d.running()).to.equal(false);
        d.trigger();
        expect(d.running()).to.equal(true);
        await asyncio.sleep(0.5);
        d.trigger(); // pushed to 1500
        await d.wait();
        log.push(`wait()@${host.now()} running ${d.running()} rvalue ${d.rvalue()}`);
        d.trigger(300);
        await asyncio.sleep(0.1);
        d.stop();
        await asyncio.sleep(1);
        expect(d.running()).to.equal(false);
        d.trigger(0); // next turn
        await asyncio.sleep(0);
        await asyncio.sleep(0);
        d.callback(async () => {
          await asyncio.sleep(0.1);
          log.push(`async callback done@${host.now()}`);
        });
        d.trigger(200);
        await d.wait();
        const task = d.rvalue() as { done(): boolean };
        await asyncio.sleep(0.2);
        expect(task.done()).to.equal(true);
        d.close();
        expect(() => d.trigger()).to.throw(RuntimeError, /closed/);
      });
      expect(log).to.deep.equal([
        "expired@1500", "wait()@1500 running false rvalue 1500", "expired@2600", "async callback done@2900",
      ]);
    });
  });

  it("trigger() from a host callback (an interrupt) outside any task; a throwing callback is reported and the delay goes on", async () => {
    await onVirtualTime(async (host, loop) => {
      const log: string[] = [];
      const contexts: ExceptionContext[] = [];
      let calls = 0;
      const d = new DelayMs(100, () => {
        log.push(`expired@${host.now()}`);
        if (++calls === 1) throw new Error("callback bug");
      });
      host.at(50, () => d.trigger());
      host.at(120, () => d.trigger()); // watchdog kick: pushed to 220
      host.at(400, () => d.trigger(30));
      await asyncio.run(async () => {
        loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
        await asyncio.sleep(1);
      });
      expect(log).to.deep.equal(["expired@220", "expired@430"]);
      expect(contexts.map((c) => [c.message, (c.exception as Error).message])).to.deep.equal([["Exception in DelayMs callback", "callback bug"]]);
    });
  });
});

describe("buttons share the loop's one host timer", () => {

  it("four buttons, a switch and two delays, all busy, hold one host timer (real time)", async function () {
    this.timeout(5000);
    const timers = new CountingTimers();
    const board = new SimulatedBoard();
    const previous = setDigitalPort(board);
    try {
      await withHost(new GlobalTimersHost(timers), async () => {
        const counts = { press: 0, long: 0, release: 0, delay: 0 };
        await asyncio.run(async () => {
          const buttons = [0, 5, 18, 19].map((id) => {
            const pb = new Pushbutton(new Pin(id, Pin.IN, Pin.PULL_UP), { longMs: 60, doubleMs: 40, debounceMs: 10 });
            pb.pressFunc(() => counts.press++);
            pb.longFunc(() => counts.long++);
            pb.releaseFunc(() => counts.release++);
            return pb;
          });
          const sw = new Switch(new Pin(21, Pin.IN, Pin.PULL_UP), { debounceMs: 10 });
          const delays = [new DelayMs(30, () => counts.delay++), new DelayMs(70, () => counts.delay++)];
          for (const d of delays) d.trigger();
          for (const id of [0, 5, 18, 19]) {
            setTimeout(() => board.drive(id, 0), 20);
            setTimeout(() => board.drive(id, 1), 150);
          }
          await asyncio.sleep(0.3);
          for (const pb of buttons) pb.close();
          sw.close();
        });
        expect(counts).to.deep.equal({ press: 4, long: 4, release: 4, delay: 2 });
      });
    } finally {
      setDigitalPort(previous);
    }
    expect(timers.maxLive).to.equal(1);
  });
});

describe("examples/button-blink.ts on the simulated board", () => {
  it("short press: next rate; long press: stop, then start; double click: first rate again (LED timeline)", async () => {
    const run = runApp({ entry: path.join(__dirname, "..", "examples", "button-blink.ts"), virtual: true, duration: 10.8, view: false });
    const host = run.host as VirtualHost;
    press(host, run.board, 1200, 30); // short: 250 ms half-periods once the double-click window closes (1600)
    press(host, run.board, 3100, 1200); // long at 4100: stops (the LED goes off at its next step, 4250)
    press(host, run.board, 5000, 30); // double click at 5200: 500 ms again, blinking at once
    press(host, run.board, 5200, 30);
    press(host, run.board, 7000, 1200); // long at 8000: stops
    press(host, run.board, 9000, 1200); // long at 10000: starts again
    await run.finished;
    const led = run.board.history.filter((c) => c.pin === 2).map((c) => `${c.time}:${c.level}`);
    expect(led).to.deep.equal([
      "0:0", // opened
      "0:1", "500:0", "1000:1", "1500:0", "2000:1",
      "2250:0", "2500:1", "2750:0", "3000:1", "3250:0", "3500:1", "3750:0", "4000:1", "4250:0",
      "5200:1", "5700:0", "6200:1", "6700:0", "7200:1", "7700:0",
      "10000:1", "10500:0",
    ]);
  });
});

describe("examples/producer-consumer.ts on the simulated board", () => {
  it("reports a summary of the queued readings every second", async () => {
    const run = runApp({ entry: path.join(__dirname, "..", "examples", "producer-consumer.ts"), virtual: true, duration: 3.5, view: false, out: { write: () => true } as unknown as NodeJS.WriteStream });
    const host = run.host as VirtualHost;
    host.at(1450, () => run.board.drive(4, 0)); // the door closes for a while
    host.at(1750, () => run.board.drive(4, 1));
    await run.finished;
    expect(host.printed).to.deep.equal([
      "report: 10 readings from 0 to 900 ms, 10 high, 0 low",
      "report: 11 readings from 1000 to 2000 ms, 8 high, 3 low",
      "report: 10 readings from 2100 to 3000 ms, 10 high, 0 low",
    ]);
  });
});
