// The Moddable side of ADC and PWM, under Node with stand-ins for the SDK's
// drivers: hosts/moddable/analog.ts over embedded:io/analog and
// hosts/moddable/pwm.ts over embedded:io/pwm, with the per-platform profiles,
// as modules/io/analog/{esp32,esp}/_analog.c and modules/io/pwm/{esp32,esp}/_pwm.c
// behave (resolutions, ranges, error classes and messages); and the desktop
// simulator's traced fakes (hosts/moddable/analog-simulator.ts).
import { expect } from "chai";
import Module = require("module");
import * as path from "path";
import { RuntimeError } from "../modules/asyncio/errors";
import { ADC, PWM, setAnalogPort, setPwmPort, type AnalogPort, type PwmPort } from "../modules/machine/index";
import { FakeModdable, installFakeModdable } from "./fakes/moddable";
import { onVirtualTime } from "./helpers";

// ---- stand-ins for the SDK's drivers -----------------------------------------

/** Which chip the stand-ins behave as. */
let chip: "esp32" | "esp" = "esp32";
const used = new Set<number>(); // builtinUsePin()
let analogRaw = 0;
const log: string[] = [];

class FakeAnalog {
  private pin: number;
  private open = true;
  constructor(options: { pin: number }) {
    this.pin = options.pin;
    if (chip === "esp") {
      if (used.has(-1)) throw new Error("in use"); // xsUnknownError: the one ADC
      used.add(-1);
      this.pin = -1;
      return;
    }
    if (used.has(this.pin)) throw new RangeError("in use");
    if (![32, 33, 34, 35, 36, 37, 38, 39].includes(this.pin)) throw new RangeError("not analog pin");
    used.add(this.pin);
  }
  get resolution(): number {
    return chip === "esp" ? 10 : 12;
  }
  read(): number {
    if (!this.open) throw new Error("closed");
    return analogRaw;
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    used.delete(this.pin);
  }
}

const MIN_HZ = [65, 33, 17, 9, 5, 3, 2]; // ESP32's, for 8 … 14 bits
let espHz = 0; // ESP8266: one frequency for all
let espOwners = 0;
class FakePWM {
  readonly pin: number;
  readonly hz: number;
  readonly resolution: number;
  private open = true;
  constructor(options: { pin: number; hz?: number; resolution?: number }) {
    this.pin = options.pin;
    if (used.has(this.pin)) throw chip === "esp" ? new RangeError("in use") : new Error("in use");
    if (chip === "esp") {
      this.hz = options.hz ?? 1000;
      this.resolution = 10;
      if (espOwners > 0 && espHz !== this.hz) throw new RangeError("different hz already set by open pwm");
      espHz = this.hz;
      espOwners++;
    } else {
      this.hz = options.hz ?? 1024;
      this.resolution = options.resolution ?? 10;
      if (this.hz <= 0) throw new RangeError("invalid hz");
      if (this.resolution <= 0 || this.resolution >= 20) throw new RangeError("invalid resolution");
      if (this.resolution >= 8 && this.hz < MIN_HZ[this.resolution - 8]) throw new RangeError("invalid combination of hz and resolution");
    }
    used.add(this.pin);
    log.push(`open ${this.pin} ${this.hz} Hz ${this.resolution} bits`);
  }
  write(value: number): void {
    if (!this.open) throw new Error("closed");
    if (chip === "esp32" && (value < 0 || value > 2 ** this.resolution - 1)) throw new RangeError("invalid value");
    log.push(`write ${this.pin} ${value}`);
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    used.delete(this.pin);
    if (chip === "esp") espOwners--;
    log.push(`close ${this.pin}`);
  }
}

const root = path.resolve(__dirname, "..");
const fakes: Record<string, object> = {
  "embedded:io/analog": { __esModule: true, default: FakeAnalog },
  "embedded:io/pwm": { __esModule: true, default: FakePWM },
};
const profiles: Record<string, string> = {
  "machine/analog-ecma419": path.join(root, "hosts", "moddable", "analog.ts"),
  "machine/pwm-ecma419": path.join(root, "hosts", "moddable", "pwm.ts"),
};
type Resolve = (request: string, parent?: { filename?: string }, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };
const original = M._resolveFilename;
M._resolveFilename = function (this: unknown, request, parent, ...rest) {
  const fromModdableHost = !!parent?.filename && parent.filename.startsWith(path.join(root, "hosts", "moddable") + path.sep);
  if (fromModdableHost) {
    if (fakes[request]) {
      const filename = path.join(__dirname, "fakes", `sdk-${request.replace(/[^A-Za-z0-9]+/g, "-")}.js`);
      if (!M._cache[filename]) {
        const m = new Module(filename);
        m.filename = filename;
        m.loaded = true;
        m.exports = fakes[request];
        M._cache[filename] = m;
      }
      return filename;
    }
    if (profiles[request]) return original.call(this, profiles[request], parent, ...rest);
    if (request.startsWith("asyncio/")) return original.call(this, path.join(root, "modules", "asyncio", request.slice(8)), parent, ...rest);
    if (request.startsWith("machine/")) return original.call(this, path.join(root, "modules", "machine", request.slice(8)), parent, ...rest);
  }
  return original.call(this, request, parent, ...rest);
};

