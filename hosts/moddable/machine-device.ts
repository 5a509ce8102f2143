// The "machine" module on devices: Pin over ECMA-419 embedded:io/digital.
import { setDefaultDigitalPort } from "machine/port";
import { Ecma419DigitalPort } from "machine/port-ecma419";

setDefaultDigitalPort(() => new Ecma419DigitalPort());

export * from "machine/index";
export { default } from "machine/index";
