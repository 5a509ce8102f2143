// What the manifests put into firmware, checked with the Moddable SDK's own
// mcconfig (when $MODDABLE is set): make files for ESP32 and ESP8266 need no
// toolchain (`mcconfig -d -p esp32|esp` without -m), so they show which
// modules and C files a build would carry. The web server must carry
// sockets, the Wi-Fi set-up and the network module on both; the two-LED
// blink must carry none of them. Then a small app on the Linux simulator
// resolves a host name through the SDK's DNS (Net.resolve).
//
// The simulator part builds with -m and runs mcsim under `flock` on
// $MCSIM_LOCK (default <tmpdir>/mcsim.lock), so that it never runs beside
// another simulator test; set MCSIM_LOCK= (empty) when the whole run is
// already under that lock.
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN, ROOT, findFile, mcconfig, readMakeFile, sdkEnv, sdkMissing, type MakeFile } from "./mcconfig";

const env = (): NodeJS.ProcessEnv => sdkEnv();
const missing = (): string | null => sdkMissing();
const makeFile = (appDir: string, platform: string, args: string[] = []): MakeFile => readMakeFile(appDir, platform, args);

const NETWORKING = [
  "~.embedded/io/socket/tcp.xsb",
  "~.embedded/io/socket/listener.xsb",
  "~.embedded/io/socket/udp.xsb",
  "~.embedded/network/interface/wifi.xsb",
  "setup/network.xsb",
  "net.xsb",
  "socket.xsb",
  "sntp.xsb",
  "network.xsb",
  "network/sockets.xsb",
];

