import { expect } from "chai";
import asyncio, { RuntimeError, type ExceptionContext, type Loop, type Task } from "asyncio";
import { Pin } from "machine";
import buttons, { CLOSE, DOUBLE, Keyboard, LONG, OPEN, SUPPRESS, SwArray } from "buttons";
import { setDigitalPort } from "machine";
import { SimulatedBoard } from "../hosts/node/board";
import type { KeyMatrix } from "../hosts/node/keymatrix";
import { VirtualHost } from "../hosts/virtual";
import { onBoard, withHost } from "./helpers";

const ROWS = [12, 13, 14, 15];
const COLS = [16, 17, 18, 19];

const timers = (loop: Loop): number => (loop as unknown as { sleepers: { items: unknown[] } }).sleepers.items.length;

function pins(): { rows: Pin[]; cols: Pin[] } {
  return { rows: ROWS.map((p) => new Pin(p, Pin.OPEN_DRAIN, null, { value: 1 })), cols: COLS.map((p) => new Pin(p, Pin.IN, Pin.PULL_UP)) };
}

/** A 4×4 keypad on GPIO12–15 (rows) and 16–19 (columns). */
async function onKeypad(body: (host: VirtualHost, board: SimulatedBoard, keys: KeyMatrix, loop: Loop) => Promise<void>): Promise<void> {
  await onBoard(async (host, board, loop) => {
    const keys = board.attachKeyMatrix({ rows: ROWS, cols: COLS });
    await body(host, board, keys, loop);
  });
}

/** Key (r, c) pressed at `at` and held `ms`, its contacts bouncing for 4 ms at both ends. */
function tap(host: VirtualHost, keys: KeyMatrix, at: number, ms: number, r: number, c: number): void {
  const steps: [number, boolean][] = [[0, true], [2, false], [4, true], [ms, false], [ms + 2, true], [ms + 4, false]];
  for (const [dt, down] of steps) host.at(at + dt, () => (down ? keys.press(r, c) : keys.release(r, c)));
}

async function outcome(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    return e;
  }
}

