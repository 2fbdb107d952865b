/**
 * Mount management: the two mount tables plus the router. Loads the tables after unseal (creating
 * the default mounts the first time), instantiates each engine with a storage view chrooted to its
 * mount, and enables, disables and tunes mounts (table first, then route, so a failed write never
 * leaves a route without a table entry).
 */
import { ArcaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Backend, BackendFactory } from '../logical/backend.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import { MountTable, normaliseMountPath, routePathOf, storagePrefixOf } from './mount-table.js';
import type { MountEntry, MountKind, NewMount } from './mount-table.js';
import { Router, type Route } from './router.js';
import { clearPrefix, PrefixedStorageView } from './storage-view.js';
import type { MountTune } from './system/context.js';

/** Minimal logger surface (pino-compatible). */
export interface CoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MountsDeps {
  barrier: Pick<PhysicalBackend, 'get' | 'put' | 'delete' | 'list' | 'batch'>;
  clock: Clock;
  rng: Rng;
  logger: CoreLogger;
  engines: Record<string, BackendFactory>;
  authEngines: Record<string, BackendFactory>;
  /** Core's own backends: `system` (at sys/) and `token` (at auth/token/). */
  systemBackend: Backend;
  tokenBackend: Backend;
  /** Called before a mount is removed, to revoke its leases. */
  onDisable?: (mountPoint: string) => Promise<void>;
  /** Called after a mount's config changed (the token store follows its mount's TTLs). */
  onTune?: (entry: MountEntry) => void;
}

/** Types users cannot mount themselves: they belong to core and exist exactly once. */
const builtinTypes = new Set(['system', 'token', 'cubbyhole', 'identity']);

export class Mounts {
  readonly router = new Router();
  private readonly tables: Record<MountKind, MountTable>;

  constructor(private readonly deps: MountsDeps) {
    const root = new PrefixedStorageView(deps.barrier, '');
    this.tables = {
      secret: new MountTable('secret', root, deps.rng),
      auth: new MountTable('auth', root, deps.rng),
    };
  }

  /** Post-unseal: load both tables (default mounts on first unseal) and mount every entry. */
  async setup(): Promise<void> {
    if (!(await this.tables.secret.load())) {
      const t = this.tables.secret;
      const builtin = { allowProtected: true };
      await t.replaceAll([
        t.prepare(
          {
            path: 'cubbyhole/',
            type: 'cubbyhole',
            description: 'per-token private secret storage',
            local: true,
          },
          builtin,
        ),
        t.prepare(
          {
            path: 'sys/',
            type: 'system',
            description: 'system endpoints used for control, policy and debugging',
          },
          builtin,
        ),
      ]);
    }
    if (!(await this.tables.auth.load())) {
      const t = this.tables.auth;
      await t.replaceAll([
        t.prepare({ path: 'token/', type: 'token', description: 'token based credentials' }),
      ]);
    }
    for (const kind of ['secret', 'auth'] as const) {
      for (const entry of this.tables[kind].list()) {
        try {
          this.router.add(await this.instantiate(entry));
        } catch (err) {
          this.deps.logger.error(
            { err, path: routePathOf(entry), type: entry.type },
            'mount could not be started',
          );
        }
      }
    }
  }

  /**
   * A standby's refresh after the replicated mount tables changed: reloads both tables and
   * re-instantiates every engine, then swaps the routes at once (the old engines are cleaned up;
   * a mount whose engine cannot start has no route). Never writes: a table that was never written is an error (the active node writes it first).
   */
  async reload(): Promise<void> {
    for (const kind of ['secret', 'auth'] as const) {
      if (!(await this.tables[kind].load())) throw new ArcaError('standby', `no ${kind} mount table yet`);
    }
    const fresh: Route[] = [];
    for (const kind of ['secret', 'auth'] as const) {
      for (const entry of this.tables[kind].list()) {
        try {
          fresh.push(await this.instantiate(entry));
        } catch (err) {
          this.deps.logger.warn({ err, path: routePathOf(entry), type: entry.type }, 'mount not served here');
        }
      }
    }
    const old = this.router.all();
    this.router.clear();
    for (const route of fresh) this.router.add(route);
    for (const route of old) await this.cleanup(route);
  }

  /** Pre-seal: engines drop caches and timers; the router empties. */
  async teardown(): Promise<void> {
    for (const route of this.router.all()) await this.cleanup(route);
    this.router.clear();
  }

  list(kind: MountKind): readonly MountEntry[] {
    return this.tables[kind].list();
  }

  /** Enables a mount: 400 for unknown types, reserved or overlapping paths. */
  async enable(kind: MountKind, mount: NewMount): Promise<void> {
    const resolved = resolveType(mount);
    if (builtinTypes.has(resolved.type)) {
      throw new ArcaError('invalid_request', `cannot mount a "${resolved.type}" backend: it is built in`);
    }
    if (this.factoryFor(kind, resolved.type) === undefined) {
      throw new ArcaError('invalid_request', `plugin not found in the catalog: ${resolved.type}`);
    }
    const entry = this.tables[kind].prepare(resolved);
    const route = await this.instantiate(entry);
    try {
      await this.tables[kind].add(entry);
    } catch (err) {
      await this.cleanup(route);
      throw err;
    }
    this.router.add(route);
  }

