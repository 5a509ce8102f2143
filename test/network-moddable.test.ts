// The Moddable side of networking, under Node with stand-ins for the SDK's
// modules: hosts/moddable/wifi.ts (network.WLAN over ECMA-419
// embedded:network/interface/wifi, as modules/io/wifi/esp32/wifi-esp32.c
// behaves: connection 200/300/400/500, onChanged from the host callback, one
// connect at a time) and hosts/moddable/net.ts (names resolved through the
// SDK's Net.resolve before the ECMA-419 TCP socket is made).
import { expect } from "chai";
import Module = require("module");
import * as path from "path";
import { VirtualHost } from "../hosts/virtual";
import { RuntimeError } from "../modules/asyncio/errors";
import { OSError, type NetPort, type SocketHandlers } from "../modules/asyncio/netport";
import network, { WLAN, setWifiPort, type WifiPort } from "../modules/network/index";
import { onVirtualTime } from "./helpers";
import { installNodeNet } from "../hosts/node/net";
import asyncio from "../modules/asyncio/index";

// ---- stand-ins for the SDK's modules -----------------------------------------

/** What the radio is doing, shared by every FakeWiFi (the SDK's driver keeps it in globals). */
const radio = {
  started: false,
  connected: false,
  ip: false,
  ssid: undefined as string | undefined,
  instances: [] as FakeWiFi[],
  connects: [] as { SSID: string; password?: string }[],
  scanResults: [] as Record<string, unknown>[],
  failConnectCall: false,
  throwInConnection: false,
  reset(): void {
    Object.assign(radio, { started: false, connected: false, ip: false, ssid: undefined, instances: [], connects: [], scanResults: [], failConnectCall: false, throwInConnection: false });
  },
  /** A driver event, delivered to every open instance as wifiConnectDeliver does. */
  event(what: "connected" | "gotIP" | "disconnected"): void {
    if (what === "connected") radio.connected = true;
    if (what === "gotIP") radio.ip = true;
    if (what === "disconnected") radio.connected = radio.ip = false;
    for (const w of radio.instances.slice()) w.deliver(what);
  },
};

class FakeWiFi {
  private connecting = false;
  private closed = false;
  private onChanged: ((p: string) => void) | undefined;
  private scanning: { onFound: (r: unknown) => void; onComplete?: () => void } | null = null;
  configured: Record<string, unknown>[] = [];
  constructor(options: { onChanged?: (p: string) => void }) {
    this.onChanged = options.onChanged;
    radio.started = true;
    radio.instances.push(this);
  }
  deliver(what: string): void {
    if (this.closed) return;
    if (what === "connected" || what === "disconnected") this.connecting = false;
    if (what === "gotIP") this.onChanged?.call(this, "address");
    this.onChanged?.call(this, "connection");
  }
  close(): void {
    this.closed = true;
    radio.instances = radio.instances.filter((w) => w !== this);
  }
  connect(options: { SSID: string; password?: string }): void {
    if (this.connecting) throw new Error("already connecting");
    if (radio.failConnectCall) throw new Error("connect failed");
    radio.connects.push({ ...options });
    radio.ssid = options.SSID;
    this.connecting = true;
  }
  disconnect(): void {
    this.connecting = false;
    radio.connected = radio.ip = false;
  }
  configure(options: Record<string, unknown>): void {
    this.configured.push(options);
  }
  scan(options: { onFound: (r: unknown) => void; onComplete?: () => void }): void {
    if (this.scanning) throw new Error("already scanning");
    this.scanning = options;
  }
  finishScan(): void {
    const s = this.scanning!;
    this.scanning = null;
    for (const r of radio.scanResults) s.onFound(r);
    s.onComplete?.();
  }
  get connection(): number {
    if (radio.throwInConnection) throw new Error("driver state unreadable");
    if (radio.connected && radio.ip) return 500;
    if (radio.connected) return 400;
    if (this.connecting) return 300;
    return 200;
  }
  get address(): string | undefined {
    return radio.ip ? "192.168.1.23" : undefined;
  }
  get SSID(): string | undefined {
    return radio.connected ? radio.ssid : undefined;
  }
  get RSSI(): number | undefined {
    return radio.connected ? -61 : undefined;
  }
  get MAC(): string {
    return "24:0a:c4:00:11:22";
  }
}

const config: Record<string, unknown> = {};
const resolver = {
  calls: [] as { name: string; callback: (name: string, address?: string) => void }[],
  throwNext: false,
};
const FakeNet = {
  get(what: string): unknown {
    return what === "DNS" ? ["192.168.1.1"] : undefined;
  },
  resolve(name: string, callback: (name: string, address?: string) => void): void {
    if (resolver.throwNext) {
      resolver.throwNext = false;
      throw new Error("too many look-ups");
    }
    resolver.calls.push({ name, callback });
  },
};

