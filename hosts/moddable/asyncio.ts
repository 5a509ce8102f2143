// The "asyncio" module of Moddable apps: the library (modules/asyncio) with
// the Moddable host installed. No Timer is created until the loop runs, so
// this module may be preloaded.
import { setHost } from "asyncio/loop";
import { ModdableHost } from "asyncio/moddable-host";
// The network port of streams: none here; modules/network/manifest.json maps ECMA-419 sockets (esp32, esp, the simulators).
import "asyncio/net-port";

setHost(new ModdableHost());

export * from "asyncio/index";
export { default } from "asyncio/index";
