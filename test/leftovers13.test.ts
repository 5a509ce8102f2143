// Issue 13's leftovers, as a tester found them: Pins given to I2C and UART
// (MicroPython's idiom), a Pin left usable when a peripheral is refused,
// hostile arguments to Stream, utf8Decode.
import { expect } from "chai";
import asyncio, { RuntimeError } from "asyncio";
import { ADC, I2C, Pin, PWM, UART, setAnalogPort, setPwmPort } from "machine";
import { SIM_WIRING } from "../modules/machine/sim/peripherals";
import { expectThrow, latin1, onPeripherals, type Rig } from "./peripherals-helpers";

/** The rig, with the board's ADC and PWM installed too. */
async function onRig(body: (rig: Rig) => Promise<void>): Promise<void> {
  await onPeripherals(async (rig) => {
    const previous = [setAnalogPort(rig.board.analog.adcPort), setPwmPort(rig.board.analog.pwmPort)] as const;
    try {
      await body(rig);
    } finally {
      setAnalogPort(previous[0]);
      setPwmPort(previous[1]);
    }
  });
}

describe("leftovers 13: I2C and UART take Pins, as ADC and PWM do", () => {
  it("new I2C(0, { scl: new Pin(5), sda: new Pin(4) }): the bus works, the Pins are taken over (closed)", async () => {
    await onRig(async () => {
      const scl = new Pin(SIM_WIRING.i2c.scl);
      const sda = new Pin(SIM_WIRING.i2c.sda);
      const i2c = new I2C(0, { scl, sda });
      expect([i2c.scl, i2c.sda]).to.deep.equal([5, 4]);
      expect(i2c.scan()).to.deep.equal([0x44, 0x50]);
      expect(() => scl.value()).to.throw(RuntimeError, "Pin(5).value(): the pin is closed");
      expect(() => sda.value()).to.throw(RuntimeError, "Pin(4).value(): the pin is closed");
      i2c.deinit();
      // Released with the bus: the pins open again.
      new Pin(5).close();
    });
  });

  it("new UART(2, { tx: new Pin(17), rx: new Pin(16) }): the GPS is heard, the Pins are taken over", async () => {
    await onRig(async ({ loop }) => {
      const tx = new Pin(SIM_WIRING.gps.tx, Pin.OUT);
      const rx = new Pin(SIM_WIRING.gps.rx);
      const uart = new UART(2, { baudrate: 9600, tx, rx });
      expect([uart.tx, uart.rx]).to.deep.equal([17, 16]);
      expect(() => rx.value()).to.throw(RuntimeError, "Pin(16).value(): the pin is closed");
      expect(() => tx.on()).to.throw(RuntimeError, "Pin(17).value(1): the pin is closed");
      await asyncio.sleep(2);
      expect(latin1(uart.read())).to.match(/\$GP/);
      expect(loop.now()).to.equal(2000);
      uart.deinit();
    });
  });

  it("a Pin of the wrong kind is a TypeError naming the option", async () => {
    await onRig(async () => {
      expect(() => new I2C(0, { scl: "5" as unknown as number, sda: 4 })).to.throw(TypeError, 'I2C(0): expected scl as a pin number or a Pin, got string "5"');
      expect(() => new UART(2, { tx: {} as unknown as number })).to.throw(TypeError, "UART(2): expected tx as a pin number, a Pin or null, got Object");
    });
  });
});

describe("leftovers 13: a peripheral the host refuses leaves the Pin usable (MicroPython does)", () => {
  it("ADC(Pin(5)) (not an analog pin), PWM(Pin(34)) (input-only), PWM(Pin(2), 1 GHz): RangeError, the Pin reads, drives and keeps its irq", async () => {
    await onRig(async ({ board }) => {
      const input = new Pin(5, Pin.IN);
      const edges: number[] = [];
      input.irq((p) => void edges.push(p.value()));
      expect(() => new ADC(input)).to.throw(RangeError, /^ADC\(5\): GPIO5 is not an analog input/);
      board.driveInput(5, 1);
      expect(input.value()).to.equal(1);
      expect(edges).to.deep.equal([1]);

      const only = new Pin(34, Pin.IN);
      expect(() => new PWM(only)).to.throw(RangeError, /^PWM\(34\): the pin is input-only/);
      expect(only.value()).to.be.oneOf([0, 1]);

      const led = new Pin(2, Pin.OUT, null, { value: 1 });
      expect(() => new PWM(led, { freq: 1e9 })).to.throw(RangeError, /^PWM\(2\): the simulated board makes/);
      expect(led.value()).to.equal(1);
      expect(board.level(2)).to.equal(1);
      led.off();
      expect(board.level(2)).to.equal(0);
      // Taken over for good once the host says yes.
      const pwm = new PWM(led, { freq: 1000, dutyU16: 100 });
      expect(() => led.on()).to.throw(RuntimeError, "Pin(2).value(1): the pin is closed");
      pwm.deinit();
      input.close();
      only.close();
    });
  });

  it("I2C and UART refused (controller or UART in use): their Pins are left open and usable", async () => {
    await onRig(async () => {
      const first = new I2C(0, SIM_WIRING.i2c);
      const scl = new Pin(22, Pin.OUT);
      const sda = new Pin(21, Pin.OUT);
      expect(() => new I2C(0, { scl, sda })).to.throw(RuntimeError, /^I2C\(0\): the controller is already open/);
      scl.on();
      sda.on();
      expect([scl.value(), sda.value()]).to.deep.equal([1, 1]);
      first.deinit();

      const uart = new UART(2, { ...SIM_WIRING.gps, baudrate: 9600 });
      const tx = new Pin(25, Pin.OUT);
      const rx = new Pin(26);
      expect(() => new UART(2, { tx, rx })).to.throw(RuntimeError, /^UART\(2\): the UART is already open/);
      tx.toggle();
      expect(tx.value()).to.equal(1);
      expect(rx.value()).to.be.oneOf([0, 1]);
      uart.deinit();
      // And once the host agrees, they are taken over.
      const other = new UART(1, { tx, rx });
      expect(() => tx.on()).to.throw(RuntimeError, "Pin(25).value(1): the pin is closed");
      other.deinit();
      scl.close();
      sda.close();
    });
  });

  it("a refused ADC keeps a task waiting in edge() waiting: the next edge wakes it", async () => {
    await onRig(async ({ board }) => {
      const input = new Pin(5, Pin.IN);
      const waiting = asyncio.createTask(input.edge(Pin.IRQ_RISING));
      await asyncio.sleep(0);
      expect(expectThrow(() => new ADC(input))).to.be.instanceOf(RangeError);
      board.driveInput(5, 1);
      await asyncio.waitFor(waiting, 1);
      input.close();
    });
  });
});