// Loaded at run time: they are typechecked against Moddable's typings (tsconfig.moddable.json), not Node's.
type Profile = { analogProfile: unknown; pwmProfile: unknown };
const { Ecma419AnalogPort } = require("../hosts/moddable/analog") as { Ecma419AnalogPort: new (p: unknown) => AnalogPort };
const { Ecma419PwmPort } = require("../hosts/moddable/pwm") as { Ecma419PwmPort: new (p: unknown) => PwmPort };
const esp32 = require("../hosts/moddable/profile-esp32") as Profile;
const esp = require("../hosts/moddable/profile-esp") as Profile;
const pico = require("../hosts/moddable/profile-pico") as Profile;

/** Runs body with the ECMA-419 ports of a platform's profile installed, the stand-ins as that chip. */
async function on(which: "esp32" | "esp" | "pico", body: () => Promise<void> | void): Promise<void> {
  const profile = which === "esp32" ? esp32 : which === "esp" ? esp : pico;
  chip = which === "esp" ? "esp" : "esp32";
  used.clear();
  log.length = 0;
  espOwners = 0;
  analogRaw = 0;
  await onVirtualTime(async () => {
    const previous = [setAnalogPort(new Ecma419AnalogPort(profile.analogProfile)), setPwmPort(new Ecma419PwmPort(profile.pwmProfile))] as const;
    try {
      await body();
    } finally {
      setAnalogPort(previous[0]);
      setPwmPort(previous[1]);
    }
  });
}

describe("machine.ADC over ECMA-419 embedded:io/analog (hosts/moddable/analog.ts, stand-in drivers)", () => {
  it("ESP32: 12-bit readings stretched to readU16(); readUv() over the calibrated 0 … 2450 mV", async () => {
    await on("esp32", () => {
      const adc = new ADC(34);
      analogRaw = 2048;
      expect([adc.readU16(), adc.readUv()]).to.deep.equal([32776, 1225299]);
      analogRaw = 4095;
      expect([adc.readU16(), adc.readUv()]).to.deep.equal([65535, 2450000]);
      adc.close();
      expect(used.has(34)).to.equal(false);
      new ADC(34).close(); // the pin is free again
    });
  });

  it("ESP32: the driver's refusals are typed errors naming the pin", async () => {
    await on("esp32", () => {
      expect(() => new ADC(5)).to.throw(RangeError, "ADC(5): the ECMA-419 embedded:io/analog refused it (not analog pin)");
      used.add(35); // a Pin, say, holds it: the driver says "in use", as a RangeError
      expect(() => new ADC(35)).to.throw(RuntimeError, "ADC(35): the ECMA-419 embedded:io/analog refused it (in use)");
      const adc = new ADC(34);
      expect(() => new ADC(34)).to.throw(RuntimeError, "ADC(34): the pin is already open on the ECMA-419 embedded:io/analog");
      adc.close();
      expect(() => adc.readU16()).to.throw(RuntimeError, "ADC(34).readU16(): the ADC is closed");
    });
  });

  it("ESP8266: one input, ADC(0), 10 bits over 0 … 1.0 V", async () => {
    await on("esp", () => {
      expect(() => new ADC(1)).to.throw(RangeError, "ADC(1): not an analog input on the ECMA-419 embedded:io/analog (this chip's: 0)");
      const adc = new ADC(0);
      analogRaw = 1023;
      expect([adc.readU16(), adc.readUv()]).to.deep.equal([65535, 1000000]);
      analogRaw = 512;
      expect([adc.readU16(), adc.readUv()]).to.deep.equal([32800, 500489]);
    });
  });

  it("Pico: readUv() is refused (uncalibrated, as MicroPython's rp2), readU16() works", async () => {
    await on("pico", () => {
      const adc = new ADC(34);
      analogRaw = 4095;
      expect(adc.readU16()).to.equal(65535);
      expect(() => adc.readUv()).to.throw(RuntimeError, "ADC(34).readUv(): the ECMA-419 embedded:io/analog gives no voltage (readU16() works everywhere)");
    });
  });
});

