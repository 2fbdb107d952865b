/**
 * `encrypt/<name>` (with upsert: a missing key is created when the caller has `create`),
 * `decrypt/<name>`, `rewrap/<name>`, `datakey/<plaintext|wrapped>/<name>`; each takes either single
 * fields or `batch_input` with per-item results.
 */
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { batchItems, itemInt, itemString, runBatch } from './batch.js';
import { optionalBase64, requireBase64, zeroize } from './codec.js';
import type { TransitContext } from './context.js';
import {
  loadPolicy,
  requirePolicy,
  rotateInMemory,
  rotationDue,
  savePolicy,
  type KeyPolicy,
} from './policy.js';
import { namePattern, policyFromRequest } from './paths-keys.js';
import { decryptValue, encryptValue, encryptionVersion, type CipherOptions } from './symmetric.js';

const cryptoFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  plaintext: { type: 'string' },
  ciphertext: { type: 'string' },
  context: { type: 'string' },
  nonce: { type: 'string' },
  key_version: { type: 'int' },
  associated_data: { type: 'string' },
  batch_input: { type: 'raw' },
  partial_failure_response_code: { type: 'int' },
  type: { type: 'string', default: 'aes256-gcm96' },
  convergent_encryption: { type: 'bool' },
  bits: { type: 'int', default: 256 },
  plaintext_type: { type: 'string' },
  reference: { type: 'string' },
  padding_scheme: { type: 'string' },
};

/**
 * The policy for an operation that may write it: created on upsert (`create` operation, encrypt
 * only) and rotated first when `auto_rotate_period` has elapsed (rotation runs on use: Arca has no
 * background rotation job). Reads without the lock on the common path.
 */
export async function policyForUse(
  ctx: TransitContext,
  request: BackendRequest,
  upsert = false,
): Promise<KeyPolicy> {
  const name = request.params.name ?? '';
  const now = ctx.clock.wallMs();
  const quick = await loadPolicy(request.storage, name);
  if (quick !== undefined && !rotationDue(quick, now)) return quick;
  return ctx.locks.run(name, async () => {
    let policy = await loadPolicy(request.storage, name);
    if (policy === undefined) {
      if (!upsert || request.operation !== 'create')
        throw new ArcaError('invalid_request', 'encryption key not found');
      const context = request.fields.get<string>('context') ?? '';
      const batch = request.data.batch_input;
      const derived =
        context !== '' ||
        (Array.isArray(batch) && batch.some((i) => typeof i?.context === 'string' && i.context !== ''));
      policy = policyFromRequest(request, name, now, { derived });
      await savePolicy(request.storage, policy);
      return policy;
    }
    if (rotationDue(policy, now)) {
      rotateInMemory(policy, now);
      await savePolicy(request.storage, policy);
    }
    return policy;
  });
}

function cipherOptions(source: {
  context?: string;
  nonce?: string;
  associated_data?: string;
}): CipherOptions {
  return {
    context: optionalBase64(source.context, 'failed to base64-decode context'),
    nonce: optionalBase64(source.nonce, 'failed to base64-decode nonce'),
    associatedData: optionalBase64(source.associated_data, 'failed to base64-decode associated_data'),
  };
}

function itemFields(item: Record<string, unknown>) {
  return {
    context: itemString(item, 'context'),
    nonce: itemString(item, 'nonce'),
    associated_data: itemString(item, 'associated_data'),
  };
}

function singleFields(request: BackendRequest) {
  return {
    context: request.fields.get<string>('context'),
    nonce: request.fields.get<string>('nonce'),
    associated_data: request.fields.get<string>('associated_data'),
  };
}

function encryptOne(
  policy: KeyPolicy,
  plaintextB64: string | undefined,
  keyVersion: number,
  options: CipherOptions,
) {
  if (plaintextB64 === undefined) throw new ArcaError('invalid_request', 'missing plaintext to encrypt');
  const plaintext = requireBase64(plaintextB64, 'failed to base64-decode plaintext');
  try {
    const version = encryptionVersion(policy, keyVersion);
    return { ciphertext: encryptValue(policy, version, plaintext, options), key_version: version };
  } finally {
    zeroize(plaintext);
  }
}

function decryptOne(policy: KeyPolicy, ciphertext: string | undefined, options: CipherOptions) {
  if (ciphertext === undefined || ciphertext === '')
    throw new ArcaError('invalid_request', 'missing ciphertext to decrypt');
  const { plaintext } = decryptValue(policy, ciphertext, options);
  const text = plaintext.toString('base64');
  zeroize(plaintext);
  return { plaintext: text };
}

