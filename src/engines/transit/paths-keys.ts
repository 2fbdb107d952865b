/**
 * Key management paths: `keys/<name>` (create, read, delete, LIST keys), `keys/<name>/config`,
 * `keys/<name>/rotate`, `keys/<name>/trim`, with Vault's response shape and messages.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { isKeyType, keyTypes } from './key-types.js';
import { loadPolicy, newPolicy, policyKey, rotateInMemory, savePolicy, type KeyPolicy } from './policy.js';
import type { TransitContext } from './context.js';

/** Vault's key name pattern (framework.GenericNameRegex). */
export const namePattern = '(?<name>\\w(?:[\\w.-]*\\w)?)';

const hourSeconds = 3600;

/** Vault's read response of a key. */
export function keyResponse(policy: KeyPolicy): Record<string, unknown> {
  const info = keyTypes[policy.type];
  const keys: Record<string, unknown> = {};
  for (const [version, entry] of Object.entries(policy.keys)) {
    if (info.signing) {
      const name = info.curve?.name ?? (policy.type === 'ed25519' ? 'ed25519' : policy.type);
      keys[version] = { creation_time: entry.time, name, public_key: entry.public_key ?? '' };
    } else {
      keys[version] = Math.floor(Date.parse(entry.time) / 1000);
    }
  }
  const data: Record<string, unknown> = {
    name: policy.name,
    type: policy.type,
    keys,
    latest_version: policy.latest_version,
    min_available_version: policy.min_available_version,
    min_decryption_version: policy.min_decryption_version,
    min_encryption_version: policy.min_encryption_version,
    deletion_allowed: policy.deletion_allowed,
    derived: policy.derived,
    exportable: policy.exportable,
    allow_plaintext_backup: policy.allow_plaintext_backup,
    supports_encryption: info.encryption,
    supports_decryption: info.encryption,
    supports_derivation: info.derivation,
    supports_signing: info.signing,
    imported_key: false,
    auto_rotate_period: policy.auto_rotate_period_seconds,
  };
  if (policy.type === 'hmac') data.key_size = policy.key_size;
  if (policy.derived) {
    data.kdf = policy.kdf === 1 ? 'hkdf_sha256' : 'hmac-sha256-counter';
    data.convergent_encryption = policy.convergent_encryption;
    if (policy.convergent_encryption) data.convergent_encryption_version = -1;
  }
  if (policy.backup_info) data.backup_info = policy.backup_info;
  if (policy.restore_info) data.restore_info = policy.restore_info;
  return data;
}

function autoRotateSeconds(request: BackendRequest): number {
  const seconds = request.fields.get<number>('auto_rotate_period') ?? 0;
  if (seconds !== 0 && seconds < hourSeconds) {
    throw new ArcaError('invalid_request', 'auto rotate period must be 0 to disable or at least an hour');
  }
  return seconds;
}

/** Builds a new policy from the create fields (also used by encrypt's upsert). */
export function policyFromRequest(
  request: BackendRequest,
  name: string,
  nowMs: number,
  defaults: { derived?: boolean } = {},
): KeyPolicy {
  const type = request.fields.get<string>('type') ?? 'aes256-gcm96';
  if (!isKeyType(type)) throw new ArcaError('invalid_request', `unknown key type "${type}"`);
  const info = keyTypes[type];
  const convergent = request.fields.get<boolean>('convergent_encryption') ?? false;
  const derived = (request.fields.get<boolean>('derived') ?? false) || defaults.derived === true;
  if (derived && !info.derivation)
    throw new ArcaError('invalid_request', `key derivation not supported for key type ${type}`);
  if (convergent && !derived)
    throw new ArcaError(
      'invalid_request',
      'convergent encryption requires derivation to be enabled, so context is required',
    );
  if (convergent && !info.encryption)
    throw new ArcaError('invalid_request', `convergent encryption not supported for keys of type ${type}`);
  const exportable = request.fields.get<boolean>('exportable') ?? false;
  const allowPlaintextBackup = request.fields.get<boolean>('allow_plaintext_backup') ?? false;
  let keySizeBytes: number | undefined;
  if (request.fields.has('key_size') && (request.fields.get<number>('key_size') ?? 0) !== 0) {
    if (type !== 'hmac')
      throw new ArcaError('invalid_request', 'key_size is not valid for algorithm ' + type);
    keySizeBytes = request.fields.get<number>('key_size');
    if (keySizeBytes === undefined || keySizeBytes < 32 || keySizeBytes > 512) {
      throw new ArcaError('invalid_request', 'invalid key_size: must be between 32 and 512 bytes');
    }
  }
  return newPolicy(
    {
      name,
      type,
      derived,
      convergent,
      exportable,
      allowPlaintextBackup,
      autoRotatePeriodSeconds: autoRotateSeconds(request),
      keySizeBytes,
    },
    nowMs,
  );
}