describe("simulated board: key matrix (hosts/node/keymatrix.ts)", () => {
  it("a column reads the row a pressed key joins it to: low row 0, open-drain high row its pull, push-pull high row 1, closed row its pull", async () => {
    await onBoard(async (_host, board) => {
      const keys = board.attachKeyMatrix({ rows: [12, 13], cols: [16, 17] });
      const r0 = new Pin(12, Pin.OPEN_DRAIN, null, { value: 1 });
      const r1 = new Pin(13, Pin.OUT, null, { value: 1 });
      const c0 = new Pin(16, Pin.IN, Pin.PULL_UP);
      const c1 = new Pin(17, Pin.IN, Pin.PULL_DOWN);
      const edges: string[] = [];
      c0.irq((p) => edges.push(`c0=${p.value()}`));
      expect([c0.value(), c1.value()]).to.deep.equal([1, 0]);
      keys.press(0, 0);
      expect(c0.value()).to.equal(1); // open-drain high: floating, the pull-up wins
      r0.value(0);
      expect(c0.value()).to.equal(0);
      expect(edges).to.deep.equal(["c0=0"]);
      keys.release(0, 0);
      expect(c0.value()).to.equal(1);
      keys.press(1, 1);
      expect(c1.value()).to.equal(1); // push-pull high drives the pulled-down column
      r1.value(0);
      expect(c1.value()).to.equal(0);
      keys.press(1, 0);
      expect(c0.value()).to.equal(0);
      r1.close();
      expect([c0.value(), c1.value()]).to.deep.equal([1, 0]); // a closed row drives nothing
      // Two rows on one column: any low row wins.
      keys.press(0, 0);
      const r1again = new Pin(13, Pin.OUT, null, { value: 1 });
      expect(c0.value()).to.equal(0);
      r1again.value(1);
      r0.value(1);
      expect(c0.value()).to.equal(1);
      expect([keys.isPressed(0, 0), keys.isPressed(0, 1)]).to.deep.equal([true, false]);
      expect(edges).to.deep.equal(["c0=0", "c0=1", "c0=0", "c0=1", "c0=0", "c0=1"]);
    });
  });

  it("drive() and pulls of other pins work as before; bad specs and keys are typed errors naming the call", async () => {
    await onBoard(async (_host, board) => {
      const keys = board.attachKeyMatrix({ rows: [12], cols: [16] });
      const other = new Pin(4, Pin.IN, Pin.PULL_UP);
      board.drive(4, 0);
      expect(other.value()).to.equal(0);
      const bad: [unknown, RegExp, Function][] = [
        [null, /^attachKeyMatrix\(\): expected \{ rows, cols \}/, TypeError],
        [{ rows: [13], cols: "17" }, /^attachKeyMatrix\(\): expected cols as an array of pin numbers, got/, TypeError],
        [{ rows: [], cols: [17] }, /^attachKeyMatrix\(\): rows is empty/, RangeError],
        [{ rows: [13], cols: [] }, /^attachKeyMatrix\(\): cols is empty/, RangeError],
        [{ rows: ["13"], cols: [17] }, /^attachKeyMatrix\(\): expected rows as pin numbers, got/, TypeError],
        [{ rows: [40], cols: [17] }, /^attachKeyMatrix\(\): pin 40 in rows is out of range for the simulated board \(0–39\)$/, RangeError],
        [{ rows: [13, 17], cols: [17] }, /^attachKeyMatrix\(\): GPIO17 appears twice in rows and cols$/, RangeError],
        [{ rows: [13], cols: [16] }, /^attachKeyMatrix\(\): GPIO16 is already wired to another key matrix$/, RangeError],
      ];
      for (const [spec, message, type] of bad) {
        expect(() => board.attachKeyMatrix(spec as never)).to.throw(type as never, message);
      }
      expect(() => keys.press(1, 0)).to.throw(RangeError, /^KeyMatrix\.press\(\): row must be an integer from 0 to 0, got 1$/);
      expect(() => keys.release(0, -1)).to.throw(RangeError, /^KeyMatrix\.release\(\): col must be an integer from 0 to 0, got -1$/);
      expect(() => keys.isPressed("0" as never, 0)).to.throw(TypeError, /^KeyMatrix\.isPressed\(\): expected row as an index/);
    });
  });
});