  /** Disables a mount: revokes its leases, removes route and table entry, deletes its data. */
  async disable(kind: MountKind, path: string): Promise<void> {
    const normalised = normaliseMountPath(path);
    const entry = this.tables[kind].find(normalised);
    if (entry === undefined) return; // idempotent, as Vault
    if (builtinTypes.has(entry.type)) {
      throw new ArcaError('invalid_request', `cannot unmount "${routePathOf(entry)}"`);
    }
    const mountPoint = routePathOf(entry);
    await this.deps.onDisable?.(mountPoint);
    await this.tables[kind].remove(normalised);
    const route = this.router.remove(mountPoint);
    if (route !== undefined) await this.cleanup(route);
    await clearPrefix(new PrefixedStorageView(this.deps.barrier, storagePrefixOf(entry)));
  }

  /** Tunes TTLs, description or options (an options change restarts the engine instance). */
  async tune(kind: MountKind, path: string, tune: MountTune): Promise<void> {
    const entry = this.tables[kind].find(normaliseMountPath(path));
    if (entry === undefined) {
      throw new ArcaError('invalid_request', `no mount found at ${kind === 'auth' ? 'auth/' : ''}${path}`);
    }
    const next: MountEntry = {
      ...entry,
      description: tune.description ?? entry.description,
      config: {
        ...entry.config,
        defaultLeaseTtlSeconds: tune.defaultLeaseTtlSeconds ?? entry.config.defaultLeaseTtlSeconds,
        maxLeaseTtlSeconds: tune.maxLeaseTtlSeconds ?? entry.config.maxLeaseTtlSeconds,
        ...(tune.tokenType === undefined ? {} : { tokenType: tune.tokenType }),
        ...(tune.listingVisibility === undefined ? {} : { listingVisibility: tune.listingVisibility }),
        ...(tune.userLockout === undefined
          ? {}
          : { userLockout: { ...entry.config.userLockout, ...tune.userLockout } }),
      },
      options: tune.options === undefined ? entry.options : { ...entry.options, ...tune.options },
    };
    const effDefault = next.config.defaultLeaseTtlSeconds;
    const effMax = next.config.maxLeaseTtlSeconds;
    if (effDefault > 0 && effMax > 0 && effDefault > effMax) {
      throw new ArcaError('invalid_request', 'default lease TTL cannot exceed max lease TTL');
    }
    const optionsChanged = JSON.stringify(next.options) !== JSON.stringify(entry.options);
    const fresh = optionsChanged ? await this.instantiate(next) : undefined;
    await this.tables[kind].update(next);
    this.deps.onTune?.(next);
    const old = this.router.get(routePathOf(entry));
    if (fresh !== undefined) {
      this.router.add(fresh);
      if (old !== undefined) await this.cleanup(old);
    } else if (old !== undefined) {
      this.router.add({ ...old, entry: next });
    }
  }

  private factoryFor(kind: MountKind, type: string): BackendFactory | undefined {
    const map = kind === 'auth' ? this.deps.authEngines : this.deps.engines;
    return Object.hasOwn(map, type) ? map[type] : undefined;
  }

  private async instantiate(entry: MountEntry): Promise<Route> {
    const mountPoint = routePathOf(entry);
    if (entry.type === 'system') {
      return {
        mountPoint,
        entry,
        backend: this.deps.systemBackend,
        storage: new PrefixedStorageView(this.deps.barrier, 'sys/'),
      };
    }
    const storage = new PrefixedStorageView(this.deps.barrier, storagePrefixOf(entry));
    if (entry.kind === 'auth' && entry.type === 'token') {
      return { mountPoint, entry, backend: this.deps.tokenBackend, storage };
    }
    const factory = this.factoryFor(entry.kind, entry.type);
    if (factory === undefined)
      throw new ArcaError('internal', `no engine registered for type "${entry.type}"`);
    const backend = await factory({
      mountPoint,
      options: entry.options,
      storage,
      clock: this.deps.clock,
      rng: this.deps.rng,
    });
    return { mountPoint, entry, backend, storage };
  }

  private async cleanup(route: Route): Promise<void> {
    if (route.backend === this.deps.systemBackend || route.backend === this.deps.tokenBackend) return;
    try {
      await route.backend.cleanup?.();
    } catch (err) {
      this.deps.logger.warn({ err, path: route.mountPoint }, 'engine cleanup failed');
    }
  }
}

/** `kv-v2` is `kv` with `version=2`; `kv` defaults to version 1 as in Vault. */
function resolveType(mount: NewMount): NewMount {
  if (mount.type === 'kv-v2') return { ...mount, type: 'kv', options: { ...mount.options, version: '2' } };
  if (mount.type === 'kv-v1') return { ...mount, type: 'kv', options: { ...mount.options, version: '1' } };
  return mount;
}
