// Declarations of the SDK modules the Moddable hosts use beyond those in
// @moddable/typings 5.6 (which tsconfig.moddable.json includes): the ECMA-419
// Wi-Fi interface, `net` (Net.get, Net.resolve) and `mc/config`, as in the
// SDK's own typings ($MODDABLE/typings). Only `tsc -p tsconfig.moddable.json`
// reads this file; mcconfig compiles against $MODDABLE/typings.
declare module "embedded:network/interface/wifi" {
  export type WiFiChangedProperty = "connection" | "address";
  export interface WiFiConstructorOptions {
    onChanged?: (property: WiFiChangedProperty) => void;
  }
  export interface WiFiScanResult {
    SSID: string;
    channel: number;
    RSSI: number;
    BSSID?: string;
  }
  export interface WiFiScanOptions {
    onFound?: (result: WiFiScanResult) => void;
    onComplete?: () => void;
  }
  export interface WiFiConnectOptions {
    SSID: string;
    password?: string;
  }
  export interface WiFiConfigureOptions {
    hostname?: string;
    static?: { address: string; mask: string; gateway: string } | false;
  }
  class WiFi {
    constructor(options: WiFiConstructorOptions);
    close(): void;
    scan(options: WiFiScanOptions): void;
    connect(options: WiFiConnectOptions): void;
    disconnect(): void;
    configure(options: WiFiConfigureOptions): void;
    readonly connection: number;
    readonly address: string | undefined;
    readonly MAC: string | undefined;
    readonly SSID: string | undefined;
    readonly RSSI: number | undefined;
  }
  export default WiFi;
}

declare module "net" {
  const Net: {
    get(what: "IP" | "MAC" | "SSID" | "BSSID", nif?: string): string | undefined;
    get(what: "RSSI" | "CHANNEL"): number | undefined;
    get(what: "DNS"): string[] | undefined;
    resolve(name: string, callback: (name: string, address?: string) => void): void;
  };
  export default Net;
}

declare module "mc/config" {
  const config: Record<string, unknown>;
  export default config;
}
