// examples/dimmer.json with the Moddable SDK's own mcconfig (when $MODDABLE is
// set): make files for ESP32, ESP8266 and the Pico (no toolchain needed) carry
// the SDK's embedded:io/analog and embedded:io/pwm drivers and this project's
// ECMA-419 ports with that platform's profile. (test/moddable.test.ts runs
// the example in mcsim, on the simulator's traced fakes.)
import { expect } from "chai";
import * as path from "path";
import { ROOT, readMakeFile, sdkMissing, type MakeFile } from "./mcconfig";

/** The make files of examples/dimmer.json for a platform. */
const makeFile = (platform: string): MakeFile => readMakeFile(path.join(ROOT, "examples"), platform, ["dimmer.json"]);

const reason = sdkMissing();
(reason ? describe.skip : describe)(`examples/dimmer.json: ADC and PWM in the firmware (mcconfig make files)${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(120_000);
  for (const platform of ["esp32", "esp", "pico"]) {
    it(`${platform}: the SDK's analog and pwm drivers, the ECMA-419 ports and the ${platform} profile`, () => {
      const mk = makeFile(platform);
      for (const m of [
        "~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb", "_analog.c.xsi", "_pwm.c.xsi", "~.embedded/io/digital.xsb",
        "machine.xsb", "machine/adc.xsb", "machine/pwm.xsb", "machine/aadc.xsb", "machine/encoder.xsb", "machine/analogport.xsb", "machine/pwmport.xsb",
        "machine/analog-ecma419.xsb", "machine/pwm-ecma419.xsb", "machine/ecma419-profile.xsb", "main.xsb",
      ]) expect(mk.modules, m).to.include(m);
      expect(mk.modules, "no simulator fakes on a device").to.not.include("machine/analog-simulator.xsb");
      for (const p of ["~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb"]) expect(mk.preloads, p).to.include(p);
      expect(mk.ts.get("machine/ecma419-profile.xsb")).to.equal(`hosts/moddable/profile-${platform}.ts`);
      expect(mk.ts.get("machine/analog-ecma419.xsb")).to.equal("hosts/moddable/analog.ts");
      expect(mk.ts.get("machine/pwm-ecma419.xsb")).to.equal("hosts/moddable/pwm.ts");
    });
  }
  it("lin: the traced fakes, no drivers", () => {
    const mk = makeFile("lin");
    expect(mk.modules).to.include("machine/analog-simulator.xsb");
    for (const m of ["~.embedded/io/analog.xsb", "~.embedded/io/pwm.xsb", "machine/analog-ecma419.xsb"]) expect(mk.modules, m).to.not.include(m);
  });
});
