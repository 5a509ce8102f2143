// What a board script (<app>.board.ts, run by npm start before the app, on
// Node only) imports, wherever it lives:
//   import { triangle, type SimulatedBoard } from "simulated-board";
export type { SimulatedBoard } from "./board";
export { sine, steps, triangle } from "./analog";
