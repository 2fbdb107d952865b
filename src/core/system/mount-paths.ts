/**
 * sys/mounts, sys/auth (enable/disable/read/tune) and sys/internal/ui/mounts (the helper the
 * vault CLI calls to tell KV v1 from v2). Shapes follow Vault's HTTP API docs.
 */
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import { limits } from '../../lib/limits.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { normaliseMountPath, type MountEntry, type MountKind } from '../mount-table.js';
import { authTuneData, listingVisibilityField, mountTokenTypeField, userLockoutField } from './auth-tune.js';
import type { MountTune, SystemContext } from './context.js';

/** A mount entry as Vault's listings show it. */
export function mountInfo(entry: MountEntry, version: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.defaultLeaseTtlSeconds,
    max_lease_ttl: entry.config.maxLeaseTtlSeconds,
    force_no_cache: entry.config.forceNoCache,
  };
  if (entry.config.listingVisibility) config.listing_visibility = entry.config.listingVisibility;
  if (entry.kind === 'auth') config.token_type = entry.config.tokenType ?? 'default-service';
  return {
    accessor: entry.accessor,
    config,
    description: entry.description,
    external_entropy_access: false,
    local: entry.local,
    options: Object.keys(entry.options).length === 0 ? null : entry.options,
    plugin_version: '',
    running_plugin_version: `v${version}+builtin`,
    running_sha256: '',
    seal_wrap: entry.sealWrap,
    type: entry.type,
    uuid: entry.uuid,
    deprecation_status: 'supported',
  };
}

const mountFields: PathSpec['fields'] = {
  type: { type: 'string' },
  description: { type: 'string' },
  config: { type: 'map' },
  options: { type: 'map' },
  local: { type: 'bool' },
  seal_wrap: { type: 'bool' },
  external_entropy_access: { type: 'bool' },
  plugin_name: { type: 'string' },
  plugin_version: { type: 'string' },
};

const tuneFields: PathSpec['fields'] = {
  default_lease_ttl: { type: 'raw' },
  max_lease_ttl: { type: 'raw' },
  description: { type: 'string' },
  options: { type: 'map' },
  audit_non_hmac_request_keys: { type: 'string_list' },
  audit_non_hmac_response_keys: { type: 'string_list' },
  listing_visibility: { type: 'string' },
  passthrough_request_headers: { type: 'string_list' },
  allowed_response_headers: { type: 'string_list' },
  plugin_version: { type: 'string' },
  token_type: { type: 'string' },
  user_lockout_config: { type: 'map' },
};

/** Mount options are strings in Vault (`{"version":"2"}`); JSON numbers are accepted and stringified. */
function stringOptions(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (typeof value === 'object' && value !== null) {
      throw new ArcaError('invalid_field', `mount option "${key}" must be a string`);
    }
    out[key] = String(value);
  }
  return out;
}

/** A TTL field of a mount config or tune: a duration, or "system" (= 0, use the system value). */
function ttlField(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'system') return 0;
  const seconds = parseDurationSeconds(value, name);
  if (seconds > 100 * limits.maxLeaseTtlSeconds) {
    throw new ArcaError('invalid_field', `${name} is too large`);
  }
  return seconds;
}

/** Vault's handleMount checks: default within the given max, or within the system max when none is given. */
function checkNewMountTtls(defaultSeconds: number, maxSeconds: number, systemMaxSeconds: number): void {
  if (maxSeconds > 0 && defaultSeconds > maxSeconds) {
    throw new ArcaError('invalid_request', 'given default lease TTL greater than given max lease TTL');
  }
  if (maxSeconds === 0 && defaultSeconds > systemMaxSeconds) {
    throw new ArcaError(
      'invalid_request',
      `given default lease TTL greater than system max lease TTL of ${systemMaxSeconds}`,
    );
  }
}

function pathParam(req: BackendRequest): string {
  return normaliseMountPath(req.params.path ?? '');
}

