// A dimmer: a knob (a potentiometer on GPIO 34, read by the ADC) sets how
// bright a blue LED on GPIO 2 breathes (PWM, fading up and down every 2 s);
// when the knob goes above 3.0 V a red alarm LED on GPIO 12 lights until it is
// back below 2.5 V; a green LED on GPIO 14 blinks all along. Three tasks, one loop.
// On the simulated board (npm start -- dimmer), dimmer.board.ts turns the knob.
// The pins are an ESP32's: on an ESP8266 the knob is ADC(0) (A0, 0-1 V), on a
// Pico GPIO 26-28.
import asyncio, { print } from "asyncio";
import { AADC, ADC, Pin, PWM } from "machine";

const KNOB = 34;
const heartbeat = new Pin(14, Pin.OUT);
const lamp = new PWM(2, { freq: 1000, dutyU16: 0 });
const alarmLed = new Pin(12, Pin.OUT);
const knob = new ADC(KNOB);
const knobWatch = new AADC(knob, { periodMs: 20 });

const volts = (u16: number): string => ((u16 * 3.3) / 65535).toFixed(2);
const ALARM = 59578; // 3.0 V of 3.3 V full scale, in readU16() units
const CLEAR = 49648; // 2.5 V

async function breathe() {
  const STEPS = 50; // per ramp, 20 ms apart: up in 1 s, down in 1 s
  while (true) {
    for (let i = 0; i <= 2 * STEPS; i++) {
      const ramp = i <= STEPS ? i / STEPS : 2 - i / STEPS;
      lamp.dutyU16(Math.round(ramp * knob.readU16()));
      await asyncio.sleepMs(20);
    }
  }
}

async function alarm() {
  while (true) {
    const high = await knobWatch.outside(0, ALARM);
    alarmLed.on();
    print(`alarm: the knob is at ${volts(high)} V`);
    const back = await knobWatch.inside(0, CLEAR);
    alarmLed.off();
    print(`clear: the knob is back at ${volts(back)} V`);
  }
}

async function blink() {
  while (true) {
    heartbeat.toggle();
    await asyncio.sleep(0.5);
  }
}

async function main() {
  await asyncio.gather([breathe(), alarm(), blink()]);
}

asyncio.run(main());
