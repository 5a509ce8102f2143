// The simulated board for examples/gps-reader.ts (npm start -- gps-reader):
// the GPS on UART2's pins (rx 16, tx 17) sails from the Eiffel Tower at
// 12 knots, heading north-east, and loses its fix from 5 s to 8 s (under a
// bridge). A board script (<app>.board.ts next to the app) runs before the
// app, on Node only.
import type { SimulatedBoard } from "simulated-board";

export default function (board: SimulatedBoard): void {
  const { gps } = board.peripherals;
  gps.speedKnots = 12;
  gps.courseDeg = 45;
  gps.satellites = 9;
  gps.fix = (ms) => ms < 5000 || ms >= 8000;
}