describe("Keyboard (Hinch's sw_array.Keyboard) on a simulated 4×4 keypad, virtual time", () => {
  it("presses come in order, once each, bounce and all; releases only change isPressed(); idle costs no timer", async () => {
    await onKeypad(async (host, board, keys, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols);
        expect([kbd.capacity, kbd.debounceMs, kbd.nkeys, String(kbd)]).to.deep.equal([10, 50, 16, "Keyboard"]);
        tap(host, keys, 1000, 120, 0, 0);
        tap(host, keys, 2000, 120, 1, 2);
        tap(host, keys, 3000, 300, 3, 3);
        host.at(3100, () => log.push(`held 15: ${kbd.isPressed(15)} 0: ${kbd.isPressed(0)}`));
        host.at(3400, () => log.push(`held 15: ${kbd.isPressed(15)}`));
        host.at(2500, () => log.push(`idle timers: ${timers(loop)}`));
        let n = 0;
        for await (const sc of kbd) {
          log.push(`${sc}@${host.now()}`);
          if (++n === 3) break;
        }
        await asyncio.sleep(1);
        expect(timers(loop)).to.equal(0);
        kbd.deinit();
      });
      expect(log).to.deep.equal(["0@1000", "6@2000", "idle timers: 0", "15@3000", "held 15: true 0: false", "held 15: false"]);
      // Rows idle low while waiting; a scan raises them and lowers one at a time.
      const row12 = board.history.filter((c) => c.pin === 12 && c.time >= 1000 && c.time < 1001).map((c) => c.level);
      expect(row12).to.deep.equal([1, 0, 1]);
    });
  });

  it("two keys at once come in scan-code order; a key pressed while another is held (same column too) is seen at the next scan", async () => {
    await onKeypad(async (host, _board, keys) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols, { dbDelay: 20 });
        host.at(1000, () => {
          keys.press(2, 1);
          keys.press(0, 0);
        });
        host.at(1105, () => {
          keys.release(2, 1);
          keys.release(0, 0);
        });
        host.at(2000, () => keys.press(0, 1));
        host.at(2030, () => keys.press(1, 1)); // same column, which is already low at rest
        host.at(2035, () => log.push(`map ${kbd.keymap()}`));
        host.at(2045, () => log.push(`map ${kbd.keymap()}`));
        host.at(2100, () => keys.release(0, 1));
        host.at(2105, () => keys.press(3, 3));
        host.at(2300, () => {
          keys.release(1, 1);
          keys.release(3, 3);
        });
        const consumer = asyncio.createTask(async () => {
          for await (const sc of kbd) log.push(`${sc}@${host.now()}`);
        });
        await asyncio.sleep(3);
        consumer.cancel();
        kbd.deinit();
      });
      expect(log).to.deep.equal(["0@1000", "9@1000", "1@2000", "map 2", "5@2040", "map 34", "15@2120"]);
    });
  });

  it("a full queue drops the oldest code (Hinch); get() and getNowait() take in order", async () => {
    await onKeypad(async (host, _board, keys) => {
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols, { bufsize: 2 });
        tap(host, keys, 100, 100, 0, 3);
        tap(host, keys, 300, 100, 1, 3);
        tap(host, keys, 500, 100, 2, 3);
        await asyncio.sleep(1);
        expect([kbd.qsize(), kbd.full()]).to.deep.equal([2, true]);
        expect(await kbd.get()).to.equal(7);
        expect(kbd.getNowait()).to.equal(11);
        kbd.deinit();
      });
    });
  });

  it("deinit() stops scanning, closes the pins (free to open again), lets queued codes out, then get() rejects and for-await ends", async () => {
    await onKeypad(async (host, board, keys, loop) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols);
        const waiting = outcome(kbd.get());
        tap(host, keys, 100, 500, 2, 2); // held across deinit(): scanning is on the timer heap then
        await asyncio.sleep(0.2);
        expect(await waiting).to.equal(10);
        tap(host, keys, 400, 50, 0, 1);
        await asyncio.sleep(0.31);
        expect(timers(loop)).to.be.greaterThan(0);
        const iterating = asyncio.createTask(async () => {
          for await (const sc of kbd) log.push(`got ${sc}`);
          log.push("ended");
        });
        const pending = asyncio.createTask(async () => {
          await asyncio.sleep(0.1);
          return outcome(kbd.get());
        });
        await asyncio.sleep(0.05);
        kbd.deinit();
        kbd.deinit();
        const changes = board.history.length;
        for (const p of [...ROWS, ...COLS]) expect(board.isOpen(p), `GPIO${p}`).to.equal(false);
        expect(timers(loop)).to.equal(1); // pending's sleep only
        const e = (await pending) as Error;
        expect(e).to.be.instanceOf(RuntimeError);
        expect(e.message).to.equal("Keyboard.get(): the Keyboard is closed");
        await iterating;
        expect(board.history.length).to.equal(changes);
        await asyncio.sleep(1);
        expect(kbd.qsize()).to.equal(0);
        await outcome(kbd.get()).then((x) => expect((x as Error).message).to.match(/closed$/));
        // The pins can be opened again.
        const again = pins();
        for (const p of [...again.rows, ...again.cols]) p.close();
      });
      expect(log).to.deep.equal(["got 1", "ended"]);
    });
  });

  it("closing one of its pins closes the keyboard and frees the rest", async () => {
    await onKeypad(async (_host, board) => {
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols);
        await asyncio.sleep(0.1);
        const waiting = outcome(kbd.get());
        await asyncio.sleep(0);
        cols[2].close();
        const e = (await waiting) as Error;
        expect(e.message).to.equal("Keyboard.get(): the Keyboard is closed (Pin(18) was closed)");
        for (const p of [...ROWS, ...COLS]) expect(board.isOpen(p)).to.equal(false);
      });
    });
  });

  it("cancelling a task iterating the keyboard takes no key and leaves no waiter; the next consumer gets every key", async () => {
    await onKeypad(async (host, _board, keys, loop) => {
      const got: number[] = [];
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const kbd = new Keyboard(rows, cols);
        const first = asyncio.createTask(async () => {
          for await (const sc of kbd) got.push(sc);
        });
        tap(host, keys, 100, 100, 0, 0);
        await asyncio.sleep(0.5);
        first.cancel();
        await outcome(first);
        expect(first.cancelled()).to.equal(true);
        // A press in the same turn as the cancel: the woken consumer is cancelled, the key stays.
        let second: Task<void> | null = null;
        second = asyncio.createTask(async () => {
          for await (const sc of kbd) got.push(sc);
        });
        await asyncio.sleep(0.1);
        host.at(host.now() + 100, () => {
          keys.press(1, 1);
          second!.cancel();
        });
        host.at(host.now() + 200, () => keys.release(1, 1));
        // Several cancelled get()s, one at each await.
        for (let i = 0; i < 3; i++) {
          const t = asyncio.createTask(() => kbd.get());
          await asyncio.sleep(0);
          t.cancel();
          expect(await outcome(t)).to.be.instanceOf(asyncio.CancelledError);
        }
        await asyncio.sleep(0.5);
        expect(second.done()).to.equal(true);
        const taken = got.length;
        expect(taken + kbd.qsize()).to.equal(2);
        if (kbd.qsize()) got.push(await kbd.get());
        expect((kbd as unknown as { arrivals: { waiting: unknown[] } }).arrivals.waiting).to.deep.equal([]);
        kbd.deinit();
        expect(timers(loop)).to.equal(0);
      });
      expect(got).to.deep.equal([0, 5]);
    });
  });

  it("bad arguments are typed errors naming the call and the value; nothing is registered on the pins then", async () => {
    await onKeypad(async (_host, board) => {
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const bad: [() => unknown, Function, RegExp][] = [
          [() => new Keyboard([], cols), RangeError, /^Keyboard: rowPins is empty/],
          [() => new Keyboard(rows, []), RangeError, /^Keyboard: colPins is empty/],
          [() => new Keyboard("rows" as never, cols), TypeError, /^Keyboard: expected rowPins as an array of Pins, got/],
          [() => new Keyboard(rows, [16] as never), TypeError, /^Keyboard: expected colPins\[0\] as an input Pin, got number 16$/],
          [() => new Keyboard([rows[0], rows[0]], cols), RangeError, /^Keyboard: rowPins\[1\] \(.*\) appears twice in rowPins and colPins$/],
          [() => new Keyboard(rows, [cols[0], rows[1]]), RangeError, /^Keyboard: colPins\[1\] .* appears twice/],
          [() => new Keyboard(rows, cols, null as never), TypeError, /^Keyboard: expected an options object, got null$/],
          [() => new Keyboard(rows, cols, { bufsize: 0 }), RangeError, /^Keyboard: bufsize must be an integer >= 1, got 0$/],
          [() => new Keyboard(rows, cols, { bufsize: 2.5 }), RangeError, /^Keyboard: bufsize must be an integer >= 1, got 2.5$/],
          [() => new Keyboard(rows, cols, { bufsize: "10" as never }), TypeError, /^Keyboard: expected bufsize as a number, got/],
          [() => new Keyboard(rows, cols, { bufsize: 1e9 }), RangeError, /^Keyboard: bufsize must be at most 65536/],
          [() => new Keyboard(rows, cols, { dbDelay: 0 }), RangeError, /^Keyboard: dbDelay must be at least 1 ms .*got 0$/],
          [() => new Keyboard(rows, cols, { dbDelay: -5 }), RangeError, /^Keyboard: dbDelay must be a finite number of milliseconds >= 0, got -5$/],
          [() => new Keyboard(rows, cols, { dbDelay: NaN }), TypeError, /^Keyboard: expected dbDelay as a number of milliseconds, got (number )?NaN$/],
          [() => new Keyboard(rows, cols, { dbDelay: Infinity }), RangeError, /^Keyboard: dbDelay must be a finite/],
          [() => new SwArray(rows, cols, 32), RangeError, /^SwArray: cfg must be at most 31, got 32$/],
          [() => new SwArray(rows, cols, -1), RangeError, /^SwArray: cfg must be an integer >= 0, got -1$/],
          [() => new SwArray(rows, cols, "1" as never), TypeError, /^SwArray: expected cfg as a number/],
          [() => new SwArray(rows, cols, CLOSE, { debounceMs: 0 }), RangeError, /^SwArray: debounceMs must be at least 1 ms/],
          [() => new SwArray(rows, cols, CLOSE, { longPressMs: -1 }), RangeError, /^SwArray: longPressMs must be a finite number/],
          [() => new SwArray(rows, cols, CLOSE, { doubleClickMs: "400" as never }), TypeError, /^SwArray: expected doubleClickMs as a number of milliseconds/],
          [() => new SwArray(rows, cols, CLOSE, { bufsize: -1 }), RangeError, /^SwArray: bufsize must be an integer >= 1, got -1$/],
        ];
        for (const [make, type, message] of bad) expect(make).to.throw(type as never, message);
        for (const p of COLS) expect(board.edgesOf(p)).to.equal(0);
        for (const p of ROWS) expect(board.level(p)).to.equal(1);
        // A row that is an input and a column that is an output: Pin's own RuntimeError, nothing left registered.
        const outputCol = new Pin(4, Pin.OUT);
        expect(() => new Keyboard(rows, [cols[0], outputCol])).to.throw(RuntimeError, /^Pin\(4\)\.irq\(\): the pin is an output/);
        expect(board.edgesOf(16)).to.equal(0);
        const kbd = new Keyboard(rows, cols);
        expect(() => kbd.isPressed(16)).to.throw(RangeError, /^Keyboard\.isPressed\(\): scanCode must be at most 15, got 16$/);
        expect(() => kbd.isPressed(-1)).to.throw(RangeError, /^Keyboard\.isPressed\(\): scanCode must be an integer >= 0, got -1$/);
        expect(() => kbd.isPressed("1" as never)).to.throw(TypeError, /^Keyboard\.isPressed\(\): expected scanCode as a number/);
        kbd.deinit();
      });
    });
  });

  it("a pin that fails while scanned goes to the exception handler; the keyboard closes and its consumers are told", async () => {
    await onKeypad(async (host, _board, keys, loop) => {
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        let fail = false;
        const flaky = { value: (v?: number) => (fail ? (() => { throw "unreadable"; })() : v === undefined ? cols[3].value() : undefined), irq: cols[3].irq.bind(cols[3]) };
        const kbd = new Keyboard(rows, [cols[0], cols[1], cols[2], flaky as never]);
        const consumer = asyncio.createTask(async () => {
          const got: number[] = [];
          for await (const sc of kbd) got.push(sc);
          return got;
        });
        tap(host, keys, 100, 100, 0, 0);
        host.at(150, () => (fail = true));
        await asyncio.sleep(0.5);
        expect(await consumer).to.deep.equal([0]);
        expect(reports.map((r) => [r.message, r.exception])).to.deep.equal([["Exception in Keyboard scanning its pins", "unreadable"]]);
        expect(((await outcome(kbd.get())) as Error).message).to.equal("Keyboard.get(): the Keyboard is closed (its pins failed)");
        expect(timers(loop)).to.equal(0);
      });
    });
  });

  it("a row that fails to be driven, and a pin whose close() throws at deinit(), go to the exception handler too", async () => {
    await onKeypad(async (host, board, keys, loop) => {
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        let fail = false;
        const flaky = {
          value: (v: number) => {
            if (fail) throw new Error("row stuck");
            rows[1].value(v);
          },
          close: () => {
            rows[1].close();
            throw Symbol("close failed");
          },
        };
        const kbd = new Keyboard([rows[0], flaky as never, rows[2], rows[3]], cols);
        tap(host, keys, 100, 100, 1, 0);
        host.at(120, () => (fail = true));
        expect(await kbd.get()).to.equal(4);
        await asyncio.sleep(0.5);
        expect(reports.map((r) => r.message)).to.deep.equal(["Exception in Keyboard scanning its pins", "Exception in Keyboard closing rowPins[1]"]);
        expect((reports[0].exception as Error).message).to.equal("row stuck");
        for (const p of [...ROWS, ...COLS]) expect(board.isOpen(p)).to.equal(false);
      });
    });
  });
});

