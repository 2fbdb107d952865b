/**
 * Response wrapping (Vault's wrapping.go): a response is replaced by `wrap_info` and the original
 * waits in the cubbyhole of a fresh single-use token — orphan, policy `response-wrapping`,
 * TTL = explicit max = the wrap TTL, not renewable. The cubbyhole holds, as Vault lays it out,
 * `response` = {"response": "<the rendered JSON envelope>"} and `wrapinfo` = {creation_ttl,
 * creation_time, creation_path} (what `sys/wrapping/lookup` shows). Unwrapping spends the token's
 * one use atomically (two concurrent unwraps: exactly one wins) and then revokes it, which drops
 * the cubbyhole. `validateWrappingToken` is the check core runs BEFORE authenticating
 * `sys/wrapping/{lookup,rewrap,unwrap}`, so a used or expired token answers Vault's 400
 * `wrapping token is not valid or does not exist` rather than a generic 403.
 */
import { ArcaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { anyObject, decodeStoredJson, parseJson } from '../lib/shape.js';
import { responseEnvelope } from '../logical/response-envelope.js';
import type { LogicalRequest } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';
import type { StorageView } from '../logical/storage-view.js';
import { responseWrappingPolicyName } from './policy-store.js';
import type { TokenEntry, TokenStore } from './tokens/token-store.js';

/** The paths whose wrapping token core validates before authentication (Vault's list). */
export const wrappingTokenPaths: ReadonlySet<string> = new Set([
  'sys/wrapping/lookup',
  'sys/wrapping/rewrap',
  'sys/wrapping/unwrap',
]);

/** What wrapping needs from the unsealed runtime. */
export interface WrappingDeps {
  tokens: TokenStore;
  clock: Clock;
  /** The cubbyhole mount's storage (keys are `<tokenIdHash>/<path>`); undefined if unmounted. */
  cubbyhole(): StorageView | undefined;
}

/** What `sys/wrapping/lookup` shows of a wrapping token. */
export interface WrapLookup {
  creationTtlSeconds: number;
  creationTime: string;
  creationPath: string;
}

/** The stored pieces of a wrapped response a rewrap moves to a new token. */
export interface WrappedContents extends WrapLookup {
  /** The rendered JSON envelope exactly as stored ('' for none). */
  response: string;
}

const encoder = new TextEncoder();

function isWrappingEntry(entry: TokenEntry | undefined): entry is TokenEntry {
  return (
    entry !== undefined && entry.policies.length === 1 && entry.policies[0] === responseWrappingPolicyName
  );
}

function invalid(): never {
  throw new ArcaError('invalid_wrapping_token');
}

/** The wrapping token a request names: `token` in the body (third party) or the client token. */
export function wrappingTokenOf(request: Pick<LogicalRequest, 'data' | 'clientToken'>): {
  token: string;
  thirdParty: boolean;
} {
  const raw = request.data.token;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'string') {
      throw new ArcaError(
        'permission_denied',
        'error validating wrapping token: could not decode token in request body',
      );
    }
    if (raw === '') {
      throw new ArcaError(
        'permission_denied',
        'error validating wrapping token: empty token in request body',
      );
    }
    return { token: raw, thirdParty: true };
  }
  if (request.clientToken === '') {
    throw new ArcaError('permission_denied', 'error validating wrapping token: token is empty');
  }
  return { token: request.clientToken, thirdParty: false };
}

/**
 * Vault's `ValidateWrappingToken`: the named token must exist, be valid and carry exactly the
 * `response-wrapping` policy. Spends no use. 403 for a malformed token field, 400
 * `wrapping token is not valid or does not exist` otherwise.
 */
export async function validateWrappingToken(
  tokens: TokenStore,
  request: Pick<LogicalRequest, 'data' | 'clientToken'>,
): Promise<void> {
  const { token } = wrappingTokenOf(request);
  if (!isWrappingEntry(await tokens.lookup(token))) invalid();
}

export class ResponseWrapping {
  constructor(private readonly deps: WrappingDeps) {}

