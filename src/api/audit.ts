/**
 * Typed calls for audit devices (vault-api.md §8) plus Arca's `sys/audit-chain/<path>` (the chain
 * key and current seq used by `arca audit verify -device`). Works over any `ApiCaller`, e.g.
 * `new AuditApi(client)`.
 */
import type { ApiCaller } from './caller.js';

/** One device as `GET sys/audit` lists it. */
export interface AuditDeviceInfo {
  type: string;
  description: string;
  options: Record<string, string> | null;
  local: boolean;
  path: string;
}

/** `PUT sys/audit/<path>` body. */
export interface EnableAuditRequest {
  type: string;
  description?: string;
  options?: Record<string, string>;
  local?: boolean;
}

/** A device path in Vault's form: no leading slash, one trailing slash. */
export function normaliseAuditPath(path: string): string {
  return `${path.replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

export class AuditApi {
  constructor(private readonly api: ApiCaller) {}

  /** `GET sys/audit` (sudo): devices by path. */
  async list(): Promise<Record<string, AuditDeviceInfo>> {
    const secret = await this.api.read<Record<string, AuditDeviceInfo>>('sys/audit');
    return secret?.data ?? {};
  }

  /** `PUT sys/audit/<path>` (sudo). */
  async enable(path: string, request: EnableAuditRequest): Promise<void> {
    await this.api.write(`sys/audit/${normaliseAuditPath(path)}`, { ...request });
  }

  /** `DELETE sys/audit/<path>` (sudo). */
  async disable(path: string): Promise<void> {
    await this.api.delete(`sys/audit/${normaliseAuditPath(path)}`);
  }

  /** `PUT sys/audit-hash/<path>`: the device's `hmac-sha256:<hex>` of `input`. */
  async hash(path: string, input: string): Promise<string> {
    const secret = await this.api.write<{ hash: string }>(`sys/audit-hash/${normaliseAuditPath(path)}`, {
      input,
    });
    const hash = secret?.data?.hash;
    if (typeof hash !== 'string') throw new Error('audit-hash: no hash in the response');
    return hash;
  }

  /**
   * `GET sys/audit-chain/<path>` (sudo, Arca): chain key (hex), the device's last seq, and the
   * key and final seq of each earlier device that wrote the same file (its older segments, oldest
   * first).
   */
  async chain(path: string): Promise<{ key: string; seq: number; previous: { key: string; seq: number }[] }> {
    const secret = await this.api.read<{ key: string; seq: number; previous_segments?: unknown }>(
      `sys/audit-chain/${normaliseAuditPath(path)}`,
    );
    const data = secret?.data;
    if (!data || typeof data.key !== 'string' || typeof data.seq !== 'number') {
      throw new Error('audit-chain: unexpected response');
    }
    const previous = Array.isArray(data.previous_segments) ? (data.previous_segments as unknown[]) : [];
    return {
      key: data.key,
      seq: data.seq,
      previous: previous.filter(
        (p): p is { key: string; seq: number } =>
          typeof p === 'object' &&
          p !== null &&
          typeof (p as { key?: unknown }).key === 'string' &&
          typeof (p as { seq?: unknown }).seq === 'number',
      ),
    };
  }
}
