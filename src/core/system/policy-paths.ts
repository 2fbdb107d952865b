/**
 * sys/policy (legacy: `rules`, GET lists `keys` and `policies`) and sys/policies/acl (`policy`,
 * LIST). Names are lower-cased (with a warning when that changed them); text may be base64.
 */
import { ArcaError } from '../../lib/errors.js';
import { decodeBase64Strict } from '../../lib/bytes.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import type { SystemContext } from './context.js';

function policyName(req: BackendRequest): { name: string; warnings: string[] } {
  const raw = (req.params.name ?? '').trim();
  const name = raw.toLowerCase();
  if (name === '') throw new ArcaError('invalid_request', 'policy name must be provided');
  const warnings = name === raw ? [] : [`policy name was converted to lowercase ("${raw}" → "${name}")`];
  return { name, warnings };
}

/** Policy text as sent, or decoded from base64 when it is valid base64 of UTF-8 text. */
function policyText(raw: string): string {
  const decoded = decodeBase64Strict(raw.trim());
  if (decoded === undefined || raw.trim() === '') return raw;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(decoded);
  return text.includes('\uFFFD') ? raw : text;
}

function policyPaths(ctx: SystemContext, legacy: boolean): PathSpec[] {
  const base = legacy ? 'policy' : 'policies/acl';
  const textField = legacy ? 'rules' : 'policy';
  const list = async (): Promise<LogicalResponse> => {
    const keys = await ctx.policies().list();
    return { data: legacy ? { keys, policies: keys } : { keys } };
  };
  return [
    { pattern: `${base}/?`, operations: legacy ? { read: list, list } : { list } },
    {
      pattern: `${base}/(?<name>.+)`,
      fields: { name: { type: 'string' }, policy: { type: 'string' }, rules: { type: 'string' } },
      operations: {
        read: async (req) => {
          const { name } = policyName(req);
          const text = await ctx.policies().readText(name);
          if (text === undefined) throw new ArcaError('not_found');
          return { data: { name, [textField]: text } };
        },
        update: async (req) => {
          const { name, warnings } = policyName(req);
          const raw = req.fields.get<string>('policy') ?? req.fields.get<string>('rules');
          if (raw === undefined || raw.trim() === '') {
            throw new ArcaError('invalid_request', "'policy' parameter not supplied or empty");
          }
          await ctx.policies().write(name, policyText(raw));
          return warnings.length > 0 ? { warnings } : noContent;
        },
        delete: async (req) => {
          await ctx.policies().delete(policyName(req).name);
          return noContent;
        },
      },
    },
  ];
}

function capabilitiesResponse(paths: string[], caps: string[][]): LogicalResponse {
  const data: Record<string, unknown> = {};
  paths.forEach((path, i) => (data[path] = caps[i]));
  if (paths.length === 1) data.capabilities = caps[0];
  return { data };
}

function requestedPaths(req: BackendRequest): string[] {
  const paths = [...(req.fields.get<string[]>('paths') ?? []), ...(req.fields.get<string[]>('path') ?? [])];
  if (paths.length === 0) throw new ArcaError('invalid_request', "'paths' must be specified");
  return paths.map((p) => p.replace(/^\/+/, ''));
}

function capabilityPaths(ctx: SystemContext): PathSpec[] {
  const fields: PathSpec['fields'] = {
    paths: { type: 'string_list' },
    path: { type: 'string_list' },
    token: { type: 'string' },
    accessor: { type: 'string' },
  };
  const answer = async (policies: readonly string[], paths: string[]): Promise<LogicalResponse> => {
    const caps: string[][] = [];
    for (const path of paths) caps.push(await ctx.capabilities(policies, path));
    return capabilitiesResponse(paths, caps);
  };
  /** A capabilities path for the token named by `field` (the token itself, or its accessor). */
  const byToken = (
    pattern: string,
    field: 'token' | 'accessor',
    policiesOf: (value: string) => Promise<readonly string[] | undefined>,
  ): PathSpec => ({
    pattern,
    fields,
    operations: {
      update: async (req) => {
        const value = req.fields.get<string>(field) ?? '';
        if (value === '') throw new ArcaError('invalid_request', `'${field}' not found`);
        const policies = await policiesOf(value);
        if (policies === undefined) throw new ArcaError('invalid_request', `invalid ${field}`);
        return answer(policies, requestedPaths(req));
      },
    },
  });
  return [
    {
      pattern: 'capabilities-self',
      fields,
      operations: {
        update: async (req) => {
          if (req.auth === undefined) throw new ArcaError('permission_denied');
          return answer(req.auth.policies, requestedPaths(req));
        },
      },
    },
    byToken('capabilities', 'token', (token) => ctx.tokenPolicies(token)),
    byToken('capabilities-accessor', 'accessor', (accessor) => ctx.tokenPoliciesByAccessor(accessor)),
  ];
}

/** Policy and capability paths of sys/. */
export function policyAndCapabilityPaths(ctx: SystemContext): PathSpec[] {
  return [...policyPaths(ctx, true), ...policyPaths(ctx, false), ...capabilityPaths(ctx)];
}
