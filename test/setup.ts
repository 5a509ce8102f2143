import { installNodeNet } from "../hosts/node/net";

// Streams reach the network through node:net.
installNodeNet();

// Root hooks: any unhandled rejection during a test fails it. On XS an
// unhandled rejection aborts the VM (a reboot on a device), so the library
// must never leave one behind.
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  async afterEach(this: Mocha.Context) {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
    if (unhandled.length) {
      const found = unhandled.splice(0);
      throw new Error(`unhandled rejection(s) during "${this.currentTest?.fullTitle()}": ${found.map(String).join("; ")}`);
    }
  },
};
