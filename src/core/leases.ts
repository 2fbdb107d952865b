/**
 * A minimal lease registry: every lease-bearing `secret` response from a non-KV mount gets an id
 * (`<request path>/<random>`, so prefix revocation works on paths) and an expiry stamped on the
 * wall clock, stored in the barrier under `sys/expire/id/`. `expire` (driven by `Core.tick`, no
 * timers) drops leases past their expiry. Renewal and engine revocation callbacks come with
 * dynamic secrets; this keeps the ids, TTLs and bookkeeping honest until then.
 */
import { anyObject, bool, num, object, optional, str } from '../lib/shape.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { StorageView } from '../logical/storage-view.js';
import { base62From } from './ids.js';
import { jsonBytes, readJson } from './storage-view.js';

/** What is stored per lease (internal data stays behind the barrier, never returned). */
export interface LeaseRecord {
  leaseId: string;
  path: string;
  issueWallMs: number;
  expireWallMs: number;
  renewable: boolean;
  tokenAccessor: string;
  internalData?: Record<string, unknown>;
}

/** The stored form of a lease, checked on read. */
const storedLease = object<LeaseRecord>({
  leaseId: str,
  path: str,
  issueWallMs: num,
  expireWallMs: num,
  renewable: bool,
  tokenAccessor: str,
  internalData: optional(anyObject),
});

export class LeaseRegistry {
  private readonly expiries = new Map<string, number>();

  /** `storage` is the system view; leases live under `expire/id/` within it. */
  constructor(
    private readonly storage: StorageView,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  /** Restores the expiry index from storage (post-unseal). */
  async load(): Promise<void> {
    this.expiries.clear();
    for (const name of await this.listAll('expire/id/')) {
      const record = await readJson(this.storage, `expire/id/${name}`, storedLease);
      if (record !== undefined) this.expiries.set(record.leaseId, record.expireWallMs);
    }
  }

  /** Registers a lease for a response served at `path`; returns its id. */
  async register(
    input: Omit<LeaseRecord, 'leaseId' | 'issueWallMs' | 'expireWallMs'> & { ttlSeconds: number },
  ): Promise<string> {
    const now = this.clock.wallMs();
    const leaseId = `${input.path.replace(/\/+$/, '')}/${base62From(this.rng, 24)}`;
    const record: LeaseRecord = {
      leaseId,
      path: input.path,
      issueWallMs: now,
      expireWallMs: now + input.ttlSeconds * 1000,
      renewable: input.renewable,
      tokenAccessor: input.tokenAccessor,
      ...(input.internalData === undefined ? {} : { internalData: input.internalData }),
    };
    await this.storage.put(`expire/id/${leaseId}`, jsonBytes(record));
    this.expiries.set(leaseId, record.expireWallMs);
    return leaseId;
  }

  async lookup(leaseId: string): Promise<LeaseRecord | undefined> {
    return readJson(this.storage, `expire/id/${leaseId}`, storedLease);
  }

  /** Drops every lease whose id starts with `prefix` (mount disable). */
  async revokePrefix(prefix: string): Promise<number> {
    const ids = [...this.expiries.keys()].filter((id) => id.startsWith(prefix));
    if (ids.length > 0)
      await this.storage.batch(ids.map((id) => ({ type: 'delete', key: `expire/id/${id}` })));
    for (const id of ids) this.expiries.delete(id);
    return ids.length;
  }

  /** Drops every lease created by the token with `accessor` (token revocation). */
  async revokeByToken(accessor: string): Promise<number> {
    if (accessor === '' || this.expiries.size === 0) return 0;
    const ids: string[] = [];
    for (const id of this.expiries.keys()) {
      if ((await this.lookup(id))?.tokenAccessor === accessor) ids.push(id);
    }
    if (ids.length > 0)
      await this.storage.batch(ids.map((id) => ({ type: 'delete', key: `expire/id/${id}` })));
    for (const id of ids) this.expiries.delete(id);
    return ids.length;
  }

  /** Drops leases whose expiry has passed; returns how many. */
  async expire(): Promise<number> {
    const now = this.clock.wallMs();
    const due = [...this.expiries].filter(([, at]) => at <= now).map(([id]) => id);
    if (due.length > 0)
      await this.storage.batch(due.map((id) => ({ type: 'delete', key: `expire/id/${id}` })));
    for (const id of due) this.expiries.delete(id);
    return due.length;
  }

  count(): number {
    return this.expiries.size;
  }

  private async listAll(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await this.storage.list(prefix)) {
      if (name.endsWith('/')) for (const child of await this.listAll(prefix + name)) out.push(name + child);
      else out.push(name);
    }
    return out;
  }
}
