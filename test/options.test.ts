// Options objects and array arguments, whatever comes: every call that takes
// options refuses null, a revoked Proxy, a getter that throws and a key it
// does not take (CPython refuses an unexpected keyword) with a TypeError
// naming the call, before anything starts; arrays (awaitables, args, pins,
// cron fields) likewise. The loop goes on.
import { expect } from "chai";
import asyncio from "asyncio";
import { Pin } from "machine";
import { EButton, ESwitch, Keyboard, Pushbutton, SwArray, Switch } from "buttons";
import { onBoard, onVirtualTime } from "./helpers";

const revoked = (): object => {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
};
const revokedArray = (): unknown[] => {
  const r = Proxy.revocable([] as unknown[], {});
  r.revoke();
  return r.proxy;
};
/** An array whose every read throws (its length included). */
const trappingArray = (): unknown[] => new Proxy([] as unknown[], { get() { throw new Error("trap"); } });
const getter = (key: string): object => Object.defineProperty({}, key, { enumerable: true, get() { throw new Error(`getter ${key}`); } });

/** Each bad options value, and what the TypeError says after "<where>: ". */
function badOptions(key: string): [unknown, RegExp][] {
  return [
    [null, /^expected .*, got null$/],
    [revoked(), /^reading the options threw \(.*revoked.*\)$/],
    [getter(key), new RegExp(`^reading ${key} of the options threw \\(getter ${key}\\)$`)],
    [{ [key + "x"]: 1 }, new RegExp(`^unknown option "${key}x" \\(expected one of .*${key}.*\\)$`)],
  ];
}
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function expectRefused(where: string, call: (options: unknown) => unknown, key: string): void {
  for (const [options, message] of badOptions(key)) {
    let err: unknown = null;
    try {
      call(options);
    } catch (e) {
      err = e;
    }
    expect(err, `${where} with ${String(message)}`).to.be.instanceOf(TypeError);
    const text = (err as Error).message;
    expect(text.startsWith(`${where}: `), text).to.equal(true);
    expect(text.slice(where.length + 2)).to.match(message);
  }
}