const reason = missing();
(reason ? describe.skip : describe)(`firmware contents from the manifests (mcconfig make files)${reason ? ` — skipped: ${reason}` : ""}`, function () {
  this.timeout(120_000);

  for (const [platform, wifiC] of [["esp32", "wifi-esp32.c.xsi"], ["esp", "wifi-esp.c.xsi"]]) {
    it(`examples/webserver for ${platform}: ECMA-419 TCP and listener, the SDK's Wi-Fi set-up (ssid=/password=), network.WLAN`, () => {
      const mk = makeFile(path.join(ROOT, "examples", "webserver"), platform, ["ssid=My Network", "password=my secret"]);
      for (const m of [
        "~.embedded/io/socket/tcp.xsb", "~.embedded/io/socket/listener.xsb", "tcp.c.xsi",
        "~.embedded/network/interface/wifi.xsb", wifiC, "setup/network.xsb", "net.xsb", "modResolve.c.xsi",
        "network.xsb", "network/wlan.xsb", "network/port.xsb", "network/port-ecma419.xsb", "network/sockets.xsb",
        "asyncio/stream.xsb", "machine.xsb", "~.embedded/io/digital.xsb", "main.xsb",
      ]) expect(mk.modules, m).to.include(m);
      expect(mk.modules, "no Wi-Fi model on a device").to.not.include("network/model.xsb");
      expect(mk.modules, "no UDP").to.not.include("~.embedded/io/socket/udp.xsb");
      for (const p of ["setup/network.xsb", "network/sockets.xsb", "~.embedded/io/socket/tcp.xsb", "~.embedded/io/socket/listener.xsb"]) {
        expect(mk.preloads, p).to.include(p);
      }
      expect(mk.config).to.match(/"ssid": ?"My Network"/);
      expect(mk.config).to.match(/"password": ?"my secret"/);
    });

    it(`main.ts (the two-LED blink) for ${platform}: digital IO only, no sockets, no Wi-Fi set-up`, () => {
      const mk = makeFile(ROOT, platform);
      for (const m of NETWORKING) expect(mk.modules, m).to.not.include(m);
      for (const c of ["tcp.c.xsi", "udp.c.xsi", wifiC, "modNet.c.xsi", "modSocket.c.xsi", "modsntp.c.xsi"]) expect(mk.modules, c).to.not.include(c);
      for (const m of ["~.embedded/io/digital.xsb", "machine.xsb", "machine/port-ecma419.xsb", "asyncio.xsb", "main.xsb"]) expect(mk.modules, m).to.include(m);
    });
  }

  it("examples/webserver for a board without networking here (pico) is refused, naming the platforms", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-mk-"));
    try {
      const r = mcconfig(path.join(ROOT, "examples", "webserver"), ["-d", "-p", "pico", "-t", "build", "-o", out], { PICO_SDK_DIR: out });
      expect(r.status).to.not.equal(0);
      expect(r.output).to.match(/esp32, esp \(ESP8266\) and the desktop simulators/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

// ---- the simulator: a name resolved through the SDK's DNS ----------------------------

function simMissing(): string | null {
  const r = missing();
  if (r) return r;
  if (!fs.existsSync(path.join(BIN, "mcsim"))) return `mcsim is missing from ${BIN}`;
  if (!process.env.DISPLAY) return "no $DISPLAY for mcsim";
  return null;
}

/** A name of this machine that resolves to an IPv4 address through the system's resolver (/etc/hosts), or null. */
function localName(): string | null {
  for (const name of [os.hostname(), "localhost.localdomain"]) {
    const r = spawnSync("getent", ["ahostsv4", name], { encoding: "utf8" });
    if (r.status === 0 && /^\d+\.\d+\.\d+\.\d+\s/m.test(r.stdout)) return name;
  }
  return null;
}

/** argv under flock on $MCSIM_LOCK (unless it is set empty, or flock is missing). */
function locked(argv: string[]): string[] {
  const lock = process.env.MCSIM_LOCK ?? path.join(os.tmpdir(), "mcsim.lock");
  if (!lock || spawnSync("sh", ["-c", "command -v flock"]).status !== 0) return argv;
  return ["flock", lock, ...argv];
}

const simReason = simMissing() ?? (localName() === null ? "no local host name resolves to IPv4 here" : null);
(simReason ? describe.skip : describe)(`the Linux simulator resolves names through the SDK's DNS${simReason ? ` — skipped: ${simReason}` : ""}`, function () {
  this.timeout(600_000);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-dns-"));
  after(() => fs.rmSync(app, { recursive: true, force: true }));

  it("openConnection(<host name>) reaches a server of the app; an unknown name is OSError ENOTFOUND; network.WLAN is the connected model", async () => {
    const name = localName()!;
    fs.writeFileSync(path.join(app, "manifest.json"), JSON.stringify({
      include: ["$(MODDABLE)/examples/manifest_base.json", path.join(ROOT, "modules", "network", "manifest.json")],
      modules: { main: "./main" },
      preload: ["asyncio", "asyncio/*"],
    }, null, "\t"));
    fs.writeFileSync(path.join(app, "main.js"), `
import asyncio from "asyncio";
import network from "network";
async function main() {
  const wlan = new network.WLAN(network.STA_IF);
  wlan.active(true);
  await wlan.connected(5);
  asyncio.print("WLAN " + wlan.ifconfig()[0] + " " + network.statusName(wlan.status()));
  const server = await asyncio.startServer(async (r, w) => { w.write("hello\\n"); await w.drain(); w.close(); }, "0.0.0.0", 0);
  for (const name of [${JSON.stringify(name)}, "no-such-host.invalid"]) {
    try {
      const [r, w] = await asyncio.waitFor(asyncio.openConnection(name, server.port), 30);
      const line = await r.readline();
      asyncio.print("DNS " + name + " OK " + String.fromCharCode(...line).trim());
      w.close();
    } catch (e) {
      asyncio.print("DNS " + name + " ERR " + e.name + " " + e.code);
    }
  }
  asyncio.print("DNS DONE");
}
asyncio.run(main);
`);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "asyncio-dns-out-"));
    try {
      const [cmd, ...args] = locked([path.join(BIN, "mcconfig"), "-m", "-p", "lin", "-t", "build", "-o", out]);
      const b = spawnSync(cmd, args, { cwd: app, env: env(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(b.status, `${b.stdout}${b.stderr}`).to.equal(0);
      const so = findFile(path.join(out, "bin"), "mc.so");
      expect(so).to.not.equal(null);
      const [sim, ...simArgs] = locked(["timeout", "-s", "KILL", "120", "stdbuf", "-oL", path.join(BIN, "mcsim"), so!]);
      const child = spawn(sim, simArgs, { env: env(), stdio: ["ignore", "pipe", "ignore"], detached: true });
      let log = "";
      try {
        await new Promise<void>((resolve) => {
          child.stdout.setEncoding("utf8");
          child.stdout.on("data", (s: string) => {
            log += s;
            if (log.includes("DNS DONE")) resolve();
          });
          child.on("exit", () => resolve());
        });
      } finally {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
      expect(log).to.contain("WLAN 127.0.0.1 STAT_GOT_IP");
      expect(log).to.contain(`DNS ${name} OK hello`);
      expect(log).to.contain("DNS no-such-host.invalid ERR OSError ENOTFOUND");
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