/** ECMA-419 TCP stand-in: records what it was made with; the test drives its callbacks. */
class FakeTCP {
  static made: FakeTCP[] = [];
  closed = false;
  constructor(readonly options: Record<string, any>) {
    FakeTCP.made.push(this);
  }
  read(): ArrayBuffer | undefined {
    return undefined;
  }
  write(): void {}
  close(): void {
    this.closed = true;
  }
  get remoteAddress(): string {
    return this.options.address;
  }
  get remotePort(): number {
    return this.options.port;
  }
}
class FakeListener {}

const root = path.resolve(__dirname, "..");
const fakes: Record<string, object> = {
  "embedded:network/interface/wifi": { __esModule: true, default: FakeWiFi },
  "embedded:io/socket/tcp": { __esModule: true, default: FakeTCP },
  "embedded:io/socket/listener": { __esModule: true, default: FakeListener },
  net: { __esModule: true, default: FakeNet },
  "mc/config": { __esModule: true, default: config },
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
    if (request.startsWith("asyncio/")) return original.call(this, path.join(root, "modules", "asyncio", request.slice(8)), parent, ...rest);
    if (request.startsWith("network/")) return original.call(this, path.join(root, "modules", "network", request.slice(8)), parent, ...rest);
  }
  return original.call(this, request, parent, ...rest);
};

const { Ecma419WifiPort } = require("../hosts/moddable/wifi") as { Ecma419WifiPort: new () => WifiPort };
const { Ecma419NetPort } = require("../hosts/moddable/net") as { Ecma419NetPort: new () => NetPort };
// Loading it named the ECMA-419 port as the default: give Node's back to the other tests.
installNodeNet();

// ---- Wi-Fi ---------------------------------------------------------------------

async function onDevice(body: (host: VirtualHost) => Promise<void>): Promise<void> {
  radio.reset();
  for (const k of Object.keys(config)) delete config[k];
  const previous = setWifiPort(new Ecma419WifiPort());
  try {
    await onVirtualTime((host) => asyncio.run(() => body(host)));
  } finally {
    setWifiPort(previous);
  }
}

