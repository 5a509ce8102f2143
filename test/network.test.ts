// network.WLAN (modules/network) on Node: the shared checks (test/xs/network-checks.ts,
// also run inside XS by test/xs.test.ts) on virtual time, with exact turns and with
// Moddable-like turns that fire between promise jobs; then the "network" module as
// apps import it under Node.
import { expect } from "chai";
import { VirtualHost } from "../hosts/virtual";
import { formatError } from "../modules/asyncio/format";
import { networkChecks, runNetworkChecks } from "./xs/network-checks";

const profiles: [string, () => VirtualHost, number][] = [
  ["exact turns", () => new VirtualHost(), 0],
  ["turns between promise jobs (Moddable)", () => new VirtualHost({ turnCost: 1, exactTurns: false, turn: (fn) => queueMicrotask(fn) }), 50],
];

for (const [profile, makeHost, slack] of profiles) {
  describe(`network.WLAN on the Wi-Fi model, virtual time, ${profile}`, () => {
    for (const check of networkChecks) {
      it(check.name, async () => {
        let failure: unknown = null;
        await runNetworkChecks(makeHost, slack, (_name, e) => (failure = e), [check]);
        if (failure !== null) throw new Error(formatError(failure));
      });
    }
  });
}

describe("the \"network\" module under Node", () => {
  it("is MicroPython's shape, and its station is the connected model", async () => {
    const network = (await import("network")).default;
    expect(Object.isFrozen(network)).to.equal(true);
    for (const k of ["WLAN", "STA_IF", "AP_IF", "STAT_IDLE", "STAT_CONNECTING", "STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND", "STAT_CONNECT_FAIL", "STAT_GOT_IP"]) {
      expect(network, k).to.have.property(k);
    }
    expect([network.STA_IF, network.AP_IF]).to.deep.equal([0, 1]);
    const wlan = new network.WLAN(network.STA_IF);
    expect(wlan.active()).to.equal(true);
    expect(wlan.isconnected()).to.equal(true);
    expect(wlan.ifconfig()[0]).to.equal("127.0.0.1");
    expect(network.getWifiPort().name).to.equal("the Wi-Fi model");
    expect(network.statusName(wlan.status())).to.equal("STAT_GOT_IP");
  });
  it("the errors are asyncio's classes", async () => {
    const asyncio = (await import("asyncio")).default;
    const { ModelWifiPort } = await import("../hosts/node/network");
    const network = (await import("network")).default;
    const previous = network.setWifiPort(new ModelWifiPort({ connected: false, networks: [], connectMs: 10 }));
    try {
      await asyncio.run(async () => {
        const wlan = new network.WLAN(network.STA_IF);
        wlan.connect("nowhere");
        const e = await wlan.connected(1).then(() => null, (x: unknown) => x);
        expect(e).to.be.instanceOf(asyncio.OSError);
        expect((e as { code: string }).code).to.equal("STAT_NO_AP_FOUND");
      });
    } finally {
      network.setWifiPort(previous);
    }
  });
});