describe("options and arrays: anything as input gets a TypeError naming the call", () => {
  it("the core: run, gather, wait, race, asCompleted, every, everyMs, createTask, Future, Runner, utf8Decode", async () => {
    await onVirtualTime(async (_host, loop) => {
      const body = async (): Promise<number> => 1;
      expectRefused("run", (o) => asyncio.run(body, o as never), "debug");
      expect(loop.isRunning()).to.equal(false);
      await asyncio.run(async () => {
        expectRefused("gather", (o) => asyncio.gather([], o as never), "returnExceptions");
        expectRefused("wait", (o) => asyncio.wait([asyncio.sleep(0)], o as never), "timeout");
        expectRefused("asCompleted", (o) => asyncio.asCompleted([], o as never), "timeout");
        expectRefused("every", (o) => asyncio.every(1, o as never), "missed");
        expectRefused("everyMs", (o) => asyncio.everyMs(1, o as never), "missed");
        expectRefused("createTask", (o) => asyncio.createTask(body, o as never), "name");
        expectRefused("Future", (o) => new asyncio.Future(o as never), "loop");
        expectRefused("Runner", (o) => new asyncio.Runner(o as never), "debug");
        expectRefused("utf8Decode", (o) => asyncio.utf8Decode(new Uint8Array(0), o as never), "fatal");
        // What is right still works, an object without a prototype included.
        expect(await asyncio.gather([body()], Object.assign(Object.create(null), { returnExceptions: true }))).to.deep.equal([1]);
        // Nothing was started by a refused call; the loop goes on.
        await asyncio.sleep(0.1);
      });
    });
  });

  it("schedule() and cron(): a spec that is a revoked Proxy or has a throwing getter", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        for (const [fn, call] of [["schedule()", (o: unknown) => asyncio.schedule(() => {}, o as never)], ["cron()", (o: unknown) => asyncio.cron(o as never)]] as const) {
          expect(() => call(revoked())).to.throw(TypeError, new RegExp(`^${escape(fn)}: reading the options threw \\(.*revoked`));
          expect(() => call(getter("hrs"))).to.throw(TypeError, `${fn}: reading hrs of the options threw (getter hrs)`);
          expect(() => call({ hrs: revokedArray() })).to.throw(TypeError, `${fn}: expected hrs as a number, an array of numbers or null, got`);
          expect(() => call({ hrs: trappingArray() })).to.throw(TypeError, `${fn}: reading hrs as an array threw (trap)`);
        }
        expect(() => asyncio.schedule(() => {}, getter("clock"))).to.throw(TypeError, "schedule(): reading clock of the options threw (getter clock)");
        // The spec's keys are read once (a Proxy's ownKeys trap runs once).
        let ownKeys = 0;
        asyncio.cron(new Proxy({ hrs: 3 }, { ownKeys(t) { ownKeys++; return Reflect.ownKeys(t); } }));
        expect(ownKeys).to.equal(1);
        expect(() => asyncio.cron({ hrs: 3, minz: 1 } as never)).to.throw(TypeError, 'cron(): unknown option "minz" (expected one of secs, mins, hrs, mday, month, wday)');
      });
    });
  });

  it("arrays: gather, wait, race, asCompleted and launch refuse a revoked Proxy and one whose reads throw", async () => {
    await onVirtualTime(async () => {
      await asyncio.run(async () => {
        for (const [fn, call] of [
          ["gather", (a: unknown) => asyncio.gather(a as never)],
          ["wait", (a: unknown) => asyncio.wait(a as never)],
          ["race", (a: unknown) => asyncio.race(a as never)],
          ["asCompleted", (a: unknown) => asyncio.asCompleted(a as never)],
        ] as const) {
          expect(() => call(revokedArray()), fn).to.throw(TypeError, new RegExp(`^${fn}: expected an array (or another iterable )?of awaitables( \\(.*\\))?, got`));
          expect(() => call(trappingArray()), fn).to.throw(TypeError, `${fn}: reading an array of awaitables threw (trap)`);
          // The CPython habit, awaitables as arguments, is told how to put it right.
          if (fn !== "asCompleted") expect(() => call(Promise.resolve(1)), fn).to.throw(TypeError, `${fn}: expected an array of awaitables (${fn}([a(), b()]), not ${fn}(a(), b())), got Promise`);
        }
        expect(() => asyncio.launch(() => 1, revokedArray())).to.throw(TypeError, "launch: expected args as an array, got");
        expect(() => asyncio.launch(() => 1, trappingArray())).to.throw(TypeError, "launch: reading args as an array threw (trap)");
        // An Array subclass whose constructor takes other arguments is read as an array (slice() would call it).
        class TaskList<T> extends Array<T> {
          constructor(items: T[]) {
            super();
            this.push(...items);
          }
        }
        expect(await asyncio.gather(new TaskList([(async () => 1)(), (async () => 2)()]) as never)).to.deep.equal([1, 2]);
        // Options as an array are refused, not read as no options.
        expect(() => asyncio.gather([], [] as never)).to.throw(TypeError, "gather: expected options as an object such as { returnExceptions: true }, got Array");
        // A plain array is read once, at the call: changing it later changes nothing.
        const aws: Promise<string>[] = [(async () => "a")()];
        const all = asyncio.gather(aws);
        aws.push((async () => "b")());
        expect(await all).to.deep.equal(["a"]);
        await asyncio.sleep(0.1);
      });
    });
  });

  it("buttons: Pushbutton, EButton, Switch, ESwitch, Keyboard and SwArray; no irq handler is left on the pin", async () => {
    await onBoard(async (_host, board) => {
      await asyncio.run(async () => {
        const pin = new Pin(0, Pin.IN, Pin.PULL_UP);
        const edges = board.edgesOf(0);
        for (const [where, make, key] of [
          ["Pushbutton(Pin(0))", (o: unknown) => new Pushbutton(pin, o as never), "longPressMs"],
          ["EButton(Pin(0))", (o: unknown) => new EButton(pin, o as never), "doubleClickMs"],
          ["Switch(Pin(0))", (o: unknown) => new Switch(pin, o as never), "debounceMs"],
          ["ESwitch(Pin(0))", (o: unknown) => new ESwitch(pin, o as never), "lopen"],
        ] as const) {
          for (const [options, message] of badOptions(key).slice(1)) {
            expect(() => make(options), where).to.throw(TypeError, new RegExp(`^${escape(where)}: ${message.source.slice(1)}`));
          }
          expect(board.edgesOf(0)).to.equal(edges);
        }
        // Pushbutton takes Hinch's names (long_press_ms, double_click_ms), as EButton does; its former ones still work, not both.
        const pb = new Pushbutton(pin, { longPressMs: 2000, doubleClickMs: null });
        expect([pb.longMs, pb.doubleMs]).to.deep.equal([2000, 0]);
        pb.deinit();
        const old = new Pushbutton(pin, { longMs: 1500 });
        expect([old.longMs, old.doubleMs]).to.deep.equal([1500, 400]);
        old.deinit();
        expect(() => new Pushbutton(pin, { longPressMs: 1, longMs: 1 })).to.throw(TypeError, "Pushbutton(Pin(0)): give longPressMs or its former name longMs, not both");
        expect(() => new Pushbutton(pin, { longPressMs: NaN })).to.throw(TypeError, /Pushbutton\(Pin\(0\)\): expected longPressMs as a number/);
        const rows = [new Pin(4, Pin.OUT)];
        const cols = [new Pin(5, Pin.IN, Pin.PULL_UP)];
        expect(() => new Keyboard(rows, cols, { dbDelay: 20, typo: 1 } as never)).to.throw(TypeError, 'Keyboard: unknown option "typo"');
        expect(() => new SwArray(rows, cols, 0, getter("longPressMs"))).to.throw(TypeError, "SwArray: reading longPressMs of the options threw (getter longPressMs)");
        expect(() => new Keyboard(revokedArray() as never, cols)).to.throw(TypeError, "Keyboard: expected rowPins as an array of Pins, got");
        expect(() => new SwArray(rows, trappingArray() as never, 0)).to.throw(TypeError, "SwArray: reading colPins as an array of Pins threw (trap)");
        // The pins checked are the pins used: an array whose iterator gives something else is read by index, once.
        const sly = [...cols];
        Object.defineProperty(sly, Symbol.iterator, { value: function* () { yield 42; } });
        const kb = new Keyboard(rows, sly);
        expect(kb.colPins).to.deep.equal(cols);
        kb.deinit();
        await asyncio.sleep(0.1);
      });
    });
  });
});