function mountTablePaths(
  ctx: SystemContext,
  kind: MountKind,
  prefix: 'mounts' | 'auth' | 'mounts/auth',
): PathSpec[] {
  const listAll = async (): Promise<LogicalResponse> => {
    const data: Record<string, unknown> = {};
    for (const entry of ctx.listMounts(kind)) data[entry.path] = mountInfo(entry, ctx.version);
    return { data };
  };
  const find = (req: BackendRequest): MountEntry => {
    const path = pathParam(req);
    const entry = ctx.listMounts(kind).find((e) => e.path === path);
    if (entry === undefined) {
      throw new ArcaError('invalid_request', `no mount found at ${kind === 'auth' ? 'auth/' : ''}${path}`);
    }
    return entry;
  };
  return [
    { pattern: prefix, operations: { read: listAll } },
    {
      pattern: `${prefix}/(?<path>.+?)/tune/?`,
      fields: tuneFields,
      operations: {
        read: async (req) => {
          const entry = find(req);
          return {
            data: {
              default_lease_ttl:
                entry.config.defaultLeaseTtlSeconds || ctx.systemLeaseTtls.defaultLeaseTtlSeconds,
              max_lease_ttl: entry.config.maxLeaseTtlSeconds || ctx.systemLeaseTtls.maxLeaseTtlSeconds,
              force_no_cache: entry.config.forceNoCache,
              description: entry.description,
              options: Object.keys(entry.options).length === 0 ? null : entry.options,
              ...(entry.config.listingVisibility
                ? { listing_visibility: entry.config.listingVisibility }
                : {}),
              ...(kind === 'auth' ? authTuneData(entry.config, entry.type) : {}),
            },
          };
        },
        update: async (req) => {
          const tune: MountTune = {
            defaultLeaseTtlSeconds: ttlField(req.fields.get('default_lease_ttl'), 'default_lease_ttl'),
            maxLeaseTtlSeconds: ttlField(req.fields.get('max_lease_ttl'), 'max_lease_ttl'),
            description: req.fields.get<string>('description'),
            options: req.fields.has('options')
              ? stringOptions(req.fields.get<Record<string, unknown>>('options'))
              : undefined,
            listingVisibility: listingVisibilityField(req.fields.get('listing_visibility')),
          };
          const entry = find(req);
          const tokenType = req.fields.get<string>('token_type');
          if (tokenType !== undefined) {
            if (kind !== 'auth') {
              throw new ArcaError('invalid_request', 'tuning of token_type only supported for auth mounts');
            }
            if (entry.type === 'token') {
              throw new ArcaError(
                'invalid_request',
                "'token_type' cannot be set for 'token' or 'ns_token' auth mounts",
              );
            }
            tune.tokenType = mountTokenTypeField(tokenType);
          }
          if (kind === 'auth')
            tune.userLockout = userLockoutField(req.fields.get('user_lockout_config'), entry.type);
          const newDefault = tune.defaultLeaseTtlSeconds ?? entry.config.defaultLeaseTtlSeconds;
          const newMax = tune.maxLeaseTtlSeconds ?? entry.config.maxLeaseTtlSeconds;
          const systemMax = ctx.systemLeaseTtls.maxLeaseTtlSeconds;
          if (newMax === 0 && newDefault > systemMax) {
            throw new ArcaError(
              'invalid_request',
              `new backend default lease TTL of ${newDefault} greater than system max lease TTL of ${systemMax}`,
            );
          }
          await ctx.tuneMount(kind, pathParam(req), tune);
          return noContent;
        },
      },
    },
    {
      pattern: `${prefix}/(?<path>.+)`,
      fields: { ...mountFields, path: { type: 'string' } },
      operations: {
        read: async (req) => ({ data: mountInfo(find(req), ctx.version) }),
        update: async (req) => {
          const type = req.fields.get<string>('type') ?? '';
          if (type === '') throw new ArcaError('invalid_request', 'missing type');
          const config = req.fields.get<Record<string, unknown>>('config') ?? {};
          const defaultLeaseTtlSeconds = ttlField(config.default_lease_ttl, 'default_lease_ttl') ?? 0;
          const maxLeaseTtlSeconds = ttlField(config.max_lease_ttl, 'max_lease_ttl') ?? 0;
          checkNewMountTtls(
            defaultLeaseTtlSeconds,
            maxLeaseTtlSeconds,
            ctx.systemLeaseTtls.maxLeaseTtlSeconds,
          );
          await ctx.enableMount(kind, {
            path: req.params.path ?? '',
            type,
            description: req.fields.get<string>('description') ?? '',
            config: {
              defaultLeaseTtlSeconds,
              maxLeaseTtlSeconds,
              forceNoCache: config.force_no_cache === true || config.force_no_cache === 'true',
              ...(kind === 'auth' && config.token_type !== undefined && config.token_type !== ''
                ? { tokenType: mountTokenTypeField(config.token_type) }
                : {}),
              ...(listingVisibilityField(config.listing_visibility)
                ? { listingVisibility: listingVisibilityField(config.listing_visibility) }
                : {}),
            },
            options: stringOptions(req.fields.get<Record<string, unknown>>('options')),
            local: req.fields.get<boolean>('local') ?? false,
            sealWrap: req.fields.get<boolean>('seal_wrap') ?? false,
          });
          return noContent;
        },
        delete: async (req) => {
          await ctx.disableMount(kind, pathParam(req));
          return noContent;
        },
      },
    },
  ];
}

