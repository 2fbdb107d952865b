/**
 * `hmac/<name>[/<algorithm>]`, `sign/<name>[/<hash>]` and `verify/<name>[/<hash>]`, single or
 * `batch_input`, with Vault's defaults (sha2-256, PSS, ASN.1) and output `vault:v<N>:<base64>`.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { batchItems, itemInt, itemString, runBatch } from './batch.js';
import { optionalBase64, requireBase64 } from './codec.js';
import type { TransitContext } from './context.js';
import { requirePolicy, type KeyPolicy } from './policy.js';
import { namePattern } from './paths-keys.js';
import { policyForUse } from './paths-crypto.js';
import { hmacValue, signValue, verifyHmac, verifyValue, type SignOptions } from './signing.js';

const signFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  urlalgorithm: { type: 'string' },
  input: { type: 'string' },
  algorithm: { type: 'string' },
  hash_algorithm: { type: 'string' },
  key_version: { type: 'int' },
  context: { type: 'string' },
  prehashed: { type: 'bool' },
  signature_algorithm: { type: 'string' },
  marshaling_algorithm: { type: 'string', default: 'asn1' },
  salt_length: { type: 'string', default: 'auto' },
  signature: { type: 'string' },
  hmac: { type: 'string' },
  batch_input: { type: 'raw' },
  partial_failure_response_code: { type: 'int' },
  reference: { type: 'string' },
};

/** The hash algorithm: the URL segment wins, then `hash_algorithm`/`algorithm`, then sha2-256. */
function algorithmOf(request: BackendRequest): string {
  return (
    request.params.urlalgorithm ??
    (request.fields.get<string>('hash_algorithm') || request.fields.get<string>('algorithm') || 'sha2-256')
  );
}

function signOptions(request: BackendRequest, policy: KeyPolicy, context: string | undefined): SignOptions {
  return {
    hashAlgorithm: algorithmOf(request),
    prehashed: request.fields.get<boolean>('prehashed') ?? false,
    signatureAlgorithm: request.fields.get<string>('signature_algorithm') || 'pss',
    marshaling: request.fields.get<string>('marshaling_algorithm') || 'asn1',
    saltLength: request.fields.get<string>('salt_length') || 'auto',
    context: policy.derived ? optionalBase64(context, 'failed to base64-decode context') : undefined,
  };
}

function inputOf(value: string | undefined): Buffer {
  if (value === undefined) throw new ArcaError('invalid_request', 'missing input to process');
  return requireBase64(value, 'unable to decode input as base64');
}

function versionFor(policy: KeyPolicy, requested: number, what: string): number {
  if (requested === 0) return policy.latest_version;
  if (requested < 0) throw new ArcaError('invalid_request', `requested version for ${what} is negative`);
  if (requested > policy.latest_version) {
    throw new ArcaError(
      'invalid_request',
      `requested version for ${what} is higher than the latest key version`,
    );
  }
  if (policy.min_encryption_version > 0 && requested < policy.min_encryption_version) {
    throw new ArcaError(
      'invalid_request',
      `requested version for ${what} is less than the minimum encryption key version`,
    );
  }
  return requested;
}

/** Runs `one` over the batch or the single fields. */
async function singleOrBatch(
  request: BackendRequest,
  one: (fields: {
    input?: string;
    context?: string;
    keyVersion: number;
    signature?: string;
    hmac?: string;
  }) => Record<string, unknown>,
): Promise<LogicalResponse> {
  const items = batchItems(request);
  if (items !== undefined) {
    return runBatch(request, items, (item) =>
      one({
        input: itemString(item, 'input'),
        context: itemString(item, 'context'),
        keyVersion: itemInt(item, 'key_version'),
        signature: itemString(item, 'signature'),
        hmac: itemString(item, 'hmac'),
      }),
    );
  }
  return {
    data: one({
      input: request.fields.get<string>('input'),
      context: request.fields.get<string>('context'),
      keyVersion: request.fields.get<number>('key_version') ?? 0,
      signature: request.fields.get<string>('signature'),
      hmac: request.fields.get<string>('hmac'),
    }),
  };
}

/** The HMAC and signature PathSpecs. */
export function signPaths(ctx: TransitContext): PathSpec[] {
  const hmac = async (request: BackendRequest): Promise<LogicalResponse> => {
    const policy = await policyForUse(ctx, request);
    const algorithm = algorithmOf(request);
    return singleOrBatch(request, (f) => ({
      hmac: hmacValue(policy, versionFor(policy, f.keyVersion, 'hmac'), algorithm, inputOf(f.input)),
    }));
  };
  const signHandler = async (request: BackendRequest): Promise<LogicalResponse> => {
    const policy = await policyForUse(ctx, request);
    return singleOrBatch(request, (f) => {
      const result = signValue(
        policy,
        versionFor(policy, f.keyVersion, 'signing'),
        inputOf(f.input),
        signOptions(request, policy, f.context),
      );
      const out: Record<string, unknown> = {
        signature: result.signature,
        key_version: Number(result.signature.split(':')[1]?.slice(1)),
      };
      if (result.publicKey !== undefined) out.public_key = result.publicKey.toString('base64');
      return out;
    });
  };
  const verifyHandler = async (request: BackendRequest): Promise<LogicalResponse> => {
    const policy = await requirePolicy(request.storage, request.params.name ?? '');
    return singleOrBatch(request, (f) => {
      const input = inputOf(f.input);
      const hasSig = f.signature !== undefined && f.signature !== '';
      const hasHmac = f.hmac !== undefined && f.hmac !== '';
      if (hasSig && hasHmac)
        throw new ArcaError('invalid_request', 'provide one of "signature" or "hmac", not both');
      if (hasHmac) return { valid: verifyHmac(policy, algorithmOf(request), input, f.hmac ?? '') };
      if (!hasSig) throw new ArcaError('invalid_request', 'signature or hmac must be provided');
      return {
        valid: verifyValue(policy, input, f.signature ?? '', signOptions(request, policy, f.context)),
      };
    });
  };
  const algo = '(?:/(?<urlalgorithm>[\\w-]+))?';
  return [
    {
      pattern: `hmac/${namePattern}${algo}`,
      fields: signFields,
      operations: { update: hmac },
      help: 'Generate an HMAC for input data using the named key.',
    },
    {
      pattern: `sign/${namePattern}${algo}`,
      fields: signFields,
      operations: { update: signHandler },
      help: 'Generate a signature for input data using the named key.',
    },
    {
      pattern: `verify/${namePattern}${algo}`,
      fields: signFields,
      operations: { update: verifyHandler },
      help: 'Verify a signature or HMAC for input data.',
    },
  ];
}