describe("network.WLAN over ECMA-419 Wi-Fi (hosts/moddable/wifi.ts, with a stand-in driver)", () => {
  it("nothing native runs until active(true)", async () => {
    await onDevice(async () => {
      const wlan = new WLAN(network.STA_IF);
      expect([wlan.active(), wlan.isconnected(), wlan.status()]).to.deep.equal([false, false, network.STAT_IDLE]);
      expect(wlan.ifconfig()).to.deep.equal(["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"]);
      expect(radio.started).to.equal(false);
      wlan.active(true);
      expect(radio.instances.length).to.equal(1);
    });
  });

  it("joins what Moddable's set-up already connected (ssid= on the mcconfig line): connected at once", async () => {
    await onDevice(async () => {
      radio.connected = radio.ip = true;
      radio.ssid = "home";
      const wlan = new WLAN(network.STA_IF);
      wlan.active(true);
      expect(wlan.isconnected()).to.equal(true);
      await wlan.connected(1);
      expect(wlan.ifconfig()).to.deep.equal(["192.168.1.23", "0.0.0.0", "0.0.0.0", "192.168.1.1"]);
      expect(wlan.config("ssid")).to.equal("home");
      expect(wlan.config("mac")).to.deep.equal(new Uint8Array([0x24, 0x0a, 0xc4, 0x00, 0x11, 0x22]));
      expect(wlan.status("rssi")).to.equal(-61);
      wlan.connect(); // no arguments, same network: nothing to do (a reconnect would drop the sockets)
      wlan.connect("home", "whatever");
      expect(radio.connects).to.deep.equal([]);
    });
  });

  it("connect() without arguments uses the build's ssid=/password= (mc/config); none configured: RuntimeError", async () => {
    await onDevice(async (host) => {
      const wlan = new WLAN(network.STA_IF);
      expect(() => wlan.connect()).to.throw(RuntimeError, /ssid=<name> password=<key>/);
      config.ssid = "home";
      config.password = "secret123";
      wlan.connect();
      expect(radio.connects).to.deep.equal([{ SSID: "home", password: "secret123" }]);
      expect(wlan.status()).to.equal(network.STAT_CONNECTING);
      host.at(host.now() + 800, () => radio.event("connected"));
      host.at(host.now() + 1200, () => radio.event("gotIP"));
      const t0 = host.now();
      await wlan.connected(10);
      expect(host.now() - t0).to.equal(1200);
      expect(wlan.ifconfig()[0]).to.equal("192.168.1.23");
    });
  });

  it("wlan_ssid=/wlan_password= (not seen by Moddable's set-up) are joined by connect() without arguments", async () => {
    await onDevice(async () => {
      config.wlan_ssid = "home";
      config.wlan_password = "secret123";
      new WLAN(network.STA_IF).connect();
      expect(radio.connects).to.deep.equal([{ SSID: "home", password: "secret123" }]);
    });
  });

  it("an open network is joined without a password", async () => {
    await onDevice(async () => {
      new WLAN(network.STA_IF).connect("cafe");
      expect(radio.connects).to.deep.equal([{ SSID: "cafe" }]);
    });
  });

  it("a failed attempt is retried twice, then connected() raises OSError STAT_CONNECT_FAIL", async () => {
    await onDevice(async (host) => {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("home", "wrong-key");
      for (const t of [1000, 2000, 3000]) host.at(host.now() + t, () => radio.event("disconnected"));
      const e = await wlan.connected(10).then(() => null, (x: unknown) => x);
      expect(e).to.be.instanceOf(OSError);
      expect((e as OSError).code).to.equal("STAT_CONNECT_FAIL");
      expect(radio.connects.length).to.equal(3);
      expect(wlan.status()).to.equal(network.STAT_CONNECT_FAIL);
    });
  });

  it("a retry that gets through: connected", async () => {
    await onDevice(async (host) => {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("home", "secret123");
      host.at(host.now() + 1000, () => radio.event("disconnected"));
      host.at(host.now() + 2000, () => radio.event("connected"));
      host.at(host.now() + 2100, () => radio.event("gotIP"));
      await wlan.connected(10);
      expect(radio.connects.length).to.equal(2);
    });
  });

  it("connect() while connecting starts over (the driver refuses a second connect)", async () => {
    await onDevice(async () => {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("home", "secret123");
      wlan.connect("cafe");
      expect(radio.connects.map((c) => c.SSID)).to.deep.equal(["home", "cafe"]);
      radio.failConnectCall = true;
      expect(() => wlan.connect("home", "secret123")).to.throw(OSError, /connect failed/);
    });
  });

  it("a callback whose driver state can't be read throws nothing into the driver", async () => {
    await onDevice(async () => {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("home", "secret123");
      radio.throwInConnection = true;
      expect(() => radio.event("connected")).to.not.throw();
      radio.throwInConnection = false;
    });
  });

  it("scan(): the driver's records as MicroPython's tuples", async () => {
    await onDevice(async () => {
      radio.scanResults = [
        { SSID: "home", BSSID: "aa:bb:cc:dd:ee:ff", RSSI: -40, channel: 11, security: "wpa2_psk" },
        { SSID: "cafe", BSSID: "01:02:03:04:05:06", RSSI: -70, channel: 1, security: "none" },
        { SSID: "", BSSID: "01:02:03:04:05:07", RSSI: -80, channel: 6, security: "wpa3_psk" },
      ];
      const wlan = new WLAN(network.STA_IF);
      wlan.active(true);
      const p = wlan.scan();
      await asyncio.sleep(0.01);
      (radio.instances[0] as FakeWiFi).finishScan();
      const found = await p;
      expect(found).to.deep.equal([
        ["home", new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), 11, -40, network.SEC_WPA2, false],
        ["cafe", new Uint8Array([1, 2, 3, 4, 5, 6]), 1, -70, network.SEC_OPEN, false],
        ["", new Uint8Array([1, 2, 3, 4, 5, 7]), 6, -80, network.SEC_WPA3, true],
      ]);
    });
  });

  it("ifconfig([...]) configures static addresses; config({hostname}) goes to the driver", async () => {
    await onDevice(async () => {
      const wlan = new WLAN(network.STA_IF);
      wlan.active(true);
      wlan.ifconfig(["192.168.1.50", "255.255.255.0", "192.168.1.1", "8.8.8.8"]);
      wlan.config({ hostname: "blinky" });
      expect(radio.instances[0].configured).to.deep.equal([
        { static: { address: "192.168.1.50", mask: "255.255.255.0", gateway: "192.168.1.1" } },
        { hostname: "blinky" },
      ]);
      expect(wlan.config("hostname")).to.equal("blinky");
    });
  });

  it("active(false) disconnects and closes the driver object; WLAN(AP_IF) has no access point here (RuntimeError)", async () => {
    await onDevice(async () => {
      const wlan = new WLAN(network.STA_IF);
      wlan.connect("home", "secret123");
      wlan.active(false);
      expect(radio.instances.length).to.equal(0);
      expect([wlan.active(), wlan.status()]).to.deep.equal([false, network.STAT_IDLE]);
      const ap = new WLAN(network.AP_IF);
      expect(() => ap.active(true)).to.throw(RuntimeError, /station mode only/);
      expect(ap.active()).to.equal(false);
    });
  });
});

