import "./aliases";
import * as fs from "fs";
import { getHost, newEventLoop, setHost, type Loop } from "../../modules/asyncio";
import { setDigitalPort } from "../../modules/machine/port";
import { setAnalogPort } from "../../modules/machine/analogport";
import { setPwmPort } from "../../modules/machine/pwmport";
import { VirtualHost } from "../virtual";
import { SimulatedBoard } from "./board";
import type { BoardEvent } from "./feed";
import { NodeHost } from "./index";
import { installNodeNet } from "./net";

/**
 * The Node host with the app's clock: now() counts from when the app
 * started, so that the board's times and the app's ticksMs() agree (the
 * plain Node host counts from when the process or worker started).
 */
export class AppClockHost extends NodeHost {
  private readonly origin: number;
  /** Where reports go instead of standard error (the board's feed). */
  onReport: ((text: string) => void) | null = null;
  constructor() {
    super();
    this.origin = super.now();
  }
  override now(): number {
    return super.now() - this.origin;
  }
  override report(text: string): void {
    if (this.onReport) this.onReport(text);
    else super.report(text);
  }
}

export interface AppBoard {
  host: AppClockHost | VirtualHost;
  loop: Loop;
  board: SimulatedBoard;
  /** Puts back the host and the digital port that were there before. */
  restore(): void;
}

/**
 * Makes the host (the app's clock, or virtual time), a fresh loop and the
 * simulated board an app runs on, and reports what happens on it as feed
 * events: pin changes, printed lines and reports. A virtual host also keeps
 * its reports (host.reports) and prints (`printed`).
 */
export function setUpAppBoard(options: { virtual: boolean; emit: (e: BoardEvent) => void; keepHistory?: boolean }): AppBoard {
  installNodeNet();
  const host = options.virtual ? new VirtualHost() : new AppClockHost();
  const previousHost = getHost();
  setHost(host);
  const loop = newEventLoop();
  const clock = (): number => host.now();
  const board = new SimulatedBoard(clock, { keepHistory: options.keepHistory });
  const previousPort = setDigitalPort(board);
  const previousAnalog = setAnalogPort(board.analog.adcPort);
  const previousPwm = setPwmPort(board.analog.pwmPort);
  const restoreBuses = board.peripherals.install();
  const emit = options.emit;
  board.onChange((c) => emit({ type: "pin", pin: c.pin, level: c.level, time: c.time, mode: c.mode, pull: c.pull }));
  board.analog.onEvent(emit);
  const printLine = (line: string): void => emit({ type: "print", line, time: clock() });
  // Reports (errors nobody handled) go to the feed on virtual time too: they were kept in host.reports only, unseen.
  const reportLines = (text: string): void => {
    for (const line of text.replace(/\n$/, "").split("\n")) emit({ type: "print", line, time: clock(), stderr: true });
  };
  if (host instanceof VirtualHost) {
    host.onPrint = printLine;
    host.onReport = reportLines;
  } else {
    host.print = printLine;
    host.onReport = reportLines;
  }
  return {
    host,
    loop,
    board,
    restore: () => {
      setHost(previousHost);
      setDigitalPort(previousPort);
      setAnalogPort(previousAnalog);
      setPwmPort(previousPwm);
      restoreBuses();
    },
  };
}

/**
 * Runs an app's board script, if it has one: `<app>.board.ts` next to
 * `<app>.ts`, whose default export is called with the board before the app
 * loads, to script what the app will read (ADC waveforms: see
 * examples/dimmer.board.ts). Node only: a device build never sees it.
 * Returns the script's path, or null when there is none.
 * @throws what the script throws; TypeError when it exports no function
 */
export function runBoardScript(entry: string, board: SimulatedBoard): string | null {
  const script = `${entry.replace(/\.[cm]?[jt]s$/, "")}.board.ts`;
  if (!fs.existsSync(script)) return null;
  const m = require(script) as { default?: unknown };
  const fn = m.default;
  if (typeof fn !== "function") throw new TypeError(`${script}: expected a default export (board: SimulatedBoard) => void`);
  fn(board);
  return script;
}
