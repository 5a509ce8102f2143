import asyncio, { type Task } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_current_task.py, plus nested helpers and both createTask forms.
export default {
  name: "current_task",
  smoke: true,
  expected: [
    "RuntimeError", "true",
    "fn form: nested helper sees its task true", "fn form: after sleep true", "fn form: after nested await true",
    "promise form: after first await true", "promise form: nested after await true",
    "gather children: a true", "gather children: b true",
    "RuntimeError",
  ],
  async run(print) {
    const check = () => {
      try {
        print(asyncio.currentTask());
      } catch (er) {
        print(er instanceof asyncio.RuntimeError ? "RuntimeError" : er);
      }
    };
    check();
    await asyncio.run(async () => {
      const result: (Task<unknown> | null)[] = [null];
      const t = asyncio.createTask(async () => {
        result[0] = asyncio.currentTask();
      });
      await asyncio.sleep(0);
      await asyncio.sleep(0);
      print(t === result[0]);
    });

    // Returns the task in a box: an async function returning a Task would await it (Task is a thenable).
    async function helper(depth: number): Promise<{ task: Task<unknown> }> {
      if (depth > 0) return helper(depth - 1);
      await asyncio.sleep(0.01);
      return { task: asyncio.currentTask() };
    }
    async function worker(label: string, self: () => Task<unknown>) {
      print(`${label}: nested helper sees its task`, (await helper(3)).task === self());
      await asyncio.sleep(0);
      print(`${label}: after sleep`, asyncio.currentTask() === self());
      await helper(1);
      print(`${label}: after nested await`, asyncio.currentTask() === self());
    }
    async function startedWorker(label: string, self: () => Task<unknown>) {
      await asyncio.sleep(0.02);
      print(`${label}: after first await`, asyncio.currentTask() === self());
      print(`${label}: nested after await`, (await helper(2)).task === self());
    }
    async function child(label: string, out: Map<string, Task<unknown>>) {
      await asyncio.sleep(0.01);
      out.set(label, asyncio.currentTask());
    }
    await asyncio.run(async () => {
      const a: Task<void> = asyncio.createTask(() => worker("fn form", () => a));
      await a;
      const b: Task<void> = asyncio.createTask(startedWorker("promise form", () => b));
      await b;
      const seen = new Map<string, Task<unknown>>();
      const main = asyncio.currentTask();
      await asyncio.gather([child("a", seen), child("b", seen)]);
      print("gather children: a", seen.get("a") !== main && seen.get("a") !== seen.get("b"));
      print("gather children: b", seen.get("b") !== main && seen.get("b") !== undefined);
    });
    check();
  },
} satisfies Scenario;
