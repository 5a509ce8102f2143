// Inside XS (xsnap): three lean-core regressions (see test/attack-core.test.ts), printed one line each.
import asyncio, { newEventLoop, setHost, Event } from "asyncio";
import { DelayMs } from "buttons";
import { XsHost } from "../../hosts/xs/host";
declare const print: (text: string) => void;

async function scenario(name: string, body: () => Promise<unknown>): Promise<void> {
  const host = new XsHost();
  setHost(host);
  const loop = newEventLoop();
  let settled = false;
  const p = asyncio.run(body).then((v) => { settled = true; print(`${name}: ${JSON.stringify(v)}`); }, (e) => { settled = true; print(`${name}: threw ${e}`); });
  // xsnap has no timers of its own; a bounded wait: a chain of setImmediates.
  for (let i = 0; i < 20000 && !settled; i++) await new Promise<void>((r) => (globalThis as any).setImmediate(r));
  if (!settled) { print(`${name}: HUNG`); loop.halt(); }
  await Promise.race([p, Promise.resolve()]);
}

async function main() {
  await scenario("R1 DelayMs retrigger", async () => {
    const d = new DelayMs(1000);
    d.trigger(0);
    await asyncio.sleep(0);
    d.trigger(0);
    await asyncio.sleep(0);
    return "ok";
  });
  await scenario("R2 frozen promise", async () => await asyncio.createTask(() => Object.freeze(Promise.resolve(1))));
  await scenario("R3 gather+createTask", async () => {
    const ev = new Event(); const ev2 = new Event(); const log: string[] = [];
    const waitOn = async (e: Event, n: string) => { try { await e.wait(); return n; } catch (x) { log.push(n + " cancelled"); throw x; } };
    const g = asyncio.gather([(async () => "q")(), waitOn(ev, "gather child")]);
    const t = asyncio.createTask(waitOn(ev2, "other"));
    await asyncio.sleep(0); t.cancel(); await asyncio.sleep(0); await asyncio.sleep(0);
    ev.set();
    const res = await g.catch((e) => "gather failed: " + e);
    return { res, log };
  });
}
main().then(() => print("DONE"), (e) => print("FAILED " + e));
