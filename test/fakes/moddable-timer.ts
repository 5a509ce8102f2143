import { fake } from "./moddable";
export default {
  repeat: (cb: () => void, interval: number) => fake().Timer.repeat(cb, interval),
  set: (cb: () => void, delay?: number, repeat?: number) => fake().Timer.set(cb, delay, repeat),
  schedule: (t: any, delay?: number, repeat?: number) => fake().Timer.schedule(t, delay, repeat),
  clear: (t: any) => fake().Timer.clear(t),
};
