// The idle test (test/moddable.test.ts): examples/button-blink, unchanged, on
// the simulated NodeMCU, pressed through the simulator's own button path (the
// message its Button control gets when the Button of the simulator's
// controls pane is pressed). A long press stops the blinking: then every task
// waits on an Event and the app must cost no CPU. A second long press, after
// the test has measured its idling, must start it blinking again.
import "button-blink";
import Timer from "timer";

const screen = (globalThis as { screen?: { onMessage?(message: string): void } }).screen;
const press = (down: 0 | 1): void => {
  trace(`PRESS ${down}\n`);
  screen!.onMessage!(JSON.stringify({ button: down }));
};
const at = (ms: number, fn: () => void): void => {
  Timer.set(fn, ms);
};
at(1000, () => press(1));
at(2500, () => press(0)); // held 1.5 s: a long press (longMs 1000) stops the blinking
at(3500, () => trace("IDLE\n")); // the test measures CPU from here, three windows of 3.3 s
at(15000, () => press(1));
at(16500, () => press(0)); // a second long press starts it again
