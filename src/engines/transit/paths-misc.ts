/**
 * `random[/<source>][/<bytes>]`, `hash[/<algorithm>]`, `export/<type>/<name>[/<version>]`,
 * `backup/<name>` and `restore[/<name>]`. A backup is base64 of `{policy}` JSON (Arca's own layout:
 * it restores into Arca, not into Vault, and Vault backups do not restore here).
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { requireBase64, zeroize } from './codec.js';
import type { TransitContext } from './context.js';
import { keyTypes } from './key-types.js';
import {
  isKeyPolicy,
  loadPolicy,
  privateKeyOf,
  requirePolicy,
  savePolicy,
  type KeyPolicy,
} from './policy.js';
import { namePattern } from './paths-keys.js';
import { digestName } from './signing.js';

/** Most random bytes one request may ask for (Vault's limit). */
export const randomBytesMax = 128 * 1024;

function encodeOutput(bytes: Buffer, format: string): string {
  if (format === 'hex') return bytes.toString('hex');
  if (format === 'base64') return bytes.toString('base64');
  throw new ArcaError('invalid_request', `unsupported encoding format ${format}; must be "hex" or "base64"`);
}

function random(request: BackendRequest): LogicalResponse {
  const source = request.params.source ?? request.fields.get<string>('source') ?? 'platform';
  if (!['platform', 'all', 'seal'].includes(source))
    throw new ArcaError('invalid_request', `unsupported entropy source ${source}`);
  const text = request.params.urlbytes ?? '';
  const bytes = text !== '' ? Number(text) : (request.fields.get<number>('bytes') ?? 32);
  if (!Number.isSafeInteger(bytes))
    throw new ArcaError('invalid_request', 'error parsing url-set byte count');
  if (bytes < 1) throw new ArcaError('invalid_request', 'bytes must be positive');
  if (bytes > randomBytesMax)
    throw new ArcaError('invalid_request', `bytes cannot be greater than ${randomBytesMax}`);
  const format = request.fields.get<string>('format') || 'base64';
  return { data: { random_bytes: encodeOutput(secureRandomBytes(bytes), format) } };
}

function hash(request: BackendRequest): LogicalResponse {
  const input = request.fields.get<string>('input');
  if (input === undefined) throw new ArcaError('invalid_request', 'missing input to process');
  const bytes = requireBase64(input, 'unable to decode input as base64');
  const algorithm = request.params.urlalgorithm ?? (request.fields.get<string>('algorithm') || 'sha2-256');
  const format = request.fields.get<string>('format') || 'hex';
  return { data: { sum: encodeOutput(createHash(digestName(algorithm)).update(bytes).digest(), format) } };
}

function exportOne(policy: KeyPolicy, exportType: string, version: string): string {
  const entry = policy.keys[version];
  if (entry === undefined)
    throw new ArcaError('invalid_request', 'version does not exist or cannot be found');
  const info = keyTypes[policy.type];
  switch (exportType) {
    case 'encryption-key':
      if (!info.encryption || policy.type.startsWith('rsa-')) {
        if (policy.type.startsWith('rsa-')) return pemPrivate(policy, version);
        throw new ArcaError('invalid_request', 'encryption not supported for the key');
      }
      return entry.key ?? '';
    case 'signing-key':
      if (!info.signing) throw new ArcaError('invalid_request', 'signing not supported for the key');
      if (policy.type === 'ed25519') return entry.key ?? '';
      return pemPrivate(policy, version);
    case 'hmac-key':
      return (policy.type === 'hmac' ? entry.key : entry.hmac_key) ?? '';
    case 'public-key':
      if (!info.signing && !policy.type.startsWith('rsa-'))
        throw new ArcaError('invalid_request', 'public key not available for the key type');
      return entry.public_key ?? '';
    default:
      throw new ArcaError('invalid_request', `invalid export type: ${exportType}`);
  }
}

function pemPrivate(policy: KeyPolicy, version: string): string {
  const key = privateKeyOf(policy, policy.keys[version] ?? { time: '' });
  return key.export({ format: 'pem', type: policy.type.startsWith('rsa-') ? 'pkcs1' : 'sec1' }) as string;
}

async function exportKey(request: BackendRequest): Promise<LogicalResponse> {
  const exportType = request.params.type ?? '';
  const policy = await loadPolicy(request.storage, request.params.name ?? '');
  if (policy === undefined) throw new ArcaError('not_found');
  if (!['encryption-key', 'signing-key', 'hmac-key', 'public-key'].includes(exportType)) {
    throw new ArcaError('invalid_request', `invalid export type: ${exportType}`);
  }
  if (exportType !== 'public-key' && !policy.exportable)
    throw new ArcaError('invalid_request', 'private key material is not exportable');
  const keys: Record<string, string> = {};
  const requested = request.params.version;
  if (requested !== undefined && requested !== '') {
    const version = requested === 'latest' ? String(policy.latest_version) : requested;
    if (!/^\d+$/.test(version)) throw new ArcaError('invalid_request', 'invalid key version');
    keys[version] = exportOne(policy, exportType, version);
  } else {
    for (const version of Object.keys(policy.keys)) keys[version] = exportOne(policy, exportType, version);
  }
  return { data: { name: policy.name, type: policy.type, keys } };
}

