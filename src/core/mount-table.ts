/**
 * The mount tables (Vault's `core/mounts` and `core/auth`): which engine lives at which path,
 * with its UUID (its storage lives under `logical/<uuid>/` or `auth/<uuid>/`), accessor, config
 * and options. Stored as JSON in the barrier; changed only through `MountTable` so path rules
 * (normalised trailing '/', no overlap, reserved prefixes) hold for every entry.
 */
import { ArcaError } from '../lib/errors.js';
import { arrayOf, bool, literal, num, object, optional, recordOf, str } from '../lib/shape.js';
import type { Rng } from '../lib/rng.js';
import type { StorageView } from '../logical/storage-view.js';
import { accessorFor, uuidFrom } from './ids.js';
import { jsonBytes, readJson } from './storage-view.js';

/** Which table an entry belongs to: secrets engines or auth methods. */
export type MountKind = 'secret' | 'auth';

/** An auth mount's `token_type` tune: what a login's `default` type becomes, or a forced type. */
export type MountTokenType = 'default-service' | 'default-batch' | 'service' | 'batch';

/** An auth mount's `user_lockout_config` tune; 0/absent = Vault's default. */
export interface UserLockoutConfig {
  threshold?: number;
  durationSeconds?: number;
  counterResetSeconds?: number;
  disable?: boolean;
}

/** Per-mount TTL config; 0 means "use the system value". */
export interface MountConfig {
  defaultLeaseTtlSeconds: number;
  maxLeaseTtlSeconds: number;
  forceNoCache: boolean;
  /** Auth mounts only; absent = `default-service`. */
  tokenType?: MountTokenType;
  /** `unauth` or `hidden` (Vault's UI listing hint); absent = not set. */
  listingVisibility?: string;
  /** userpass/approle/ldap mounts: user lockout settings (./user-lockout.ts). */
  userLockout?: UserLockoutConfig;
}

export interface MountEntry {
  kind: MountKind;
  /** Path inside its table, normalised with a trailing '/' (`secret/`, `token/` for auth/token/). */
  path: string;
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string>;
  local: boolean;
  sealWrap: boolean;
}

/** The stored form of a table, checked on load. */
const storedMountTable = object<{ entries: MountEntry[] }>({
  entries: arrayOf(
    object<MountEntry>({
      kind: literal('secret', 'auth'),
      path: str,
      type: str,
      description: str,
      uuid: str,
      accessor: str,
      config: object<MountConfig>({
        defaultLeaseTtlSeconds: num,
        maxLeaseTtlSeconds: num,
        forceNoCache: bool,
        tokenType: optional(literal('default-service', 'default-batch', 'service', 'batch')),
        listingVisibility: optional(str),
        userLockout: optional(
          object<UserLockoutConfig>({
            threshold: optional(num),
            durationSeconds: optional(num),
            counterResetSeconds: optional(num),
            disable: optional(bool),
          }),
        ),
      }),
      options: recordOf(str),
      local: bool,
      sealWrap: bool,
    }),
  ),
});

/** The storage key of each table in the barrier. */
export const mountTableKeys: Record<MountKind, string> = { secret: 'core/mounts', auth: 'core/auth' };

/** Where a mount's data lives in the barrier. */
export function storagePrefixOf(entry: MountEntry): string {
  return entry.kind === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}

/** The path under /v1/ at which the entry is routed (`auth/` is prepended for auth mounts). */
export function routePathOf(entry: MountEntry): string {
  return entry.kind === 'auth' ? `auth/${entry.path}` : entry.path;
}

/** Normalises a user-supplied mount path: no leading '/', exactly one trailing '/'. */
export function normaliseMountPath(path: string): string {
  let p = path.trim().replace(/^\/+/, '');
  if (!p.endsWith('/')) p += '/';
  if (p === '/' || p.includes('//') || p.split('/').some((s) => s === '.' || s === '..')) {
    throw new ArcaError('invalid_request', `invalid mount path "${path}"`);
  }
  return p;
}