const createFields = {
  name: { type: 'string' },
  type: { type: 'string', default: 'aes256-gcm96' },
  derived: { type: 'bool' },
  convergent_encryption: { type: 'bool' },
  exportable: { type: 'bool' },
  allow_plaintext_backup: { type: 'bool' },
  auto_rotate_period: { type: 'duration' },
  key_size: { type: 'int' },
  context: { type: 'string' },
} as const;

const configFields = {
  name: { type: 'string' },
  min_decryption_version: { type: 'int' },
  min_encryption_version: { type: 'int' },
  deletion_allowed: { type: 'bool' },
  exportable: { type: 'bool' },
  allow_plaintext_backup: { type: 'bool' },
  auto_rotate_period: { type: 'duration' },
} as const;

function applyConfig(request: BackendRequest, policy: KeyPolicy): void {
  const f = request.fields;
  if (f.has('min_decryption_version')) {
    let v = f.get<number>('min_decryption_version') ?? 0;
    if (v < 0) throw new ArcaError('invalid_request', 'min decryption version must be positive');
    if (v === 0) v = 1;
    if (v > policy.latest_version) {
      throw new ArcaError(
        'invalid_request',
        `cannot set min decryption version of ${v}, latest key version is ${policy.latest_version}`,
      );
    }
    if (policy.min_available_version > 0 && v < policy.min_available_version) {
      throw new ArcaError(
        'invalid_request',
        `cannot set min decryption version of ${v}, min available version is ${policy.min_available_version}`,
      );
    }
    policy.min_decryption_version = v;
  }
  if (f.has('min_encryption_version')) {
    const v = f.get<number>('min_encryption_version') ?? 0;
    if (v < 0) throw new ArcaError('invalid_request', 'min encryption version must be positive');
    if (v > policy.latest_version) {
      throw new ArcaError(
        'invalid_request',
        `cannot set min encryption version of ${v}, latest key version is ${policy.latest_version}`,
      );
    }
    policy.min_encryption_version = v;
  }
  if (policy.min_encryption_version > 0 && policy.min_encryption_version < policy.min_decryption_version) {
    throw new ArcaError(
      'invalid_request',
      'min encryption version should not be less than min decryption version',
    );
  }
  if (f.has('deletion_allowed')) policy.deletion_allowed = f.get<boolean>('deletion_allowed') ?? false;
  if (f.has('exportable')) {
    const exportable = f.get<boolean>('exportable') ?? false;
    if (policy.exportable && !exportable)
      throw new ArcaError(
        'invalid_request',
        'cannot disable exportability on a key once it has been enabled',
      );
    policy.exportable = exportable;
  }
  if (f.has('allow_plaintext_backup')) {
    const allow = f.get<boolean>('allow_plaintext_backup') ?? false;
    if (policy.allow_plaintext_backup && !allow) {
      throw new ArcaError(
        'invalid_request',
        'cannot disable plaintext backup on a key once it has been enabled',
      );
    }
    policy.allow_plaintext_backup = allow;
  }
  if (f.has('auto_rotate_period')) policy.auto_rotate_period_seconds = autoRotateSeconds(request);
}

