// A sampling task reads a sensor every 100 ms and puts the readings in a
// Queue; a slower reporting task takes everything queued once a second and
// prints a summary. The sensor is a digital input (GPIO 4, pulled up: a
// door contact, say); the green LED flashes on each sample, the blue one
// while a report is printed. A bounded queue makes the sampler wait, rather
// than use up memory, if the reporter falls behind.
import asyncio, { print } from "asyncio";
import { Pin } from "machine";

interface Reading {
  at: number;
  level: number;
}

const sensor = new Pin(4, Pin.IN, Pin.PULL_UP);
const sampleLed = new Pin(14, Pin.OUT);
const reportLed = new Pin(12, Pin.OUT);
const readings = new asyncio.Queue<Reading>(20);

async function sample() {
  while (true) {
    await readings.put({ at: asyncio.ticksMs(), level: sensor.value() });
    sampleLed.on();
    await asyncio.sleepMs(10);
    sampleLed.off();
    await asyncio.sleepMs(90);
  }
}

async function report() {
  while (true) {
    await asyncio.sleep(1);
    const first = await readings.get(); // waits if nothing came in yet
    const batch = [first];
    while (!readings.empty()) batch.push(readings.getNowait());
    reportLed.on();
    const high = batch.filter((r) => r.level).length;
    print(`report: ${batch.length} readings from ${first.at} to ${batch[batch.length - 1].at} ms, ${high} high, ${batch.length - high} low`);
    await asyncio.sleepMs(50);
    reportLed.off();
  }
}

async function main() {
  asyncio.createTask(sample());
  await report();
}

asyncio.run(main());
