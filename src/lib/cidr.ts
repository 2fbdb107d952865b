/**
 * CIDR blocks for token and secret-id bindings (Vault's `parseutil.ParseAddrs` and
 * `cidrutil.RemoteAddrIsOk`): a bare address is a single-host block; IPv4-mapped IPv6 client
 * addresses (`::ffff:127.0.0.1`, what Node reports on a dual-stack socket) match IPv4 blocks.
 * Matching uses node:net's BlockList, so no hand-written bit arithmetic.
 */
import { BlockList, isIP } from 'node:net';
import { ArcaError } from './errors.js';

/** One parsed block, e.g. `{ address: '10.0.0.0', prefix: 8, family: 'ipv4' }`. */
export interface CidrBlock {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or block; undefined when it is neither. */
export function parseCidr(text: string): CidrBlock | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: bits, family };
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family };
}

/**
 * Parses a list of CIDR strings into their canonical text (`10.0.0.1` → `10.0.0.1/32`); a bad
 * entry is a 400 naming it, so a binding is never stored half-understood.
 */
export function parseCidrList(list: readonly string[], field: string): string[] {
  return list
    .filter((item) => item.trim() !== '')
    .map((item) => {
      const block = parseCidr(item);
      if (block === undefined) {
        throw new ArcaError('invalid_request', `invalid CIDR block ${JSON.stringify(item)} in "${field}"`);
      }
      return `${block.address}/${block.prefix}`;
    });
}

/** The client address without an IPv4-mapped prefix or a zone (`::ffff:1.2.3.4` → `1.2.3.4`). */
export function normaliseRemoteAddress(address: string): string {
  const noZone = address.split('%')[0] ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(noZone);
  return mapped?.[1] ?? noZone;
}

/**
 * Whether `remoteAddress` lies in one of `cidrs` (canonical or raw text). An empty list allows
 * everything (no binding); an unparseable remote address matches nothing (deny by default).
 */
export function addressAllowed(remoteAddress: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const address = normaliseRemoteAddress(remoteAddress);
  const version = isIP(address);
  if (version === 0) return false;
  const list = new BlockList();
  for (const text of cidrs) {
    const block = parseCidr(text);
    if (block !== undefined) list.addSubnet(block.address, block.prefix, block.family);
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** Whether every block of `inner` lies inside some block of `outer` (secret-id CIDRs ⊆ role CIDRs). */
export function cidrsWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  return inner.every((text) => {
    const block = parseCidr(text);
    if (block === undefined) return false;
    return outer.some((o) => {
      const container = parseCidr(o);
      return (
        container !== undefined &&
        container.family === block.family &&
        container.prefix <= block.prefix &&
        addressAllowed(block.address, [o])
      );
    });
  });
}
