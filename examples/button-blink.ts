// A button sets how an LED blinks. The button is GPIO 0 to ground (the BOOT
// button of ESP32 boards), read with the internal pull-up: active low.
//   short press   next blink rate (500, 250, 100 ms half-periods)
//   long press    stop / start blinking
//   double click  back to the first rate, blinking
// suppress: a long press or a double click does not also count as a short press.
import asyncio from "asyncio";
import { Pin } from "machine";
import { Pushbutton } from "buttons";

const led = new Pin(2, Pin.OUT);
const button = new Pushbutton(new Pin(0, Pin.IN, Pin.PULL_UP), { suppress: true });

const HALF_PERIODS = [500, 250, 100];
let rate = 0;
let blinking = true;
const restart = new asyncio.Event();

button.releaseFunc(() => {
  rate = (rate + 1) % HALF_PERIODS.length;
});
button.longFunc(() => {
  blinking = !blinking;
  restart.set();
});
button.doubleFunc(() => {
  rate = 0;
  blinking = true;
  restart.set();
});

async function blink() {
  while (true) {
    if (blinking) {
      led.toggle();
      await asyncio.sleepMs(HALF_PERIODS[rate]);
    } else {
      led.off();
      restart.clear();
      await restart.wait();
    }
  }
}

asyncio.run(blink());