/** Secrets-engine paths no user mount may take or sit under (they belong to core). */
const protectedSecretPrefixes = ['sys/', 'auth/', 'cubbyhole/', 'identity/', 'audit/'];

export interface NewMount {
  path: string;
  type: string;
  description?: string;
  config?: Partial<MountConfig>;
  options?: Record<string, string>;
  local?: boolean;
  sealWrap?: boolean;
}

/** One table (secret or auth), loaded from and persisted to the barrier. */
export class MountTable {
  private entries: MountEntry[] = [];

  constructor(
    readonly kind: MountKind,
    private readonly storage: StorageView,
    private readonly rng: Rng,
  ) {}

  /** Loads the table; returns false when it has never been written (first unseal). */
  async load(): Promise<boolean> {
    const stored = await readJson(this.storage, mountTableKeys[this.kind], storedMountTable);
    this.entries = stored?.entries ?? [];
    return stored !== undefined;
  }

  list(): readonly MountEntry[] {
    return this.entries;
  }

  find(path: string): MountEntry | undefined {
    return this.entries.find((e) => e.path === path);
  }

  /** Builds a new entry and checks its path (400 on conflict); does not persist it. */
  prepare(mount: NewMount, opts: { allowProtected?: boolean } = {}): MountEntry {
    const path = normaliseMountPath(mount.path);
    if (this.kind === 'secret' && !opts.allowProtected) {
      const reserved = protectedSecretPrefixes.find((p) => path.startsWith(p) || p.startsWith(path));
      if (reserved !== undefined) throw new ArcaError('invalid_request', `cannot mount "${path}"`);
    }
    const clash = this.entries.find((e) => path.startsWith(e.path) || e.path.startsWith(path));
    if (clash !== undefined) {
      const where = this.kind === 'auth' ? `auth/${clash.path}` : clash.path;
      throw new ArcaError('mount_conflict', `path is already in use at ${where}`);
    }
    return {
      kind: this.kind,
      path,
      type: mount.type,
      description: mount.description ?? '',
      uuid: uuidFrom(this.rng),
      // Vault names auth mount accessors `auth_<type>_<hex>` and secret ones `<type>_<hex>`.
      accessor: accessorFor(this.kind === 'auth' ? `auth_${mount.type}` : mount.type, this.rng),
      config: {
        defaultLeaseTtlSeconds: mount.config?.defaultLeaseTtlSeconds ?? 0,
        maxLeaseTtlSeconds: mount.config?.maxLeaseTtlSeconds ?? 0,
        forceNoCache: mount.config?.forceNoCache ?? false,
        ...(mount.config?.tokenType === undefined ? {} : { tokenType: mount.config.tokenType }),
        ...(mount.config?.listingVisibility === undefined
          ? {}
          : { listingVisibility: mount.config.listingVisibility }),
      },
      options: mount.options ?? {},
      local: mount.local ?? false,
      sealWrap: mount.sealWrap ?? false,
    };
  }

  /** Adds a prepared entry and persists the table. */
  async add(entry: MountEntry): Promise<void> {
    const next = [...this.entries, entry];
    await this.persist(next);
    this.entries = next;
  }

  /** Removes the entry at `path` and persists; returns it, or undefined when absent. */
  async remove(path: string): Promise<MountEntry | undefined> {
    const entry = this.find(path);
    if (entry === undefined) return undefined;
    const next = this.entries.filter((e) => e !== entry);
    await this.persist(next);
    this.entries = next;
    return entry;
  }

  /** Replaces the entry at `entry.path` and persists. */
  async update(entry: MountEntry): Promise<void> {
    const next = this.entries.map((e) => (e.path === entry.path ? entry : e));
    await this.persist(next);
    this.entries = next;
  }

  /** Writes a whole table at once (first unseal: the default mounts). */
  async replaceAll(entries: MountEntry[]): Promise<void> {
    await this.persist(entries);
    this.entries = entries;
  }

  private async persist(entries: MountEntry[]): Promise<void> {
    await this.storage.put(mountTableKeys[this.kind], jsonBytes({ entries }));
  }
}
