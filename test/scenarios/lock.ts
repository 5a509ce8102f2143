import asyncio, { type Lock, type Task } from "asyncio";
import type { Scenario } from "./scenario";

// MicroPython tests/extmod/asyncio_lock.py + asyncio_lock_cancel.py
export default {
  name: "lock",
  expected: [
    "false", "true", "false", "have lock",
    "----", "task start 1", "task start 2", "task start 3", "task have 1 0", "task have 2 0", "task have 3 0", "task have 1 1",
    "task have 2 1", "task have 3 1", "task have 1 2", "task end 1", "task have 2 2", "task end 2", "task have 3 2", "task end 3",
    "----", "task have true", "task release false", "task have true", "task release false", "task have again", "task have again",
    "----", "task got 0", "task release 0", "task cancel 1", "task got 2", "task release 2", "false",
    "----", "task got 0", "task cancel 1", "task release 0", "task got 2", "task cancel 2", "false",
    "==",
    "task 0 start", "task 1 start", "task 2 start", "task 3 start", "task 1 cancel", "task 2 cancel", "task 0 lock_flag false",
    "task 0 done", "task 3 lock_flag false", "task 3 done", "false",
  ],
  async run(print) {
    async function taskLoop(id: number, lock: Lock) {
      print("task start", id);
      for (let i = 0; i < 3; i++) await lock.with(() => print("task have", id, i));
      print("task end", id);
    }
    async function taskSleep(lock: Lock) {
      await lock.with(async () => {
        print("task have", lock.locked());
        await asyncio.sleep(0.2);
      });
      print("task release", lock.locked());
      await lock.acquire();
      print("task have again");
      lock.release();
    }
    async function taskCancel(id: number, lock: Lock, toCancel?: (Task<void> | null)[]) {
      try {
        await lock.with(async () => {
          print("task got", id);
          await asyncio.sleep(0.1);
        });
        print("task release", id);
        if (toCancel) toCancel[0]!.cancel();
      } catch (er) {
        if (!(er instanceof asyncio.CancelledError)) throw er;
        print("task cancel", id);
      }
    }
    await asyncio.run(async () => {
      const lock = new asyncio.Lock();
      print(lock.locked());
      await lock.acquire();
      print(lock.locked());
      await asyncio.sleep(0);
      lock.release();
      print(lock.locked());
      await asyncio.sleep(0);
      await lock.with(() => print("have lock"));

      print("----");
      asyncio.createTask(() => taskLoop(1, lock));
      asyncio.createTask(() => taskLoop(2, lock));
      const t3 = asyncio.createTask(() => taskLoop(3, lock));
      await lock.acquire();
      await asyncio.sleep(0);
      lock.release();
      await t3;

      print("----");
      asyncio.createTask(() => taskSleep(lock));
      await asyncio.sleep(0.1);
      await taskSleep(lock);

      print("----");
      const ts: (Task<void> | null)[] = [null];
      asyncio.createTask(() => taskCancel(0, lock, ts));
      ts[0] = asyncio.createTask(() => taskCancel(1, lock));
      asyncio.createTask(() => taskCancel(2, lock));
      await asyncio.sleep(0.3);
      print(lock.locked());

      print("----");
      asyncio.createTask(() => taskCancel(0, lock));
      const t1 = asyncio.createTask(() => taskCancel(1, lock));
      const t2 = asyncio.createTask(() => taskCancel(2, lock));
      await asyncio.sleep(0.05);
      t1.cancel();
      await asyncio.sleep(0.1);
      t2.cancel();
      await asyncio.sleep(0.1);
      print(lock.locked());
    });

    print("==");
    async function task(i: number, lock: Lock, flag: boolean[]) {
      print("task", i, "start");
      try {
        await lock.acquire();
      } catch (er) {
        if (!(er instanceof asyncio.CancelledError)) throw er;
        print("task", i, "cancel");
        return;
      }
      print("task", i, "lock_flag", flag[0]);
      flag[0] = true;
      await asyncio.sleep(0);
      lock.release();
      flag[0] = false;
      print("task", i, "done");
    }
    await asyncio.run(async () => {
      const lock = new asyncio.Lock();
      await lock.acquire();
      const flag = [true];
      asyncio.createTask(() => task(0, lock, flag));
      const t1 = asyncio.createTask(() => task(1, lock, flag));
      const t2 = asyncio.createTask(() => task(2, lock, flag));
      asyncio.createTask(() => task(3, lock, flag));
      await asyncio.sleep(0);
      t1.cancel();
      t2.cancel();
      lock.release();
      flag[0] = false;
      for (let i = 0; i < 4; i++) await asyncio.sleep(0);
      print(lock.locked());
    });
  },
} satisfies Scenario;
