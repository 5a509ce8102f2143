// The simulated board for examples/dimmer.ts (npm start -- dimmer): the knob
// on GPIO 34 turns from 0.2 V up to 3.3 V and back every 8 s. A board script
// (<app>.board.ts next to the app) runs before the app, on Node only.
import { triangle, type SimulatedBoard } from "simulated-board";

export default function (board: SimulatedBoard): void {
  board.analog.set(34, triangle({ min: 0.2, max: 3.3, periodMs: 8000 }));
}
