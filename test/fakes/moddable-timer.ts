import { fake, type FakeTimer } from "./moddable";
type Callback = (t: FakeTimer) => void;
export default {
  repeat: (cb: Callback, interval: number) => fake().Timer.repeat(cb, interval),
  set: (cb: Callback, delay?: number, repeat?: number) => fake().Timer.set(cb, delay, repeat),
  schedule: (t: FakeTimer, delay?: number, repeat?: number) => fake().Timer.schedule(t, delay, repeat),
  clear: (t: FakeTimer | null | undefined) => fake().Timer.clear(t),
  delay: (ms: number) => fake().Timer.delay(ms),
};
