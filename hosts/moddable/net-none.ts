// "asyncio/net-port": the loop alone (modules/asyncio/manifest.json) has no
// sockets. modules/network/manifest.json adds them ("network/sockets",
// hosts/moddable/net.ts, preloaded), which names itself as the network port;
// without it openConnection()/startServer() raise NoNetPortError.
export {};
