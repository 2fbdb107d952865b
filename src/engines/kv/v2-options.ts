/**
 * Request checks shared by KV v2 writes: check-and-set (`options.cas`), the merge-patch content
 * type, and the `versions` list of delete/undelete/destroy (Vault's TypeCommaIntSlice).
 */
import { ArcaError } from '../../lib/errors.js';
import { coerceField } from '../../logical/fields.js';
import type { BackendRequest } from '../../logical/backend.js';
import { badRequest } from './responses.js';
import type { KeyMetadata, KvConfig } from './v2-store.js';

/**
 * Vault's validateCheckAndSetOption: with `options.cas` it must equal the current version (0 =
 * the key must not exist yet); without it the write is refused when the mount or key requires CAS.
 */
export function checkAndSet(request: BackendRequest, config: KvConfig, metadata: KeyMetadata): void {
  const options = request.fields.get<Record<string, unknown>>('options');
  if (options !== undefined && Object.hasOwn(options, 'cas')) {
    let cas: number;
    try {
      cas = coerceField('cas', 'int', options.cas) as number;
    } catch {
      throw badRequest('error parsing check-and-set parameter');
    }
    if (cas !== metadata.currentVersion) throw new ArcaError('cas_mismatch');
  } else if (config.casRequired || metadata.casRequired) {
    throw badRequest('check-and-set parameter required for this call');
  }
}

/** 415 unless the body was sent as `application/merge-patch+json` (parameters allowed). */
export function requireMergePatch(request: BackendRequest): void {
  const mediaType = (request.contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/merge-patch+json') throw new ArcaError('unsupported_media_type');
}

/** The `data` object of a write or patch; 400 `no data provided` when absent. */
export function requireData(request: BackendRequest): Record<string, unknown> {
  const data = request.fields.get<Record<string, unknown>>('data');
  if (!request.fields.has('data') || request.data.data === null || data === undefined) {
    throw badRequest('no data provided');
  }
  return data;
}

/** Version numbers from `[1,2]`, `["1","2"]`, `"1,2"` or `3`; 400 naming the field otherwise. */
export function parseVersions(raw: unknown): number[] {
  if (raw === undefined || raw === null) return [];
  const items =
    typeof raw === 'string'
      ? raw.split(',').filter((part) => part.trim() !== '')
      : typeof raw === 'number'
        ? [raw]
        : raw;
  if (!Array.isArray(items)) {
    throw new ArcaError(
      'invalid_field',
      'error converting input for field "versions": expected a list of integers',
    );
  }
  return items.map((item) => {
    const version = coerceField('versions', 'int', typeof item === 'string' ? item.trim() : item) as number;
    return version;
  });
}
