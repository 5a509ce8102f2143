// I2C and UART in the firmware, with the Moddable SDK's own mcconfig (when
// $MODDABLE is set): make files for ESP32, ESP8266 and the Pico (no
// toolchain needed) of examples/sensor-logger.json carry the SDK's
// embedded:io/i2c and embedded:io/serial drivers and this project's ECMA-419
// ports with that platform's profile; the simulator's carry the simulated
// board's models instead; an app without modules/machine/buses carries none
// of it. (test/moddable.test.ts runs the examples in mcsim.)
import { expect } from "chai";
import * as path from "path";
import { ROOT, readMakeFile, sdkMissing, type MakeFile } from "./mcconfig";

/** The make files of an example's manifest for a platform. */
const makeFile = (platform: string, manifest: string): MakeFile => readMakeFile(path.join(ROOT, "examples"), platform, [manifest]);

const reason = sdkMissing();
(reason ? describe.skip : describe)(`modules/machine/buses: I2C and UART in the firmware (mcconfig make files)${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(120_000);
  for (const platform of ["esp32", "esp", "pico"]) {
    it(`${platform}: examples/sensor-logger.json has the SDK's i2c and serial drivers, the ECMA-419 ports and the ${platform} profile, preloaded glue, no models`, () => {
      const mk = makeFile(platform, "sensor-logger.json");
      for (const m of [
        "~.embedded/io/i2c.xsb", "~.embedded/io/serial.xsb", "_i2c.c.xsi", "serial.c.xsi",
        "machine/i2c.xsb", "machine/uart.xsb", "machine/i2cport.xsb", "machine/serialport.xsb", "machine/ringbytes.xsb",
        "machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "machine/bus-profile.xsb", "machine/buses.xsb", "main.xsb",
      ]) expect(mk.modules, m).to.include(m);
      expect(mk.modules.filter((m) => m.startsWith("machine/sim/")), "no simulated peripherals on a device").to.deep.equal([]);
      expect(mk.preloads).to.include("machine/buses.xsb");
      expect(mk.ts.get("machine/bus-profile.xsb")).to.equal(`hosts/moddable/bus-${platform}.ts`);
      expect(mk.ts.get("machine/buses.xsb")).to.equal("hosts/moddable/buses-device.ts");
      expect(mk.ts.get("machine/i2c-ecma419.xsb")).to.equal("hosts/moddable/i2c.ts");
      expect(mk.ts.get("machine/serial-ecma419.xsb")).to.equal("hosts/moddable/serial.ts");
    });
  }
  it("lin: examples/gps-reader.json has the simulated board's models, no drivers", () => {
    const mk = makeFile("lin", "gps-reader.json");
    for (const m of ["machine/sim/peripherals.xsb", "machine/sim/uart.xsb", "machine/sim/gps.xsb", "machine/sim/i2c.xsb", "machine/sim/sht3x.xsb", "machine/buses.xsb"]) expect(mk.modules, m).to.include(m);
    expect(mk.ts.get("machine/buses.xsb")).to.equal("hosts/moddable/buses-simulator.ts");
    for (const m of ["machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "~.embedded/io/i2c.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
  it("esp32: an app without modules/machine/buses (examples/run-main.json) carries no I2C or serial driver", () => {
    const mk = makeFile("esp32", "run-main.json");
    for (const m of ["~.embedded/io/i2c.xsb", "~.embedded/io/serial.xsb", "machine/i2c-ecma419.xsb", "machine/serial-ecma419.xsb", "machine/buses.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
});