/** Whether every version of a restored policy carries material of the right shape for its type. */
function restoredKeysUsable(policy: KeyPolicy): boolean {
  const info = keyTypes[policy.type];
  const entries = Object.values(policy.keys);
  if (entries.length === 0 || typeof policy.keys !== 'object') return false;
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') return false;
    const key = typeof entry.key === 'string' ? Buffer.from(entry.key, 'base64') : undefined;
    try {
      if (info.aeadKeyBytes !== undefined && key?.length !== info.aeadKeyBytes) return false;
      if (policy.type === 'ed25519' && key?.length !== 64) return false;
      if (policy.type === 'hmac' && (key === undefined || key.length < 32)) return false;
      if (policy.type !== 'hmac' && typeof entry.hmac_key !== 'string') return false;
      if (info.curve !== undefined || info.rsaBits !== undefined) {
        const loaded = createPrivateKey({
          key: Buffer.from(entry.private_der ?? '', 'base64'),
          format: 'der',
          type: 'pkcs8',
        });
        if (loaded.asymmetricKeyType !== (info.curve !== undefined ? 'ec' : 'rsa')) return false;
      }
    } catch {
      return false;
    } finally {
      key?.fill(0);
    }
  }
  return true;
}

/** The random, hash, export, backup and restore PathSpecs. */
export function miscPaths(ctx: TransitContext): PathSpec[] {
  const backup = (request: BackendRequest): Promise<LogicalResponse> =>
    ctx.locks.run(request.params.name ?? '', async () => {
      const policy = await requirePolicy(request.storage, request.params.name ?? '');
      if (!policy.exportable) throw new ArcaError('invalid_request', 'exporting is disallowed on the policy');
      if (!policy.allow_plaintext_backup)
        throw new ArcaError('invalid_request', 'plaintext backup is disallowed on the policy');
      policy.backup_info = {
        time: new Date(ctx.clock.wallMs()).toISOString(),
        version: policy.latest_version,
      };
      await savePolicy(request.storage, policy);
      const json = Buffer.from(JSON.stringify({ policy }));
      const out = json.toString('base64');
      zeroize(json);
      return { data: { backup: out } };
    });
  const restore = async (request: BackendRequest): Promise<LogicalResponse> => {
    const text = request.fields.get<string>('backup') ?? '';
    if (text === '') throw new ArcaError('invalid_request', "'backup' must be supplied");
    const bytes = requireBase64(text, 'failed to base64-decode backup');
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new ArcaError('invalid_request', 'failed to parse backup');
    } finally {
      zeroize(bytes);
    }
    const policy =
      typeof parsed === 'object' && parsed !== null ? (parsed as { policy?: unknown }).policy : undefined;
    if (!isKeyPolicy(policy)) {
      throw new ArcaError('invalid_request', 'failed to parse backup: not a transit key backup');
    }
    const name = request.params.name ?? policy.name;
    if (!new RegExp(`^${namePattern}$`).test(name))
      throw new ArcaError('invalid_request', 'invalid key name');
    const force = request.fields.get<boolean>('force') ?? false;
    return ctx.locks.run(name, async () => {
      if (!force && (await loadPolicy(request.storage, name)) !== undefined) {
        throw new ArcaError('invalid_request', `key "${name}" already exists`);
      }
      policy.name = name;
      policy.restore_info = {
        time: new Date(ctx.clock.wallMs()).toISOString(),
        version: policy.latest_version,
      };
      // A restored key must be usable: every version's material must load with the right size.
      if (!restoredKeysUsable(policy)) {
        throw new ArcaError('invalid_request', 'failed to parse backup: a key version does not load');
      }
      await savePolicy(request.storage, policy);
      return noContent;
    });
  };
  return [
    {
      pattern: 'random(?:/(?<source>platform|seal|all))?(?:/(?<urlbytes>[^/]+))?',
      fields: {
        bytes: { type: 'int', default: 32 },
        format: { type: 'string', default: 'base64' },
        source: { type: 'string' },
        urlbytes: { type: 'string' },
      },
      operations: { update: async (r) => random(r) },
      help: 'Generate random bytes.',
    },
    {
      pattern: 'hash(?:/(?<urlalgorithm>[\\w-]+))?',
      fields: {
        input: { type: 'string' },
        algorithm: { type: 'string' },
        format: { type: 'string', default: 'hex' },
        urlalgorithm: { type: 'string' },
      },
      operations: { update: async (r) => hash(r) },
      help: 'Generate a hash sum for input data.',
    },
    {
      pattern: `export/(?<type>[^/]+)/${namePattern}(?:/(?<version>[^/]+))?`,
      fields: { type: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' } },
      operations: { read: exportKey },
      help: 'Export named encryption or signing key.',
    },
    {
      pattern: `backup/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: { read: backup },
      help: 'Backup the named key.',
    },
    {
      pattern: `restore(?:/${namePattern})?`,
      fields: { backup: { type: 'string' }, force: { type: 'bool' }, name: { type: 'string' } },
      operations: { update: restore },
      help: 'Restore the named key.',
    },
  ];
}
