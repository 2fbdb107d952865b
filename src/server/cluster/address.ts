/**
 * Cluster peer addresses: "host:port" strings in configuration and membership, parsed once.
 * IPv6 hosts are bracketed ("[::1]:8201").
 */

/** A parsed TCP address of a cluster peer. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port" / "[v6]:port"; returns undefined for anything else (never throws on input). */
export function parsePeerAddress(text: string): PeerAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Formats an address back to "host:port" (bracketing IPv6). */
export function formatPeerAddress(address: PeerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
