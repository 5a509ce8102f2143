// A Moddable app that uses asyncio: an LED that blinks while a task counts.
// Build it: npm run sim (the Linux simulator), npm run esp32, npm run esp8266.
import asyncio, { print } from "asyncio";
import { Pin } from "machine";

const led = new Pin(2, Pin.OUT);

async function blink() {
  while (true) {
    led.toggle();
    await asyncio.sleep(0.5);
  }
}

async function count() {
  for (let n = 1; ; n++) {
    print("tick", n);
    await asyncio.sleep(1);
  }
}

async function main() {
  asyncio.createTask(blink);
  await count();
}

asyncio.run(main);