function rewrapOne(
  policy: KeyPolicy,
  ciphertext: string | undefined,
  keyVersion: number,
  options: CipherOptions,
) {
  if (ciphertext === undefined || ciphertext === '')
    throw new ArcaError('invalid_request', 'missing ciphertext to decrypt');
  const version = encryptionVersion(policy, keyVersion);
  const { plaintext } = decryptValue(policy, ciphertext, options);
  try {
    return { ciphertext: encryptValue(policy, version, plaintext, options), key_version: version };
  } finally {
    zeroize(plaintext);
  }
}

/** The encryption PathSpecs. */
export function cryptoPaths(ctx: TransitContext): PathSpec[] {
  const encrypt = async (request: BackendRequest): Promise<LogicalResponse> => {
    const items = batchItems(request);
    const policy = await policyForUse(ctx, request, true);
    if (items !== undefined) {
      return runBatch(request, items, (item) =>
        encryptOne(
          policy,
          itemString(item, 'plaintext'),
          itemInt(item, 'key_version'),
          cipherOptions(itemFields(item)),
        ),
      );
    }
    const result = encryptOne(
      policy,
      request.fields.get<string>('plaintext'),
      request.fields.get<number>('key_version') ?? 0,
      cipherOptions(singleFields(request)),
    );
    return { data: result };
  };
  const decrypt = async (request: BackendRequest): Promise<LogicalResponse> => {
    const items = batchItems(request);
    const policy = await requirePolicy(request.storage, request.params.name ?? '');
    if (items !== undefined) {
      return runBatch(request, items, (item) =>
        decryptOne(policy, itemString(item, 'ciphertext'), cipherOptions(itemFields(item))),
      );
    }
    return {
      data: decryptOne(
        policy,
        request.fields.get<string>('ciphertext'),
        cipherOptions(singleFields(request)),
      ),
    };
  };
  const rewrap = async (request: BackendRequest): Promise<LogicalResponse> => {
    const items = batchItems(request);
    const policy = await policyForUse(ctx, request);
    if (items !== undefined) {
      return runBatch(request, items, (item) =>
        rewrapOne(
          policy,
          itemString(item, 'ciphertext'),
          itemInt(item, 'key_version'),
          cipherOptions(itemFields(item)),
        ),
      );
    }
    const result = rewrapOne(
      policy,
      request.fields.get<string>('ciphertext'),
      request.fields.get<number>('key_version') ?? 0,
      cipherOptions(singleFields(request)),
    );
    return { data: result };
  };
  const datakey = async (request: BackendRequest): Promise<LogicalResponse> => {
    const kind = request.params.plaintext ?? '';
    if (kind !== 'plaintext' && kind !== 'wrapped') {
      throw new ArcaError('invalid_request', `Invalid path, must be 'plaintext' or 'wrapped'`);
    }
    const bits = request.fields.get<number>('bits') ?? 256;
    if (bits !== 128 && bits !== 256 && bits !== 512)
      throw new ArcaError('invalid_request', `invalid bit length`);
    const policy = await policyForUse(ctx, request);
    const version = encryptionVersion(policy, request.fields.get<number>('key_version') ?? 0);
    const key = secureRandomBytes(bits / 8);
    try {
      const ciphertext = encryptValue(policy, version, key, cipherOptions(singleFields(request)));
      const data: Record<string, unknown> = { ciphertext, key_version: version };
      if (kind === 'plaintext') data.plaintext = key.toString('base64');
      return { data };
    } finally {
      zeroize(key);
    }
  };
  const existenceCheck = async (request: BackendRequest) =>
    (await loadPolicy(request.storage, request.params.name ?? '')) !== undefined;
  return [
    {
      pattern: `encrypt/${namePattern}`,
      fields: cryptoFields,
      existenceCheck,
      operations: { create: encrypt, update: encrypt },
      help: 'Encrypt a plaintext value or a batch of plaintext blocks using a named key.',
    },
    {
      pattern: `decrypt/${namePattern}`,
      fields: cryptoFields,
      operations: { update: decrypt },
      help: 'Decrypt a ciphertext value using a named key.',
    },
    {
      pattern: `rewrap/${namePattern}`,
      fields: cryptoFields,
      operations: { update: rewrap },
      help: 'Rewrap ciphertext with the latest (or given) key version.',
    },
    {
      pattern: `datakey/(?<plaintext>[^/]+)/${namePattern}`,
      fields: cryptoFields,
      operations: { update: datakey },
      help: 'Generate a data key.',
    },
  ];
}