describe("SwArray (Hinch's sw_array.SwArray) on a simulated 4×4 keypad, virtual time", () => {
  const NAMES: Record<number, string> = { [CLOSE]: "CLOSE", [OPEN]: "OPEN", [LONG]: "LONG", [DOUBLE]: "DOUBLE" };

  /** Key 5 (row 1, col 1): a 120 ms click at 1000, a 1500 ms hold at 3000, a double click at 6000/6200, a 600 ms press at 8000. */
  async function events(cfg: number): Promise<string[]> {
    const log: string[] = [];
    await onKeypad(async (host, _board, keys, loop) => {
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const swa = new SwArray(rows, cols, cfg);
        expect([swa.cfg, swa.debounceMs, swa.longPressMs, swa.doubleClickMs, swa.capacity]).to.deep.equal([cfg, 50, 1000, 400, 10]);
        tap(host, keys, 1000, 120, 1, 1);
        tap(host, keys, 3000, 1500, 1, 1);
        tap(host, keys, 6000, 120, 1, 1);
        tap(host, keys, 6200, 120, 1, 1);
        tap(host, keys, 8000, 600, 1, 1);
        const consumer = asyncio.createTask(async () => {
          for await (const [sc, evt] of swa) log.push(`${sc} ${NAMES[evt]}@${host.now()}`);
        });
        await asyncio.sleep(10);
        swa.deinit();
        await consumer;
        expect(timers(loop)).to.equal(0);
      });
    });
    return log;
  }

  it("CLOSE | OPEN: each press and release, untimed", async () => {
    expect(await events(CLOSE | OPEN)).to.deep.equal([
      "5 CLOSE@1000", "5 OPEN@1150",
      "5 CLOSE@3000", "5 OPEN@4500",
      "5 CLOSE@6000", "5 OPEN@6150", "5 CLOSE@6200", "5 OPEN@6350",
      "5 CLOSE@8000", "5 OPEN@8600",
    ]);
  });

  it("CLOSE | OPEN | LONG | DOUBLE: LONG after 1000 ms held, DOUBLE at the second press (which is timed for no LONG)", async () => {
    expect(await events(CLOSE | OPEN | LONG | DOUBLE)).to.deep.equal([
      "5 CLOSE@1000", "5 OPEN@1150",
      "5 CLOSE@3000", "5 LONG@4000", "5 OPEN@4500",
      "5 CLOSE@6000", "5 OPEN@6150", "5 CLOSE@6200", "5 DOUBLE@6200", "5 OPEN@6350",
      "5 CLOSE@8000", "5 OPEN@8600",
    ]);
  });

  it("SUPPRESS (Hinch's table): a short press is CLOSE + OPEN when the double-click window closes; LONG, OPEN; DOUBLE, OPEN", async () => {
    expect(await events(CLOSE | OPEN | LONG | DOUBLE | SUPPRESS)).to.deep.equal([
      "5 CLOSE@1400", "5 OPEN@1400",
      "5 LONG@4000", "5 OPEN@4500",
      "5 DOUBLE@6200", "5 OPEN@6350",
      "5 CLOSE@8600", "5 OPEN@8600",
    ]);
  });

  it("only the kinds in cfg are queued: DOUBLE alone; LONG | SUPPRESS (no DOUBLE timed: a short press is told at its release)", async () => {
    expect(await events(DOUBLE)).to.deep.equal(["5 DOUBLE@6200"]);
    expect(await events(CLOSE | LONG | SUPPRESS)).to.deep.equal(["5 CLOSE@1150", "5 LONG@4000", "5 CLOSE@6150", "5 CLOSE@6350", "5 CLOSE@8600"]);
  });

  it("keys are timed apart; keymap() and isPressed() give the debounced state; the default export has it all", async () => {
    await onKeypad(async (host, _board, keys) => {
      const log: string[] = [];
      await asyncio.run(async () => {
        const { rows, cols } = pins();
        const swa = new buttons.SwArray(rows, cols, buttons.CLOSE | buttons.LONG, { longPressMs: 300, debounceMs: 10 });
        host.at(100, () => keys.press(0, 0));
        host.at(255, () => keys.press(3, 3));
        host.at(200, () => log.push(`map ${swa.keymap()}`));
        host.at(300, () => log.push(`map ${swa.keymap()} ${swa.isPressed(15)}`));
        host.at(500, () => keys.release(0, 0));
        host.at(700, () => keys.release(3, 3));
        const consumer = asyncio.createTask(async () => {
          for await (const [sc, evt] of swa) log.push(`${sc} ${NAMES[evt]}@${host.now()}`);
        });
        await asyncio.sleep(1);
        swa.deinit();
        await consumer;
      });
      expect(log).to.deep.equal(["0 CLOSE@100", "map 1", "15 CLOSE@260", "map 32769 true", "0 LONG@400", "15 LONG@560"]);
    });
  });
});

