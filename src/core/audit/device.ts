/**
 * One enabled audit device: its sink, its salt (for Vault-compatible HMACs) and its keyed hash
 * chain (tamper evidence). Lines are rendered, chained and handed to the sink synchronously in
 * call order, so the chain order is exactly the file order.
 */
import { open } from 'node:fs/promises';
import { type ChainLink, HashChainWriter, parseChainedLine } from '../../lib/hash-chain.js';
import { AuditHasher } from './hasher.js';
import { EntryJsonWriter, type TokenHashMemo } from './entry-json.js';
import type { AuditEntry, AuditRequest } from '../audit-broker.js';
import type { AuditSink } from './sink.js';

/** Persistent description of a device (stored encrypted in the audit table). */
export interface AuditDeviceConfig {
  path: string;
  type: 'file' | 'socket';
  description: string;
  options: Record<string, string>;
  local: boolean;
  /** Vault's per-device salt (secret; never listed). */
  salt: string;
  /** Hex key of the hash chain (secret; never listed). */
  chainKeyHex: string;
}

/** Parses Vault's boolean option strings ("true", "1", ...). */
export function optionBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['true', '1', 't', 'yes'].includes(value.toLowerCase());
}

/** An enabled device, ready to log. */
export class AuditDevice {
  private readonly hasher: AuditHasher;
  private readonly chain: HashChainWriter;
  private readonly writer: EntryJsonWriter;
  private readonly prefix: string;
  /** Token/accessor hashes per request object (shared by its request and response entries). */
  private readonly memos = new WeakMap<AuditRequest, TokenHashMemo>();

  constructor(
    readonly config: AuditDeviceConfig,
    private readonly sink: AuditSink,
    chainState?: { seq: number; mac: string },
  ) {
    this.hasher = new AuditHasher(config.salt);
    this.chain = new HashChainWriter(Buffer.from(config.chainKeyHex, 'hex'), chainState);
    this.writer = new EntryJsonWriter(this.hasher, {
      hmacAccessor: optionBool(config.options.hmac_accessor, true),
      logRaw: optionBool(config.options.log_raw, false),
    });
    this.prefix = config.options.prefix ?? '';
  }

  /** Renders, chains and writes one entry; resolves when the sink has it. */
  log(entry: AuditEntry): Promise<void> {
    let line: string;
    try {
      let memo = this.memos.get(entry.request);
      if (memo === undefined) {
        memo = new Map();
        this.memos.set(entry.request, memo);
      }
      line = this.chain.seal(this.writer.write(entry, memo));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.sink.write(`${this.prefix}${line}\n`);
  }

  /** `sys/audit-hash`: the HMAC this device would write for `input`. */
  hash(input: string): string {
    return this.hasher.hash(input);
  }

  /** The chain position (seq, mac) of the last entry written. */
  chainState(): { seq: number; mac: string } {
    return this.chain.state();
  }

  reopen(): Promise<void> {
    return this.sink.reopen();
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}

/**
 * The last chained line of an existing audit file (body and link), so a restarted server continues
 * its chain and a device re-enabled on the file starts a new segment committing to it
 * (`chainStateAfter`). Only the file's tail is read; undefined when there is no chained line.
 */
export async function readChainTail(
  filePath: string,
  prefix: string,
): Promise<{ body: string; link: ChainLink } | undefined> {
  let text: string;
  try {
    const handle = await open(filePath, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 1024 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    const parsed = parseChainedLine(line.startsWith(prefix) ? line.slice(prefix.length) : line);
    if (parsed) return parsed;
  }
  return undefined;
}
