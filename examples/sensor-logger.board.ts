// The simulated board for examples/sensor-logger.ts (npm start -- sensor-logger):
// the SHT3x on the I2C bus (scl 5, sda 4) reads a room warming from 21 °C to
// 25 °C and cooling again every minute, the humidity falling from 58 % to
// 42 % as it warms. A board script (<app>.board.ts next to the app) runs
// before the app, on Node only.
import type { SimulatedBoard } from "simulated-board";

export default function (board: SimulatedBoard): void {
  const { sensor } = board.peripherals;
  const phase = (ms: number): number => Math.cos((2 * Math.PI * ms) / 60_000);
  sensor.temperature = (ms) => 23 - 2 * phase(ms);
  sensor.humidity = (ms) => 50 + 8 * phase(ms);
}
