// "asyncio/net-port" on platforms without ECMA-419 sockets in this build:
// no network port, so openConnection()/startServer() raise NoNetPortError.
export {};
