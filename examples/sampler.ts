// A steady sampler: an LED on GPIO 14 blinks on asyncio.every(0.5) and a
// sensor (a voltage on GPIO 34, read by the ADC) is sampled 50 times a second
// on asyncio.everyMs(20); each second the mean of the samples is printed.
// Both are tickers: tick k comes at start + k·period, so however late a
// wake-up is, the blink keeps its phase and no sample time drifts, where a
// `toggle(); await sleep(0.5)` loop adds each wake-up's lateness to every
// later toggle. The sampler asks for every sample ("burst"): when it falls
// behind, the missed samples come at once, and the report says how many were
// taken late. On the simulated board (npm start -- sampler), sampler.board.ts
// sweeps the voltage. The pins are an ESP32's (an ESP8266's ADC is ADC(0)).
import asyncio, { print } from "asyncio";
import { ADC, Pin } from "machine";

const led = new Pin(14, Pin.OUT);
const sensor = new ADC(34);

async function blink() {
  for await (const _tick of asyncio.every(0.5)) led.toggle();
}

async function sample() {
  let sum = 0;
  let count = 0;
  let late = 0;
  for await (const tick of asyncio.everyMs(20, { missed: "burst" })) {
    sum += sensor.readUv();
    count++;
    if (tick.backlog > 0) late++;
    if (tick.index % 50 === 0) {
      print(`${tick.index / 50} s: ${(sum / count / 1e6).toFixed(3)} V mean of ${count} samples${late ? `, ${late} late` : ""}`);
      sum = count = late = 0;
    }
  }
}

async function main() {
  await asyncio.gather([blink(), sample()]);
}

asyncio.run(main());
