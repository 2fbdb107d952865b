/**
 * KV helpers that behave like `vault kv ...`: the KV version of the mount serving a path is detected
 * with `GET sys/internal/ui/mounts/<path>` (`options.version`; 404 → v1), and v2 paths are rewritten
 * to `<mount>data/...`, `metadata/...`, `delete/...`, `undelete/...`, `destroy/...`.
 */
import type { ApiCaller } from './caller.js';
import { ApiError, isApiError } from './errors.js';
import type { MountInfo, Secret } from './types.js';

/** A path resolved against its KV mount. */
export interface KvPath {
  /** The mount, with trailing `/` (e.g. `secret/`); '' when no mount could be identified. */
  mountPath: string;
  version: 1 | 2;
  /** The path inside the mount (no leading `/`). */
  relative: string;
}

/** The v2 sub-trees. */
export type KvV2Segment = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys';

/** Resolves `path` against mount info (pure). `mountInfo` null = not a visible mount → v1, path as is. */
export function resolveKvPath(path: string, mountInfo: MountInfo | null): KvPath {
  const clean = path.replace(/^\/+/, '');
  if (!mountInfo) return { mountPath: '', version: 1, relative: clean };
  const mountPath = mountInfo.path.endsWith('/') ? mountInfo.path : `${mountInfo.path}/`;
  const version = mountInfo.options?.version === '2' ? 2 : 1;
  const relative =
    clean === mountPath.slice(0, -1)
      ? ''
      : clean.startsWith(mountPath)
        ? clean.slice(mountPath.length)
        : clean;
  return { mountPath, version, relative };
}

/** The API path for an operation on a resolved KV path (pure): v2 inserts the segment after the mount. */
export function kvApiPath(kv: KvPath, segment: KvV2Segment = 'data'): string {
  if (kv.version === 1) return `${kv.mountPath}${kv.relative}`;
  return `${kv.mountPath}${segment}/${kv.relative}`;
}

export class KvApi {
  constructor(private readonly api: ApiCaller) {}

  /** Detects the mount and version for `path` (a full path like `secret/foo`). */
  async resolve(path: string): Promise<KvPath> {
    let info: MountInfo | null;
    try {
      const secret = await this.api.read<MountInfo>(`sys/internal/ui/mounts/${path.replace(/^\/+/, '')}`);
      info = secret?.data ?? null;
    } catch (err) {
      if (isApiError(err, 404)) info = null;
      else throw err;
    }
    return resolveKvPath(path, info);
  }

  async get(path: string, version?: number): Promise<Secret | null> {
    const kv = await this.resolve(path);
    return this.api.read(kvApiPath(kv), kv.version === 2 && version !== undefined ? { version } : undefined);
  }

  /** Writes a secret: v1 replaces it; v2 creates a new version (`cas` for check-and-set). */
  async put(
    path: string,
    data: Record<string, unknown>,
    options: { cas?: number } = {},
  ): Promise<Secret | null> {
    const kv = await this.resolve(path);
    if (kv.version === 1) return this.api.write(kvApiPath(kv), data);
    const body: Record<string, unknown> = { data };
    if (options.cas !== undefined) body.options = { cas: options.cas };
    return this.api.write(kvApiPath(kv), body);
  }

  /** JSON-merge-patches the latest version (v2 only). */
  async patch(
    path: string,
    data: Record<string, unknown>,
    options: { cas?: number } = {},
  ): Promise<Secret | null> {
    const kv = this.requireV2(await this.resolve(path), 'patch');
    const body: Record<string, unknown> = { data };
    if (options.cas !== undefined) body.options = { cas: options.cas };
    return this.api.patch(kvApiPath(kv), body);
  }

  /** Deletes: v1 removes the key; v2 soft-deletes the latest version, or the given versions. */
  async delete(path: string, versions?: number[]): Promise<void> {
    const kv = await this.resolve(path);
    if (kv.version === 2 && versions && versions.length > 0) {
      await this.api.write(kvApiPath(kv, 'delete'), { versions });
      return;
    }
    await this.api.delete(kvApiPath(kv));
  }

  async undelete(path: string, versions: number[]): Promise<void> {
    const kv = this.requireV2(await this.resolve(path), 'undelete');
    await this.api.write(kvApiPath(kv, 'undelete'), { versions });
  }

  async destroy(path: string, versions: number[]): Promise<void> {
    const kv = this.requireV2(await this.resolve(path), 'destroy');
    await this.api.write(kvApiPath(kv, 'destroy'), { versions });
  }

  async list(path: string): Promise<string[]> {
    const kv = await this.resolve(path);
    return (await this.api.list(kvApiPath(kv, 'metadata')))?.data?.keys ?? [];
  }

  async metadataGet(path: string): Promise<Secret | null> {
    const kv = this.requireV2(await this.resolve(path), 'metadata get');
    return this.api.read(kvApiPath(kv, 'metadata'));
  }

  async metadataPut(path: string, fields: Record<string, unknown>): Promise<void> {
    const kv = this.requireV2(await this.resolve(path), 'metadata put');
    await this.api.write(kvApiPath(kv, 'metadata'), fields);
  }

  async metadataDelete(path: string): Promise<void> {
    const kv = this.requireV2(await this.resolve(path), 'metadata delete');
    await this.api.delete(kvApiPath(kv, 'metadata'));
  }

  private requireV2(kv: KvPath, operation: string): KvPath {
    if (kv.version !== 2) {
      throw new ApiError(400, [`${operation} is only supported on KV version 2 mounts`], `kv ${operation}`);
    }
    return kv;
  }
}
