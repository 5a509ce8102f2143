// The two-LED blink from the MicroPython asyncio tutorial, line for line.
import asyncio from "asyncio";
import { Pin } from "machine";

const greenLed = new Pin(14, Pin.OUT); // toggles every 0.5 s
const blueLed = new Pin(12, Pin.OUT); // toggles every 1 s

async function blinkGreenLed() {
  while (true) {
    greenLed.value(!greenLed.value());
    await asyncio.sleep(0.5);
  }
}

async function blinkBlueLed() {
  while (true) {
    blueLed.value(!blueLed.value());
    await asyncio.sleep(1);
  }
}

async function main() {
  asyncio.createTask(blinkGreenLed());
  asyncio.createTask(blinkBlueLed());
}

const loop = asyncio.getEventLoop();
loop.createTask(main());
loop.runForever();
