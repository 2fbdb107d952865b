/**
 * What every command shares: the process I/O (injected, so commands run in tests without a
 * terminal), the client built from flags and environment (`VAULT_ADDR`, `VAULT_TOKEN`,
 * `VAULT_CACERT`, `VAULT_SKIP_VERIFY`, `VAULT_FORMAT`), the token file `~/.vault-token`, and the
 * error type carrying the exit code (1 = error, 2 = usage error, as the vault CLI).
 *
 * The default address is `http://127.0.0.1:8200` (plain HTTP, for `server -dev`; Vault's own CLI
 * defaults to https). Production users set `VAULT_ADDR=https://...`.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArcaClient } from '../api/client.js';

/** Default server address when neither `-address` nor `VAULT_ADDR` is set. */
export const defaultAddress = 'http://127.0.0.1:8200';

/** The process surface the CLI uses. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** All of stdin (for `-` arguments). */
  readStdin(): Promise<string>;
  /** Asks for a secret without echoing it (TTY) or reads one line of stdin. */
  promptSecret(prompt: string): Promise<string>;
  homeDir: string;
}

/** An error the CLI reports on stderr with an exit code (1 error, 2 usage / sealed). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage error (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

/** Flags every command accepts. */
export interface GlobalArgs {
  address?: string;
  format?: string;
  'ca-cert'?: string;
  'tls-skip-verify'?: boolean;
  /** `-wrap-ttl`: wrap the response (VAULT_WRAP_TTL). */
  'wrap-ttl'?: string;
}

export type OutputFormat = 'table' | 'json';

/** `-format`, else `VAULT_FORMAT`, else table. */
export function outputFormat(args: GlobalArgs, io: CliIo): OutputFormat {
  const format = (args.format ?? io.env.VAULT_FORMAT ?? 'table').toLowerCase();
  if (format !== 'table' && format !== 'json')
    throw usageError(`Invalid output format: ${format} (use table or json)`);
  return format;
}

/** `~/.vault-token`. */
export function tokenFilePath(io: CliIo): string {
  return join(io.homeDir, '.vault-token');
}

/** The stored token, or undefined when there is none. */
export function readTokenFile(io: CliIo): string | undefined {
  try {
    const token = readFileSync(tokenFilePath(io), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** Stores the token for later commands (mode 0600: only the user may read it). */
export function writeTokenFile(io: CliIo, token: string): void {
  const file = tokenFilePath(io);
  writeFileSync(file, token, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The client for these flags: address, token (`VAULT_TOKEN` beats the token file), TLS trust. The
 * client's modules load here, on first use: `arca server` never needs them (startup time).
 */
export async function clientFor(args: GlobalArgs, io: CliIo, tokenOverride?: string): Promise<ArcaClient> {
  const skip =
    args['tls-skip-verify'] ?? ['1', 'true', 't'].includes((io.env.VAULT_SKIP_VERIFY ?? '').toLowerCase());
  const { ArcaClient } = await import('../api/client.js');
  try {
    return new ArcaClient({
      address: args.address ?? io.env.VAULT_ADDR ?? defaultAddress,
      token: tokenOverride ?? io.env.VAULT_TOKEN ?? readTokenFile(io),
      tlsCaFile: args['ca-cert'] ?? io.env.VAULT_CACERT,
      insecure: skip,
      wrapTtl: args['wrap-ttl'] ?? io.env.VAULT_WRAP_TTL,
    });
  } catch (err) {
    throw new CliError(`Error initializing client: ${(err as Error).message}`);
  }
}
