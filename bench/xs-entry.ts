// One benchmark job inside XS (xsnap): globalThis.BENCH_JOB says which.
// The Node side reads compute/heap from xsnap's meters and our RESULT line.
import { formatError, newEventLoop, setHost, type Host } from "asyncio";
import { XsHost } from "../hosts/xs/host";
import * as suite from "./suite";

declare const print: (text: string) => void;
declare const setImmediate: (fn: () => void) => void;
declare const gc: () => void;

interface Job {
  name: string;
  a: number;
  b: number;
}
const job = (globalThis as { BENCH_JOB?: Job }).BENCH_JOB!;
const defer = (fn: () => void): void => setImmediate(fn);

/** Fires only "next turn" requests; sleeps stay parked (for the memory figure). */
class ParkingHost implements Host {
  private generation = 0;
  now(): number {
    return 0;
  }
  arm(delayMs: number, tick: () => void): void {
    const g = ++this.generation;
    if (delayMs <= 0) setImmediate(() => g === this.generation && tick());
  }
  disarm(): void {
    this.generation++;
  }
  report(text: string): void {
    print(text);
  }
}

function useHost(host: Host): void {
  setHost(host);
  newEventLoop();
}

async function run(): Promise<unknown> {
  switch (job.name) {
    case "noop":
      return null;
    case "switch":
      useHost(new XsHost());
      return suite.switchLoop(job.a, job.b);
    case "switch-floor":
      return suite.switchFloor(job.a, job.b);
    case "switch-naive":
      return suite.switchNaive(job.a, job.b, defer);
    case "pingpong":
      useHost(new XsHost());
      return suite.pingPong(job.a);
    case "pingpong-naive":
      return suite.pingPongNaive(job.a, defer);
    case "create":
      useHost(new XsHost());
      return suite.create(job.a, job.b);
    case "create-naive":
      return suite.createNaive(job.a, job.b, defer);
    case "sleepers": {
      useHost(new ParkingHost());
      const loop = newEventLoop();
      // Start them and stay parked: xsnap reports the heap once XS is idle.
      loop.runForever();
      for (let i = 0; i < job.a; i++) loop.createTask(() => suite.sleepersOnly());
      // Entries run in order: this one comes after every task has parked.
      await new Promise<void>((r) => loop.post(null, r));
      return null;
    }
    case "sleepers-naive": {
      const parked: (() => void)[] = [];
      for (let i = 0; i < job.a; i++) void (async () => { await new Promise<void>((r) => parked.push(r)); })();
      (globalThis as { parked?: unknown }).parked = parked;
      return null;
    }
    case "sleepers-floor": {
      // The floor for "sleepers": a bare async function suspended on a promise
      // that never settles. The promises are kept, or the suspended functions
      // would be garbage.
      const parked: Promise<never>[] = [];
      for (let i = 0; i < job.a; i++) {
        void (async () => {
          const p = new Promise<never>(() => {});
          parked.push(p);
          await p;
        })();
      }
      (globalThis as { parked?: unknown }).parked = parked;
      return null;
    }
    case "drift": {
      const host = new XsHost();
      useHost(host);
      return suite.drift(job.a, job.b, () => host.now());
    }
    case "lateness": {
      const host = new XsHost();
      useHost(host);
      const late = await suite.lateness(job.a, job.b, () => host.now());
      return late;
    }
  }
  throw new Error(`unknown job ${job.name}`);
}

run().then(
  (r) => {
    gc();
    print(`RESULT ${JSON.stringify(r ?? null)}`);
  },
  (e) => print(`FAILED ${formatError(e)}`),
);