  /**
   * Wraps `response` (served at `path` for request `requestId`) in a new wrapping token with
   * `ttlSeconds`. Returns the response the client gets: `wrap_info` and nothing else.
   */
  async wrap(
    requestId: string,
    path: string,
    response: LogicalResponse,
    ttlSeconds: number,
  ): Promise<LogicalResponse> {
    const demand = response.wrapDemand;
    const creationPath = demand?.creationPath ?? path;
    const stored = demand?.storedResponse ?? renderForStorage(requestId, response);
    const created = await this.deps.tokens.createToken({
      policies: [responseWrappingPolicyName],
      path,
      displayName: '',
      numUses: 1,
      renewable: false,
      ttlSeconds,
      explicitMaxTtlSeconds: ttlSeconds,
    });
    const creationTimeMs = this.deps.clock.wallMs();
    try {
      const cubby = this.cubbyhole();
      const prefix = `${created.entry.idHash}/`;
      await cubby.batch([
        { type: 'put', key: `${prefix}response`, value: json({ response: stored }) },
        {
          type: 'put',
          key: `${prefix}wrapinfo`,
          value: json({
            creation_ttl: created.entry.ttlSeconds,
            creation_time: new Date(creationTimeMs).toISOString(),
            creation_path: creationPath,
          }),
        },
      ]);
    } catch (err) {
      await this.deps.tokens.revokeTree(created.entry.idHash);
      throw err;
    }
    return {
      wrapInfo: {
        token: created.token,
        accessor: created.accessor,
        ttlSeconds: created.entry.ttlSeconds,
        creationTimeMs,
        creationPath,
        wrappedAccessor: response.auth?.accessor ?? '',
      },
    };
  }

  /**
   * Spends the wrapping token's use (unless the pipeline already did: `spentIdHash`), reads what
   * it holds and revokes it. Undefined-free: a used, expired or foreign token is Vault's 400.
   */
  async open(token: string, spentIdHash?: string): Promise<WrappedContents> {
    let idHash = spentIdHash;
    if (idHash === undefined) {
      const entry = await this.deps.tokens.authenticate(token);
      if (!isWrappingEntry(entry)) invalid();
      idHash = entry.idHash;
    }
    try {
      const info = await this.readWrapInfo(idHash);
      const response = await this.readJson(`${idHash}/response`);
      if (response === undefined || typeof response.response !== 'string') invalid();
      return { ...info, response: response.response };
    } finally {
      await this.deps.tokens.revokeTree(idHash);
    }
  }

  /** `sys/wrapping/lookup`: creation data of a valid wrapping token, spending nothing. */
  async lookup(token: string): Promise<WrapLookup> {
    const entry = await this.deps.tokens.lookup(token);
    if (!isWrappingEntry(entry)) invalid();
    return this.readWrapInfo(entry.idHash);
  }

  private async readWrapInfo(idHash: string): Promise<WrapLookup> {
    const info = await this.readJson(`${idHash}/wrapinfo`);
    if (info === undefined) invalid();
    return {
      creationTtlSeconds: typeof info.creation_ttl === 'number' ? info.creation_ttl : 0,
      creationTime: typeof info.creation_time === 'string' ? info.creation_time : '',
      creationPath: typeof info.creation_path === 'string' ? info.creation_path : '',
    };
  }

  private async readJson(key: string): Promise<Record<string, unknown> | undefined> {
    const bytes = await this.cubbyhole().get(key);
    return bytes === undefined ? undefined : decodeStoredJson(bytes, anyObject, 'wrapped response');
  }

  private cubbyhole(): StorageView {
    const storage = this.deps.cubbyhole();
    if (storage === undefined) throw new ArcaError('internal');
    return storage;
  }
}

/**
 * The bytes an unwrap answers with: the response's JSON envelope, or for a raw response Vault's
 * `http_status_code`/`http_content_type`/`http_raw_body` (base64) data keys.
 */
function renderForStorage(requestId: string, response: LogicalResponse): string {
  const { raw } = response;
  if (raw === undefined) return JSON.stringify(responseEnvelope(requestId, response));
  const body = typeof raw.body === 'string' ? Buffer.from(raw.body, 'utf8') : Buffer.from(raw.body);
  return JSON.stringify({
    ...responseEnvelope(requestId, {}),
    data: {
      http_status_code: raw.status,
      http_content_type: raw.contentType,
      http_raw_body: body.toString('base64'),
    },
  });
}

function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** What an unwrap answers: the stored bytes as they were (raw responses restored as raw). */
export function unwrappedResponse(stored: string): LogicalResponse {
  if (stored === '') return {};
  const parsed = parseJson(stored, anyObject);
  const data = parsed.data;
  if (isRecord(data) && typeof data.http_status_code === 'number') {
    const rawBody =
      typeof data.http_raw_body === 'string' ? Buffer.from(data.http_raw_body, 'base64') : Buffer.alloc(0);
    return {
      raw: {
        status: data.http_status_code,
        contentType: typeof data.http_content_type === 'string' ? data.http_content_type : 'application/json',
        body: new Uint8Array(rawBody),
      },
    };
  }
  return { raw: { status: 200, contentType: 'application/json', body: stored } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
