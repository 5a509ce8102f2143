// Inside XS (xsnap): tasks fail with every kind of value (thrown-values.ts),
// exception handlers throw them, and reports stay possible. Prints one line
// per check for test/xs.test.ts; a report that threw would end the worker
// before "ROBUSTNESS DONE".
import asyncio, { newEventLoop, setHost, type ExceptionContext, type Loop } from "asyncio";
import { formatError } from "../../modules/asyncio/format";
import { XsHost } from "../../hosts/xs/host";
import { thrownValues } from "./thrown-values";

declare const print: (text: string) => void;

const values = thrownValues();

async function main(): Promise<void> {
  const host = new XsHost();

  // The host's report, given a value that is not text.
  for (const [name, make] of values) {
    try {
      host.report(make() as string);
      print(`REPORT-OK ${name}`);
    } catch (e) {
      print(`REPORT-THREW ${name}: ${formatError(e)}`);
    }
  }

  // Failing tasks, reported by the default handler through the host (print).
  setHost(host);
  newEventLoop();
  print("PHASE default-handler");
  await asyncio.run(async () => {
    for (const [, make] of values) {
      asyncio.createTask(async () => {
        await asyncio.sleep(0.001);
        throw make();
      });
      asyncio.createTask(() => {
        throw make();
      });
    }
    await asyncio.sleep(0.02);
  });

  // An exception handler that throws each value in turn: the default handler reports both.
  newEventLoop();
  print("PHASE throwing-handler");
  await asyncio.run(async () => {
    const loop = asyncio.getEventLoop();
    let i = 0;
    loop.setExceptionHandler(() => {
      throw values[i++ % values.length][1]();
    });
    for (let k = 0; k < values.length; k++) {
      asyncio.createTask(async () => {
        throw new Error(`task ${k}`);
      });
      await asyncio.sleep(0.001);
    }
    await asyncio.sleep(0.01);
  });

  // A handler that receives each value and formats it.
  newEventLoop();
  print("PHASE custom-handler");
  await asyncio.run(async () => {
    const loop = asyncio.getEventLoop();
    let k = 0;
    loop.setExceptionHandler((_l: Loop, ctx: ExceptionContext) => {
      print(`HANDLED ${values[k++][0]}: ${formatError(ctx.exception)}`);
    });
    for (const [, make] of values) {
      const t = asyncio.createTask(async () => {
        throw make();
      });
      await asyncio.sleep(0.001);
      if (!t.done()) print("NOT DONE");
    }
  });
}

main().then(
  () => print("ROBUSTNESS DONE"),
  (e) => print(`ROBUSTNESS FAILED ${formatError(e)}`),
);
