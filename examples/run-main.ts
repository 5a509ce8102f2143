// The same two LEDs with asyncio.run(main()): main keeps running, so the loop does too.
import asyncio from "asyncio";
import { Pin } from "machine";

const greenLed = new Pin(14, Pin.OUT);
const blueLed = new Pin(12, Pin.OUT);

async function blink(led: Pin, seconds: number) {
  while (true) {
    led.toggle();
    await asyncio.sleep(seconds);
  }
}

async function main() {
  asyncio.createTask(blink(greenLed, 0.5));
  asyncio.createTask(blink(blueLed, 1));
  while (true) await asyncio.sleep(3600);
}

asyncio.run(main());
