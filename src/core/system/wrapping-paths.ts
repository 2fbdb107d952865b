/**
 * sys/wrapping/{wrap,unwrap,lookup,rewrap} (Vault's logical_system.go). Core has already checked
 * the wrapping token of unwrap/lookup/rewrap before authentication (../response-wrapping.ts) and
 * wraps `wrap`'s and `rewrap`'s answers itself (the pipeline's wrap step): these handlers only
 * read, spend and revoke. `wrap` without `X-Vault-Wrap-TTL` is refused by the pipeline.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { type ResponseWrapping, unwrappedResponse } from '../response-wrapping.js';

/** The body `token` (third party) or '' when the caller's own token is the wrapping token. */
function bodyToken(request: BackendRequest): string {
  const token = request.data.token;
  if (typeof token !== 'string' || token === request.clientToken) return '';
  return token;
}

/**
 * The wrapping token of a first-party request: the pipeline already spent its one use while
 * authenticating, so the handler passes its idHash instead of spending again.
 */
function firstPartyIdHash(request: BackendRequest): string {
  const idHash = request.auth?.tokenIdHash;
  if (idHash === undefined || idHash === '') throw new ArcaError('invalid_wrapping_token');
  return idHash;
}

/** The wrapping paths over the wrapping service of the current unseal. */
export function wrappingPaths(wrapping: () => ResponseWrapping): PathSpec[] {
  const token = { type: 'string' as const };
  return [
    {
      pattern: 'wrapping/wrap',
      takesArbitraryFields: true,
      // The pipeline refuses an unwrapped request and wraps this answer (arbitrary data).
      operations: { update: async (req) => ({ data: { ...req.data } }) },
    },
    {
      pattern: 'wrapping/unwrap',
      fields: { token },
      operations: {
        update: async (req): Promise<LogicalResponse> => {
          const third = bodyToken(req);
          const opened =
            third !== '' ? await wrapping().open(third) : await wrapping().open('', firstPartyIdHash(req));
          return unwrappedResponse(opened.response);
        },
      },
    },
    {
      pattern: 'wrapping/lookup',
      fields: { token },
      operations: {
        update: async (req) => lookup(wrapping(), req),
        read: async (req) => lookup(wrapping(), req),
      },
    },
    {
      pattern: 'wrapping/rewrap',
      fields: { token },
      operations: {
        update: async (req): Promise<LogicalResponse> => {
          const third = bodyToken(req);
          const opened =
            third !== '' ? await wrapping().open(third) : await wrapping().open('', firstPartyIdHash(req));
          return {
            data: null,
            wrapDemand: {
              ttlSeconds: opened.creationTtlSeconds,
              creationPath: opened.creationPath,
              storedResponse: opened.response,
            },
          };
        },
      },
    },
  ];
}

async function lookup(wrapping: ResponseWrapping, req: BackendRequest): Promise<LogicalResponse> {
  const token = bodyToken(req) || (req.clientToken ?? '');
  if (token === '') throw new ArcaError('invalid_request', 'missing "token" value in input');
  const info = await wrapping.lookup(token);
  return {
    data: {
      creation_path: info.creationPath,
      creation_time: info.creationTime,
      creation_ttl: info.creationTtlSeconds,
    },
  };
}
