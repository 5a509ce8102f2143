import asyncio, { type Event, type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_gather_finished_early.py

const expected: string[] = [];
for (let i = 0; i < 8; i++) {
  const runs = !!(i & 4), fail = !!(i & 2), rex = !!(i & 1);
  expected.push(`== start ${runs} ${fail} ${rex}`);
  if (runs) expected.push("task_that_runs 0");
  expected.push("task_that_finishes_early a", "task_that_finishes_early b");
  if (runs) expected.push("task_that_runs 1", "task_that_runs 2", "task_that_runs 3", "task_that_runs 4");
  if (!fail) expected.push(runs ? "complete [undefined, undefined, undefined]" : "complete [undefined, undefined]");
  else if (!rex) expected.push("exception ValueError(a) false");
  else expected.push(runs ? "complete [undefined, ValueError(a), ValueError(b)]" : "complete [ValueError(a), ValueError(b)]");
}

export default {
  name: "gather_finished_early",
  expected,
  async run(print) {
    async function finishesEarly(id: string, event: Event, fail: boolean) {
      print("task_that_finishes_early", id);
      event.set();
      if (fail) throw new ValueError(id);
    }
    async function runs() {
      for (let i = 0; i < 5; i++) {
        print("task_that_runs", i);
        await asyncio.sleep(0);
      }
    }
    async function main(startRuns: boolean, fail: boolean, returnExceptions: boolean) {
      print("== start", startRuns, fail, returnExceptions);
      asyncio.getEventLoop().setExceptionHandler(() => {});
      const a = new asyncio.Event(), b = new asyncio.Event();
      const tasks: Task<void>[] = [];
      if (startRuns) tasks.push(asyncio.createTask(runs));
      tasks.push(asyncio.createTask(() => finishesEarly("a", a, fail)));
      tasks.push(asyncio.createTask(() => finishesEarly("b", b, fail)));
      await a.wait();
      await b.wait();
      let result: unknown[];
      try {
        result = ["complete", await asyncio.gather(tasks, { returnExceptions })];
      } catch (er) {
        result = ["exception", er, startRuns && tasks[0].done()];
      }
      if (startRuns) await tasks[0];
      print(...result);
    }
    for (let i = 0; i < 8; i++) await asyncio.run(() => main(!!(i & 4), !!(i & 2), !!(i & 1)));
  },
} satisfies Scenario;
