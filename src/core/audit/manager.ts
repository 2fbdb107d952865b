/**
 * The audit table: which devices are enabled, persisted in the barrier (so salts and chain keys are
 * encrypted at rest), and re-created on unseal. Backs `sys/audit`, `sys/audit/<path>` and
 * `sys/audit-hash/<path>`. Enabling validates everything and opens the destination BEFORE the
 * table changes, so a bad enable changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { chainStateAfter } from '../../lib/hash-chain.js';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { AuditBroker } from './broker.js';
import { AuditDevice, optionBool, readChainTail, type AuditDeviceConfig } from './device.js';
import { FileSink } from './file-sink.js';
import { UnavailableSink } from './sink.js';
import { parseSocketTarget, SocketSink } from './socket-sink.js';
import { parseDurationSeconds } from '../../lib/durations.js';

const tableKey = 'core/audit';
/** Chain keys of disabled file devices, kept so their segments of a file can still be verified. */
const retiredKey = 'core/audit-retired-chains';

/** A disabled file device's chain key (secret; only `sys/audit-chain` with sudo returns it). */
interface RetiredChain {
  path: string;
  /** Absolute path of the file it wrote. */
  filePath: string;
  chainKeyHex: string;
  /** The last seq of its chain that was in the file when it was disabled. */
  seq: number;
}

/** The file a device writes, absolute; undefined for sockets, `stdout` and `discard`. */
function deviceFile(config: AuditDeviceConfig): string | undefined {
  if (config.type !== 'file') return undefined;
  const filePath = config.options.file_path ?? config.options.path;
  if (filePath === undefined || filePath === 'stdout' || filePath === 'discard') return undefined;
  return resolve(filePath);
}

/** What `sys/audit` lists for one device (no secrets). */
export interface AuditDeviceListing {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

/** Normalises a device path to Vault's form: no leading slash, one trailing slash. */
export function normaliseAuditPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.includes('..'))
    throw new ArcaError('invalid_request', 'invalid audit device path');
  return `${trimmed}/`;
}

function stringOptions(options: unknown): Record<string, string> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ArcaError('invalid_field', 'field "options" must be a map of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ArcaError('invalid_field', `option "${k}" must be a string`);
    }
    out[k] = String(v);
  }
  return out;
}

export class AuditManager {
  private configs = new Map<string, AuditDeviceConfig>();
  private retired: RetiredChain[] = [];

  constructor(
    private readonly storage: StorageView,
    private readonly broker: AuditBroker,
    private readonly socketConnectTimeoutMs = 2000,
  ) {}

  /**
   * After unseal: re-creates every device from the table. A device that cannot open stays in the
   * broker as an unavailable device (every write fails), so it still counts: when ALL devices
   * failed, requests fail closed instead of going unaudited. The caller logs the failures.
   */
  async load(): Promise<{ path: string; error: Error }[]> {
    const raw = await this.storage.get(tableKey);
    const list: AuditDeviceConfig[] = raw
      ? (JSON.parse(Buffer.from(raw).toString('utf8')) as AuditDeviceConfig[])
      : [];
    this.configs = new Map(list.map((c) => [c.path, c]));
    const retiredRaw = await this.storage.get(retiredKey);
    this.retired = retiredRaw ? (JSON.parse(Buffer.from(retiredRaw).toString('utf8')) as RetiredChain[]) : [];
    const failures: { path: string; error: Error }[] = [];
    for (const config of list) {
      try {
        this.broker.add(await this.openDevice(config));
      } catch (error) {
        failures.push({ path: config.path, error: error as Error });
        this.broker.add(new AuditDevice(config, new UnavailableSink((error as Error).message)));
      }
    }
    return failures;
  }

  /** Before seal: closes devices (the table stays in storage). */
  async unload(): Promise<void> {
    await this.broker.closeAll();
    this.configs.clear();
    this.retired = [];
  }

  list(): Record<string, AuditDeviceListing> {
    const out: Record<string, AuditDeviceListing> = {};
    for (const c of [...this.configs.values()].sort((a, b) => a.path.localeCompare(b.path))) {
      out[c.path] = {
        type: c.type,
        description: c.description,
        options: c.options,
        local: c.local,
        path: c.path,
      };
    }
    return out;
  }

  /** `PUT sys/audit/<path>`: validates, opens the destination, then persists. */
  async enable(
    pathInput: string,
    input: { type?: unknown; description?: unknown; options?: unknown; local?: unknown },
  ): Promise<void> {
    const path = normaliseAuditPath(pathInput);
    if (this.configs.has(path)) throw new ArcaError('invalid_request', `path already in use: "${path}"`);
    const type = input.type;
    if (type !== 'file' && type !== 'socket') {
      throw new ArcaError(
        'invalid_request',
        `unknown audit device type "${String(type)}": want file or socket`,
      );
    }
    const config: AuditDeviceConfig = {
      path,
      type,
      description: typeof input.description === 'string' ? input.description : '',
      options: stringOptions(input.options),
      local: input.local === true || (typeof input.local === 'string' && optionBool(input.local, false)),
      salt: randomUUID(),
      chainKeyHex: secureRandomBytes(32).toString('hex'),
    };
    const device = await this.openDevice(config);
    try {
      const next = [...this.configs.values(), config];
      await this.storage.put(tableKey, Buffer.from(JSON.stringify(next), 'utf8'));
    } catch (err) {
      await device.close();
      throw err;
    }
    this.configs.set(path, config);
    this.broker.add(device);
  }

