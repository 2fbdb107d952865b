/**
 * sys/leases/* (Vault's HTTP API: lookup, LIST lookup/<prefix> (sudo), renew, revoke, revoke-prefix
 * (sudo), revoke-force (sudo), tidy, count and the irrevocable listing) and the older aliases
 * sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force. Shapes, status codes (202 for queued
 * work) and error texts follow Vault's logical_system.go.
 */
import { ArcaError } from '../../lib/errors.js';
import { formatRfc3339Nano } from '../../lib/go-time.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import type { LeaseManager } from '../leases.js';

/** What the lease paths need from core. */
export interface LeasePathsDeps {
  /** The manager of the current unseal (throws `sealed` otherwise). */
  leases(): LeaseManager;
  /** The accessor of the mount serving a lease path ('' when none): Vault's `mount_id`. */
  mountAccessor(path: string): string;
}

/** Vault's `MaxIrrevocableLeasesToReturn` and its warning. */
const maxIrrevocableListed = 10_000;
const tooManyIrrevocable =
  'Command halted because many irrevocable leases were found. To emit the entire list, re-run the command with force set true.';

/** Vault's tidy warning. */
export const tidyStartedWarning =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

const leaseIdFields: PathSpec['fields'] = {
  lease_id: { type: 'string' },
  url_lease_id: { type: 'string' },
};

/** The lease paths of sys/ (relative to `sys/`). */
export function leasePaths(deps: LeasePathsDeps): PathSpec[] {
  const renew: PathSpec['operations'] = {
    update: async (req) => deps.leases().renew(leaseIdOf(req), req.fields.get<number>('increment') ?? 0),
  };
  const revoke: PathSpec['operations'] = {
    update: async (req) => {
      const id = leaseIdOf(req);
      if (req.fields.get<boolean>('sync') !== false) {
        await deps.leases().revokeNow(id);
        return noContent;
      }
      await deps.leases().revokeLater(id);
      return accepted();
    },
  };
  const revokePrefix: PathSpec['operations'] = {
    update: async (req) => {
      const sync = req.fields.get<boolean>('sync') !== false;
      await deps.leases().revokePrefix(req.params.prefix ?? '', { sync });
      return sync ? noContent : accepted();
    },
  };
  const revokeForce: PathSpec['operations'] = {
    update: async (req) => {
      await deps.leases().revokePrefix(req.params.prefix ?? '', { sync: true, force: true });
      return noContent;
    },
  };
  const optionalId = '(?:/(?<url_lease_id>.+))?';
  const syncField = { sync: { type: 'bool' as const, default: true } };
  return [
    {
      pattern: 'leases/lookup/?',
      fields: { lease_id: { type: 'string' } },
      operations: {
        update: async (req) => {
          const id = req.fields.get<string>('lease_id') ?? '';
          if (id === '') throw new ArcaError('invalid_request', 'lease_id must be specified');
          const data = await deps.leases().lookupData(id);
          if (data === undefined) throw new ArcaError('invalid_request', 'invalid lease');
          return { data };
        },
        list: async () => listResponse(await deps.leases().listPrefix('')),
      },
    },
    {
      pattern: 'leases/lookup/(?<prefix>.+)',
      operations: {
        list: async (req) => {
          let prefix = req.params.prefix ?? '';
          if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
          return listResponse(await deps.leases().listPrefix(prefix));
        },
      },
    },
    ...['leases/renew', 'renew'].map((p) => ({
      pattern: p + optionalId,
      fields: { ...leaseIdFields, increment: { type: 'duration' as const } },
      operations: renew,
    })),
    ...['leases/revoke', 'revoke'].map((p) => ({
      pattern: p + optionalId,
      fields: { ...leaseIdFields, ...syncField },
      operations: revoke,
    })),
    ...['leases/revoke-prefix', 'revoke-prefix'].map((p) => ({
      pattern: `${p}/(?<prefix>.+)`,
      fields: { prefix: { type: 'string' as const }, ...syncField },
      operations: revokePrefix,
    })),
    ...['leases/revoke-force', 'revoke-force'].map((p) => ({
      pattern: `${p}/(?<prefix>.+)`,
      fields: { prefix: { type: 'string' as const } },
      operations: revokeForce,
    })),
    {
      pattern: 'leases/tidy/?',
      operations: {
        update: async (req) => {
          deps.leases().startTidy();
          return accepted(req, [tidyStartedWarning]);
        },
      },
    },
    {
      pattern: 'leases/count/?',
      fields: { type: { type: 'string' }, include_child_namespaces: { type: 'bool', default: false } },
      operations: {
        read: async (req) => {
          requireIrrevocableType(req);
          const counts: Record<string, number> = {};
          const leases = await deps.leases().irrevocableLeases();
          for (const lease of leases) {
            const mount = deps.mountAccessor(lease.path);
            counts[mount] = (counts[mount] ?? 0) + 1;
          }
          return { data: { lease_count: leases.length, counts } };
        },
      },
    },
    {
      pattern: 'leases/?',
      fields: {
        type: { type: 'string' },
        include_child_namespaces: { type: 'bool', default: false },
        limit: { type: 'string', default: '' },
      },
      operations: {
        read: async (req) => {
          requireIrrevocableType(req);
          const limit = parseLimit(req.fields.get<string>('limit') ?? '');
          const all = await deps.leases().irrevocableLeases();
          const shown = limit === undefined ? all : all.slice(0, limit);
          const leases = shown.map((lease) => ({
            lease_id: lease.leaseId,
            mount_id: deps.mountAccessor(lease.path),
            error: lease.revokeErr ?? '',
            expire_time: formatRfc3339Nano(lease.expireWallMs),
          }));
          const warnings = shown.length < all.length ? [tooManyIrrevocable] : undefined;
          return { data: { lease_count: leases.length, leases }, ...(warnings ? { warnings } : {}) };
        },
      },
    },
  ];
}