/** The key management PathSpecs. */
export function keyPaths(ctx: TransitContext): PathSpec[] {
  const withKey = <T>(request: BackendRequest, task: (policy: KeyPolicy) => Promise<T>): Promise<T> =>
    ctx.locks.run(request.params.name ?? '', async () => {
      const policy = await loadPolicy(request.storage, request.params.name ?? '');
      if (policy === undefined) throw new ArcaError('invalid_request', 'encryption key not found');
      return task(policy);
    });

  const create = (request: BackendRequest): Promise<LogicalResponse> =>
    ctx.locks.run(request.params.name ?? '', async () => {
      const name = request.params.name ?? '';
      const existing = await loadPolicy(request.storage, name);
      if (existing !== undefined)
        return { data: keyResponse(existing), warnings: [`key ${name} already existed`] };
      const policy = policyFromRequest(request, name, ctx.clock.wallMs());
      await savePolicy(request.storage, policy);
      return { data: keyResponse(policy) };
    });

  return [
    {
      pattern: 'keys/?',
      operations: {
        list: async (request) => {
          const keys = (await request.storage.list('policy/')).filter((k) => !k.endsWith('/'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
      help: 'Managed named encryption keys.',
    },
    {
      pattern: `keys/${namePattern}/config`,
      fields: configFields,
      operations: {
        update: (request) =>
          withKey(request, async (policy) => {
            applyConfig(request, policy);
            await savePolicy(request.storage, policy);
            return { data: keyResponse(policy) };
          }),
      },
      help: 'Configure a named encryption key.',
    },
    {
      pattern: `keys/${namePattern}/rotate`,
      fields: {
        name: { type: 'string' },
        managed_key_name: { type: 'string' },
        managed_key_id: { type: 'string' },
      },
      operations: {
        update: (request) =>
          withKey(request, async (policy) => {
            rotateInMemory(policy, ctx.clock.wallMs());
            await savePolicy(request.storage, policy);
            return { data: keyResponse(policy) };
          }),
      },
      help: 'Rotate a named encryption key.',
    },
    {
      pattern: `keys/${namePattern}/trim`,
      fields: { name: { type: 'string' }, min_available_version: { type: 'int', required: true } },
      operations: {
        update: (request) =>
          withKey(request, async (policy) => {
            const v = request.fields.get<number>('min_available_version') ?? 0;
            if (v <= 0) throw new ArcaError('invalid_request', 'invalid min_available_version provided');
            if (policy.min_encryption_version > 0 && v > policy.min_encryption_version) {
              throw new ArcaError(
                'invalid_request',
                'cannot set min_available_version greater than min_encryption_version',
              );
            }
            if (v > policy.min_decryption_version) {
              throw new ArcaError(
                'invalid_request',
                'cannot set min_available_version greater than min_decryption_version',
              );
            }
            if (v < policy.min_available_version) {
              throw new ArcaError(
                'invalid_request',
                'cannot set min_available_version to a lower value than the current one',
              );
            }
            for (const version of Object.keys(policy.keys))
              if (Number(version) < v) delete policy.keys[version];
            policy.min_available_version = v;
            await savePolicy(request.storage, policy);
            return { data: keyResponse(policy) };
          }),
      },
      help: 'Trim key versions of a named key.',
    },
    {
      pattern: `keys/${namePattern}`,
      fields: createFields,
      existenceCheck: async (request) =>
        (await loadPolicy(request.storage, request.params.name ?? '')) !== undefined,
      operations: {
        create,
        update: create,
        read: async (request) => {
          const policy = await loadPolicy(request.storage, request.params.name ?? '');
          if (policy === undefined) throw new ArcaError('not_found');
          return { data: keyResponse(policy) };
        },
        delete: (request) =>
          ctx.locks.run(request.params.name ?? '', async () => {
            const policy = await loadPolicy(request.storage, request.params.name ?? '');
            if (policy === undefined)
              throw new ArcaError('invalid_request', 'could not delete key; not found');
            if (!policy.deletion_allowed)
              throw new ArcaError('invalid_request', 'deletion is not allowed for this key');
            await request.storage.delete(policyKey(policy.name));
            return noContent;
          }),
      },
      help: 'Managed named encryption keys.',
    },
  ];
}
