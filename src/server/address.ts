/**
 * Listener addresses (`host:port`, `[::1]:8200`): parsed once, with a clear error for anything else,
 * so config validation and the HTTP listener agree on what an address means.
 */
import { ArcaError } from '../lib/errors.js';

/** A parsed listen address. `port` 0 means an ephemeral port (tests). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Splits `host:port` (`[v6]:port`; empty host = all interfaces). Throws `invalid_field` when malformed. */
export function parseListenAddress(address: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new ArcaError(
      'invalid_field',
      `invalid listen address ${JSON.stringify(address)}: expected host:port`,
    );
  }
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]), port };
}