describe("Keyboard on hosts whose turns cost time or fall between promise jobs", () => {
  const hosts: [string, () => VirtualHost][] = [
    ["time moves between turns", () => new VirtualHost({ turnCost: 1 })],
    ["turns between promise jobs", () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) })],
  ];
  for (const [label, make] of hosts) {
    it(`${label}: every press arrives once, in order, with consumers cancelled at every await; nothing is left behind`, async () => {
      const host = make();
      await withHost(host, async (loop) => {
        const board = new SimulatedBoard(() => host.now());
        const previous = setDigitalPort(board);
        try {
          const keys = board.attachKeyMatrix({ rows: ROWS, cols: COLS });
          const got: number[] = [];
          await asyncio.run(async () => {
            const { rows, cols } = pins();
            const kbd = new Keyboard(rows, cols, { bufsize: 16 });
            for (let k = 0; k < 16; k++) tap(host, keys, 100 + k * 200, 80, k >> 2, k & 3);
            // A consumer cancelled every 37 ms, wherever it is.
            while (host.now() < 3500) {
              const t = asyncio.createTask(async () => {
                for await (const sc of kbd) got.push(sc);
              });
              await asyncio.sleep(0.037);
              t.cancel();
              await outcome(t);
            }
            while (!kbd.empty()) got.push(kbd.getNowait());
            await asyncio.sleep(0.5);
            kbd.deinit();
            expect((kbd as unknown as { arrivals: { waiting: unknown[] } }).arrivals.waiting).to.deep.equal([]);
            expect(timers(loop)).to.equal(0);
          });
          expect(got).to.deep.equal([...Array(16).keys()]);
          expect(host.reports).to.deep.equal([]);
        } finally {
          setDigitalPort(previous);
        }
      });
    });
  }
});
