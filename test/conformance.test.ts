import { expect } from "chai";
import { getHost, newEventLoop, setHost, GlobalTimersHost } from "../modules/asyncio";
import { VirtualHost } from "../hosts/virtual";
import { scenarios } from "./scenarios";
import { makePrint } from "./scenarios/scenario";

async function runScenario(run: (print: ReturnType<typeof makePrint>) => Promise<void>, host: import("../modules/asyncio").Host): Promise<string[]> {
  const previous = getHost();
  setHost(host);
  newEventLoop();
  const lines: string[] = [];
  try {
    await run(makePrint(lines));
  } finally {
    setHost(previous);
    newEventLoop();
  }
  return lines;
}

describe("conformance scenarios (MicroPython's asyncio tests) on virtual time", () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      const lines = await runScenario(s.run, new VirtualHost({ turnCost: s.turnCost }));
      expect(lines).to.deep.equal(s.expected);
    });
  }
});

describe("conformance scenarios on virtual time, with V8's object layout (Host.compactHeap false: plain fields and closures, as on Node's hosts)", () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      const lines = await runScenario(s.run, new VirtualHost({ turnCost: s.turnCost, compactHeap: false }));
      expect(lines).to.deep.equal(s.expected);
    });
  }
});

describe("conformance scenarios with inexact host turns (a turn fires between promise jobs, as Moddable's timers do)", () => {
  // Each turn is a microtask: it runs after the jobs queued so far, not after
  // the jobs those queue. The loop must wait for the step's task to park.
  for (const s of scenarios) {
    it(s.name, async () => {
      const lines = await runScenario(s.run, new VirtualHost({ turnCost: s.turnCost, exactTurns: false, turn: (fn) => queueMicrotask(fn) }));
      expect(lines).to.deep.equal(s.expected);
    });
  }
});

describe("conformance smoke subset on real time (Node host)", function () {
  this.timeout(20000);
  for (const s of scenarios.filter((x) => x.smoke)) {
    it(s.name, async () => {
      const lines = await runScenario(s.run, new GlobalTimersHost());
      expect(lines).to.deep.equal(s.expected);
    });
  }
});