/** `lease_id` from the body, else from the URL; Vault's 400 when neither is given. */
function leaseIdOf(req: BackendRequest): string {
  const id = req.fields.get<string>('lease_id') || req.params.url_lease_id || '';
  if (id === '') throw new ArcaError('invalid_request', 'lease_id must be specified');
  return id;
}

/** Vault's `sys/leases` and `sys/leases/count` answer only `type=irrevocable`; otherwise 404. */
function requireIrrevocableType(req: BackendRequest): void {
  if ((req.fields.get<string>('type') ?? '').toLowerCase() !== 'irrevocable')
    throw new ArcaError('not_found');
}

/** Vault's processLimit: '' = the default cap, 'none' = everything, else a positive integer. */
function parseLimit(raw: string): number | undefined {
  if (raw === '') return maxIrrevocableListed;
  if (raw.toLowerCase() === 'none') return undefined;
  const limit = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(limit)) {
    throw new ArcaError(
      'invalid_request',
      `invalid 'limit' provided: strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`,
    );
  }
  if (limit < 1) throw new ArcaError('invalid_request', "limit must be 'none' or a positive integer");
  return limit;
}

/** Vault's `logical.ListResponse`: `{"keys":[...]}`; an empty list is a 404, as Vault answers. */
function listResponse(keys: string[]): LogicalResponse {
  if (keys.length === 0) throw new ArcaError('not_found');
  return { data: { keys } };
}

/**
 * Vault's `RespondWithStatusCode(resp, req, 202)`: no body for a nil response, else the JSON
 * envelope as the raw body.
 */
function accepted(req?: BackendRequest, warnings?: string[]): LogicalResponse {
  const body =
    req === undefined
      ? ''
      : JSON.stringify({
          request_id: req.requestId,
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: null,
          wrap_info: null,
          warnings: warnings ?? null,
          auth: null,
          mount_type: '',
        });
  return { raw: { status: 202, contentType: 'application/json', body } };
}