// ---- names through the SDK's DNS ---------------------------------------------------

function recorder(): SocketHandlers & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    onConnect: () => events.push("connect"),
    onData: () => events.push("data"),
    onEnd: () => events.push("end"),
    onWritable: () => events.push("writable"),
    onError: (e) => events.push(`error ${(e as OSError).code}`),
    onClose: () => events.push("close"),
  };
}

describe("hosts/moddable/net.ts resolves names through the SDK's Net.resolve", () => {
  beforeEach(() => {
    resolver.calls = [];
    resolver.throwNext = false;
    FakeTCP.made = [];
  });

  it("dotted IPv4 and localhost go straight to the socket", () => {
    const port = new Ecma419NetPort();
    port.connect("10.0.0.7", 80, recorder());
    port.connect("localhost", 81, recorder());
    expect(FakeTCP.made.map((t) => [t.options.address, t.options.port])).to.deep.equal([["10.0.0.7", 80], ["127.0.0.1", 81]]);
    expect(resolver.calls).to.deep.equal([]);
  });

  it("a name: resolved first, then the socket is made with the address; the connection then comes up", () => {
    const port = new Ecma419NetPort();
    const h = recorder();
    const sock = port.connect("example.com", 80, h);
    expect(resolver.calls.map((c) => c.name)).to.deep.equal(["example.com"]);
    expect(FakeTCP.made.length).to.equal(0);
    expect(sock.write(new Uint8Array(3))).to.equal(0);
    resolver.calls[0].callback("example.com", "93.184.216.34");
    expect(FakeTCP.made.map((t) => [t.options.address, t.options.port])).to.deep.equal([["93.184.216.34", 80]]);
    FakeTCP.made[0].options.onWritable(1024);
    expect(h.events).to.deep.equal(["connect"]);
    expect(sock.peer()).to.deep.equal(["93.184.216.34", 80]);
  });

  it("a name that does not resolve: ENOTFOUND, then close; a name that can't be one: ENOTFOUND at once", () => {
    const port = new Ecma419NetPort();
    const h = recorder();
    port.connect("nowhere.invalid", 80, h);
    resolver.calls[0].callback("nowhere.invalid", undefined);
    expect(h.events).to.deep.equal(["error ENOTFOUND", "close"]);
    expect(FakeTCP.made.length).to.equal(0);
    expect(() => port.connect("not a name", 80, recorder())).to.throw(OSError).with.property("code", "ENOTFOUND");
  });

  it("closed while resolving: closed once, the late answer is dropped", () => {
    const port = new Ecma419NetPort();
    const h = recorder();
    const sock = port.connect("example.com", 80, h);
    sock.close();
    sock.close();
    resolver.calls[0].callback("example.com", "93.184.216.34");
    expect(h.events).to.deep.equal(["close"]);
    expect(FakeTCP.made.length).to.equal(0);
  });

  it("a resolver that refuses (its table is full): OSError EAGAIN from connect", () => {
    resolver.throwNext = true;
    expect(() => new Ecma419NetPort().connect("example.com", 80, recorder())).to.throw(OSError).with.property("code", "EAGAIN");
  });

  it("handlers that throw inside the resolver's callback: nothing escapes into it", () => {
    const port = new Ecma419NetPort();
    const h = recorder();
    h.onError = () => {
      throw new Error("handler broke");
    };
    port.connect("nowhere.invalid", 80, h);
    expect(() => resolver.calls[0].callback("nowhere.invalid", undefined)).to.not.throw();
  });

  it("openConnection() to a name that does not resolve raises OSError ENOTFOUND", async () => {
    const previous = asyncio.setNetPort(new Ecma419NetPort());
    try {
      await onVirtualTime((host) =>
        asyncio.run(async () => {
          host.at(host.now() + 50, () => resolver.calls[0].callback("nowhere.invalid", undefined));
          const e = await asyncio.openConnection("nowhere.invalid", 80).then(() => null, (x: unknown) => x);
          expect(e).to.be.instanceOf(OSError);
          expect((e as OSError).code).to.equal("ENOTFOUND");
          expect(host.now()).to.equal(50);
        }),
      );
    } finally {
      asyncio.setNetPort(previous);
    }
  });
});