describe("machine.PWM over ECMA-419 embedded:io/pwm (hosts/moddable/pwm.ts, stand-in drivers)", () => {
  it("ESP32: a resolution per frequency (14 bits up to 4.8 kHz), the duty scaled to it, 65535 fully on; freq() reopens at the new frequency with the same duty", async () => {
    await on("esp32", () => {
      const led = new PWM(2, { freq: 1000, dutyU16: 32768 });
      expect(led.freq()).to.equal(1000);
      led.dutyU16(65535);
      led.freq(5000);
      led.dutyU16(16384);
      led.freq(1500.4); // whole Hz
      expect(led.freq()).to.equal(1500);
      led.freq(40e6);
      led.deinit();
      expect(log).to.deep.equal([
        "open 2 1000 Hz 14 bits", "write 2 8192",
        "write 2 16383",
        "close 2", "open 2 5000 Hz 13 bits", "write 2 8191",
        "write 2 2048",
        "close 2", "open 2 1500 Hz 14 bits", "write 2 4096",
        "close 2", "open 2 40000000 Hz 1 bits", "write 2 0",
        "close 2",
      ]);
    });
  });

  it("ESP32: a frequency the driver refuses is a RangeError naming the pin, and the output runs on as it was", async () => {
    await on("esp32", () => {
      const led = new PWM(2, { freq: 1000, dutyU16: 65535 });
      log.length = 0;
      expect(() => led.freq(1)).to.throw(RangeError, "PWM(2): the ECMA-419 embedded:io/pwm refused 1 Hz on this pin (invalid combination of hz and resolution)");
      expect(() => led.freq(50e6)).to.throw(RangeError, "PWM(2): the ECMA-419 embedded:io/pwm can't make 50000000 Hz");
      expect(() => led.freq(0.4)).to.throw(RangeError, "PWM(2): the ECMA-419 embedded:io/pwm takes whole Hz >= 1, got 0.4");
      // Only the frequency the driver had to be asked about stopped the output (for microseconds).
      expect(log).to.deep.equal(["close 2", "open 2 1000 Hz 14 bits", "write 2 16383"]);
      expect([led.freq(), led.dutyU16()]).to.deep.equal([1000, 65535]);
      used.add(4); // held by something else: the driver's UnknownError "in use"
      expect(() => new PWM(4)).to.throw(RuntimeError, "PWM(4): the ECMA-419 embedded:io/pwm refused 1000 Hz on this pin (in use)");
      expect(() => new PWM(2)).to.throw(RuntimeError, "PWM(2): the pin is already open on the ECMA-419 embedded:io/pwm");
    });
  });

  it("ESP8266: 10 bits whatever the frequency; a second frequency is refused while another PWM runs", async () => {
    await on("esp", () => {
      const a = new PWM(4, { freq: 1000, dutyU16: 32768 });
      expect(() => new PWM(5, { freq: 500 })).to.throw(RangeError, "PWM(5): the ECMA-419 embedded:io/pwm refused 500 Hz on this pin (different hz already set by open pwm)");
      const b = new PWM(5, { freq: 1000 });
      expect(() => a.freq(2000)).to.throw(RangeError, "different hz already set by open pwm");
      b.deinit();
      a.freq(2000);
      expect(log).to.deep.equal(["open 4 1000 Hz 10 bits", "write 4 512", "open 5 1000 Hz 10 bits", "write 5 0", "close 4", "open 4 1000 Hz 10 bits", "write 4 512", "close 5", "close 4", "open 4 2000 Hz 10 bits", "write 4 512"]);
    });
  });
});

describe("ADC and PWM on the Moddable desktop simulator (hosts/moddable/analog-simulator.ts): traced fakes", () => {
  it("every ADC pin reads an 8 s triangle 0 … 3.3 V from its open; PWM changes are traced as PWM <pin> <duty> <hz> <ms>", async () => {
    const fake = new FakeModdable(0, "lin");
    installFakeModdable(fake);
    const traced: string[] = [];
    const g = globalThis as { trace?: (s: string) => void };
    const previousTrace = g.trace;
    g.trace = (s) => traced.push(s);
    try {
      const { SimulatorAnalogPort, SimulatorPwmPort } = require("../hosts/moddable/analog-simulator") as { SimulatorAnalogPort: new () => AnalogPort; SimulatorPwmPort: new () => PwmPort };
      await onVirtualTime(async () => {
        const previous = [setAnalogPort(new SimulatorAnalogPort()), setPwmPort(new SimulatorPwmPort())] as const;
        try {
          fake.time = 1000;
          const adc = new ADC(34);
          const seen: number[][] = [];
          for (const t of [1000, 3000, 5000, 7000, 9000]) {
            fake.time = t;
            seen.push([adc.readU16(), adc.readUv()]);
          }
          expect(seen).to.deep.equal([[0, 0], [32776, 1650403], [65535, 3300000], [32776, 1650403], [0, 0]]);
          expect(() => new ADC(34)).to.throw(RuntimeError, "ADC(34): the pin is already open on the Moddable desktop simulator (a traced fake ADC)");
          const led = new PWM(2, { freq: 1000 });
          fake.time = 21500;
          led.dutyU16(32768);
          led.freq(2000);
          expect(() => led.freq(50e6)).to.throw(RangeError, "PWM(2): the Moddable desktop simulator (a traced fake PWM) makes 1 Hz … 40 MHz, not 50000000 Hz");
          led.deinit();
        } finally {
          setAnalogPort(previous[0]);
          setPwmPort(previous[1]);
        }
      });
      expect(traced).to.deep.equal([
        "ADC 34: simulated, a triangle wave 0-3.3 V every 8 s\n",
        "PWM 2 0 1000 9000\n",
        "PWM 2 32768 1000 21500\n",
        "PWM 2 32768 2000 21500\n",
        "PWM 2 0 2000 21500\n",
      ]);
    } finally {
      g.trace = previousTrace;
    }
  });
});
