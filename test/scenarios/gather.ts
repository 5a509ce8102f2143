import asyncio, { type Task } from "asyncio";
import { ValueError, type Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_gather.py (.exp), one departure (marked below)

export default {
  name: "gather",
  expected: [
    "Task A: Compute factorial(2)...", "Task B: Compute factorial(2)...", "Task C: Compute factorial(2)...",
    "Task A: factorial(2) = 2", "Task B: Compute factorial(3)...", "Task C: Compute factorial(3)...",
    "Task B: factorial(3) = 6", "Task C: Compute factorial(4)...", "Task C: factorial(4) = 24", "[2, 6, 24]",
    "====", "[]",
    "====", "start 2", "end 2", "[CancelledError(), 2]",
    "====", "start 1", "task_raise start 2", "end 1", "task_raise raise 2", "[1, ValueError(2)]",
    "====", "task_loop start 1", "task_raise start 2", "task_loop loop 1", "task_raise raise 2", "ValueError(2)", "false true",
    "====", "task_raise start 1", "task_raise start 2", "task_raise raise 1", "task_raise raise 2", "ValueError(1)", "true true",
    "====", "gather_task", "start 1", "start 2",
    "====", "gather_task", "start 1", "start 2",
    "====", "gather_task", "start 1", "start 2", "end 1", "end 2",
    // Cancelled after both children had finished and the gather had woken:
    // the gather's results are not dropped; the caller gets them and its
    // cancel at its next await (README, Guarantees). MicroPython raises
    // CancelledError here and drops the results.
    "====", "gather_task", "start 1", "start 2", "end 1", "end 2", "gather_task2",
    "==== started coroutines", "Task A: Compute factorial(2)...", "Task B: Compute factorial(2)...", "Task A: factorial(2) = 2",
    "Task B: Compute factorial(3)...", "Task B: factorial(3) = 6", "[2, 6]",
    "==== bad input", "TypeError",
  ],
  async run(print) {
    async function factorial(name: string, n: number) {
      let f = 1;
      for (let i = 2; i <= n; i++) {
        print(`Task ${name}: Compute factorial(${i})...`);
        await asyncio.sleep(0.01);
        f *= i;
      }
      print(`Task ${name}: factorial(${n}) = ${f}`);
      return f;
    }
    async function task(id: number, t = 0.1) {
      print("start", id);
      await asyncio.sleep(t);
      print("end", id);
      return id;
    }
    async function taskLoop(id: number) {
      print("task_loop start", id);
      for (;;) {
        await asyncio.sleep(0.1);
        print("task_loop loop", id);
      }
    }
    async function taskRaise(id: number, t = 0.1) {
      print("task_raise start", id);
      await asyncio.sleep(t);
      print("task_raise raise", id);
      throw new ValueError(String(id));
    }
    async function gatherTask(t0: () => Promise<unknown>, t1: () => Promise<unknown>) {
      print("gather_task");
      await asyncio.gather([t0, t1]);
      print("gather_task2");
    }
    await asyncio.run(async () => {
      print(await asyncio.gather([() => factorial("A", 2), () => factorial("B", 3), () => factorial("C", 4)]));

      print("====");
      print(await asyncio.gather([]));

      print("====");
      let tasks: Task<unknown>[] = [asyncio.createTask(() => task(1)), asyncio.createTask(() => task(2))];
      tasks[0].cancel();
      print(await asyncio.gather(tasks, { returnExceptions: true }));

      print("====");
      tasks = [asyncio.createTask(() => task(1)), asyncio.createTask(() => taskRaise(2))];
      print(await asyncio.gather(tasks, { returnExceptions: true }));

      print("====");
      tasks = [asyncio.createTask(() => taskLoop(1)), asyncio.createTask(() => taskRaise(2))];
      try {
        await asyncio.gather(tasks);
      } catch (er) {
        print(er);
      }
      print(tasks[0].done(), tasks[1].done());
      for (const t of tasks) t.cancel();
      await asyncio.sleep(0.2);

      print("====");
      tasks = [asyncio.createTask(() => taskRaise(1, 0)), asyncio.createTask(() => taskRaise(2, 0))];
      try {
        await asyncio.gather(tasks);
      } catch (er) {
        print(er);
      }
      print(tasks[0].done(), tasks[1].done());

      print("====");
      let t = asyncio.createTask(() => gatherTask(() => task(1), () => task(2)));
      await asyncio.sleep(0.05);
      t.cancel();
      await asyncio.sleep(0.2);

      for (let i = 1; i < 4; i++) {
        print("====");
        t = asyncio.createTask(() => gatherTask(() => task(1, 0), () => task(2, 0)));
        for (let j = 0; j < i; j++) await asyncio.sleep(0);
        t.cancel();
        await asyncio.sleep(0.2);
      }

      print("==== started coroutines");
      print(await asyncio.gather([factorial("A", 2), factorial("B", 3)]));

      print("==== bad input");
      try {
        await asyncio.gather([42 as unknown as Promise<number>]);
      } catch (er) {
        print(er instanceof TypeError ? "TypeError" : er);
      }
    });
  },
} satisfies Scenario;