  /**
   * `DELETE sys/audit/<path>`: its salt is gone for good (like Vault). A file device's chain key
   * is retired, not dropped (same batch as the table), so the file's segment it wrote stays
   * verifiable after a device is re-enabled there (break-glass recovery).
   */
  async disable(pathInput: string): Promise<void> {
    const path = normaliseAuditPath(pathInput);
    const config = this.configs.get(path);
    if (config === undefined) return;
    const next = [...this.configs.values()].filter((c) => c.path !== path);
    const filePath = deviceFile(config);
    const retired =
      filePath === undefined
        ? this.retired
        : [
            ...this.retired,
            { path, filePath, chainKeyHex: config.chainKeyHex, seq: await this.seqOnDisk(config, filePath) },
          ];
    await this.storage.batch([
      { type: 'put', key: tableKey, value: Buffer.from(JSON.stringify(next), 'utf8') },
      { type: 'put', key: retiredKey, value: Buffer.from(JSON.stringify(retired), 'utf8') },
    ]);
    this.retired = retired;
    this.configs.delete(path);
    await this.broker.remove(path);
  }

  /** `sys/audit-hash/<path>`: the device's HMAC of `input`. */
  hash(pathInput: string, input: unknown): string {
    const path = normaliseAuditPath(pathInput);
    const device = this.broker.device(path);
    if (!device) throw new ArcaError('invalid_request', `unknown audit backend "${path}"`);
    if (typeof input !== 'string') throw new ArcaError('invalid_field', 'field "input" must be a string');
    return device.hash(input);
  }

  /**
   * The chain key of a device and its last seq, for `arca audit verify` run by an operator with
   * sudo; `previous_segments` (oldest first) are the keys and final seqs of earlier, disabled
   * devices that wrote the same file, i.e. of the file's older segments. For a path whose file
   * device was disabled and not re-enabled, the last retired device at that path answers.
   */
  chainKey(pathInput: string): {
    key: string;
    seq: number;
    previous_segments: { key: string; seq: number }[];
  } {
    const path = normaliseAuditPath(pathInput);
    const config = this.configs.get(path);
    const device = this.broker.device(path);
    const segments = (list: RetiredChain[]) => list.map((r) => ({ key: r.chainKeyHex, seq: r.seq }));
    if (config && device) {
      const filePath = deviceFile(config);
      return {
        key: config.chainKeyHex,
        seq: device.chainState().seq,
        previous_segments: segments(this.retired.filter((r) => r.filePath === filePath)),
      };
    }
    const at = this.retired.findLastIndex((r) => r.path === path);
    if (at < 0) throw new ArcaError('invalid_request', `unknown audit backend "${path}"`);
    const last = this.retired[at];
    return {
      key: last.chainKeyHex,
      seq: last.seq,
      previous_segments: segments(this.retired.slice(0, at).filter((r) => r.filePath === last.filePath)),
    };
  }

  /**
   * The last seq of the device's own chain that is in its file now (0 if none, or unreadable: a
   * break-glass disable must not fail on a broken file). Read from the file, not the writer: a
   * write that failed advanced the writer but put nothing on disk.
   */
  private async seqOnDisk(config: AuditDeviceConfig, filePath: string): Promise<number> {
    const tail = await readChainTail(filePath, config.options.prefix ?? '');
    return chainStateAfter(Buffer.from(config.chainKeyHex, 'hex'), tail)?.seq ?? 0;
  }

  private async openDevice(config: AuditDeviceConfig): Promise<AuditDevice> {
    if (config.type === 'file') {
      const filePath = config.options.file_path ?? config.options.path;
      if (!filePath) throw new ArcaError('invalid_request', 'file audit device needs a "file_path" option');
      const mode = config.options.mode ? Number.parseInt(config.options.mode, 8) : 0o600;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
        throw new ArcaError('invalid_request', `invalid mode "${config.options.mode}"`);
      }
      let sink: FileSink;
      try {
        sink = await FileSink.open(filePath, { fsync: optionBool(config.options.fsync, false), mode });
      } catch (err) {
        throw new ArcaError(
          'invalid_request',
          `cannot open audit file "${filePath}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      const tail = await readChainTail(filePath, config.options.prefix ?? '');
      return new AuditDevice(config, sink, chainStateAfter(Buffer.from(config.chainKeyHex, 'hex'), tail));
    }
    const target = parseSocketTarget(config.options.address, config.options.socket_type);
    const timeoutMs = config.options.write_timeout
      ? parseDurationSeconds(config.options.write_timeout, 'write_timeout') * 1000
      : this.socketConnectTimeoutMs;
    const sink = new SocketSink(target, timeoutMs || this.socketConnectTimeoutMs);
    try {
      await sink.probe();
    } catch (err) {
      await sink.close();
      throw new ArcaError(
        'invalid_request',
        `cannot connect to audit socket "${String(config.options.address)}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return new AuditDevice(config, sink);
  }
}