/**
 * Vault's 403 text for sys/internal/ui/mounts/<path> (path shown as Vault's sanitizePath leaves
 * it: no leading `/`, one trailing `/`).
 */
export function preflightDenied(path: string): string {
  const shown = `${path.replace(/^\/+/, '')}${path.endsWith('/') ? '' : '/'}`;
  return `preflight capability check returned 403, please ensure client's policies grant access to path ${JSON.stringify(shown)}`;
}

function uiMountPaths(ctx: SystemContext): PathSpec[] {
  return [
    {
      pattern: 'internal/ui/mounts',
      operations: {
        read: async (req) => {
          const secret: Record<string, unknown> = {};
          const auth: Record<string, unknown> = {};
          const policies = req.auth?.policies;
          if (policies !== undefined) {
            for (const kind of ['secret', 'auth'] as const) {
              for (const entry of ctx.listMounts(kind)) {
                const mountPoint = kind === 'auth' ? `auth/${entry.path}` : entry.path;
                if (!(await ctx.hasMountAccess(policies, mountPoint))) continue;
                (kind === 'auth' ? auth : secret)[entry.path] = mountInfo(entry, ctx.version);
              }
            }
          }
          return { data: { secret, auth } };
        },
      },
    },
    {
      pattern: 'internal/ui/mounts/(?<path>.+)',
      operations: {
        read: async (req) => {
          const path = req.params.path ?? '';
          const found = ctx.mountFor(path);
          const policies = req.auth?.policies;
          // Same answer whether the mount is missing or forbidden, so mounts cannot be enumerated;
          // Vault's text, which its CLI (and ours) shows for `kv put` under a missing mount.
          const denied = new ArcaError('permission_denied', preflightDenied(path));
          if (found === undefined || policies === undefined) throw denied;
          if (!(await ctx.hasMountAccess(policies, found.mountPoint, path))) throw denied;
          return { data: { ...mountInfo(found.entry, ctx.version), path: found.entry.path } };
        },
      },
    },
  ];
}

/** The mount-management paths of sys/. */
export function mountPaths(ctx: SystemContext): PathSpec[] {
  return [
    // Vault's alias: sys/mounts/auth/<path>/tune tunes the auth mount (declared first: it wins).
    ...mountTablePaths(ctx, 'auth', 'mounts/auth').filter((spec) => spec.pattern.endsWith('/tune/?')),
    ...mountTablePaths(ctx, 'secret', 'mounts'),
    ...mountTablePaths(ctx, 'auth', 'auth'),
    ...uiMountPaths(ctx),
  ];
}
