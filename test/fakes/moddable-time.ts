import { fake } from "./moddable";
export default {
  get ticks(): number {
    return fake().ticks;
  },
};
