// The simulated board for examples/sampler.ts (npm start -- sampler): the
// voltage on GPIO 34 climbs from 0.5 V to 2.5 V over 4 s and back down, again
// and again. A board script (<app>.board.ts next to the app) runs before the
// app, on Node only.
import { triangle, type SimulatedBoard } from "simulated-board";

export default function (board: SimulatedBoard): void {
  board.analog.set(34, triangle({ min: 0.5, max: 2.5, periodMs: 8000 }));
}
