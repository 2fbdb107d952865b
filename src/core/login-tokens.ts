/**
 * Login responses of auth engines (userpass, approle, ...): an engine returns an `auth` block
 * with an empty `clientToken` and the policies, metadata and TTL it grants; core mints the service
 * token (engines never hold the token store), as Vault's core does for every login. The token's
 * TTL is capped by the auth mount's TTLs, and `default` is always added to its policies (the
 * contract has no no-default-policy flag yet). Login tokens are orphans.
 */
import type { LogicalResponse, ResponseAuth } from '../logical/response.js';
import type { MountEntry } from './mount-table.js';
import type { TokenStore } from './tokens/token-store.js';
import { effectiveTtl, type SystemLeaseTtls } from './ttl.js';

/** True for a response that asks core to mint a login token. */
export function needsLoginToken(response: LogicalResponse, entry: MountEntry): boolean {
  return (
    response.auth !== undefined &&
    response.auth.clientToken === '' &&
    entry.kind === 'auth' &&
    entry.type !== 'token'
  );
}

/** Mints the token for a login response served at `path` by the auth mount `entry`. */
export async function mintLoginToken(
  tokens: TokenStore,
  response: LogicalResponse,
  entry: MountEntry,
  path: string,
  system: SystemLeaseTtls,
): Promise<LogicalResponse> {
  const auth = response.auth as ResponseAuth;
  const policies = [
    ...new Set(auth.policies.includes('default') ? auth.policies : [...auth.policies, 'default']),
  ].sort();
  const ttl = effectiveTtl(entry.config, system, auth.leaseDurationSeconds);
  const metadata = auth.metadata ?? {};
  const who = metadata.username ?? metadata.role_name ?? '';
  const created = await tokens.createToken({
    policies,
    path,
    displayName: `${entry.path.replace(/\/$/, '')}${who === '' ? '' : `-${who}`}`,
    meta: metadata,
    numUses: auth.numUses,
    renewable: auth.renewable,
    ttlSeconds: ttl.ttlSeconds,
    entityId: auth.entityId,
  });
  const warnings = [...(response.warnings ?? []), ...ttl.warnings, ...created.warnings];
  return {
    ...response,
    ...(warnings.length > 0 ? { warnings } : {}),
    auth: {
      ...auth,
      clientToken: created.token,
      accessor: created.accessor,
      policies: created.entry.policies,
      tokenPolicies: created.entry.policies,
      leaseDurationSeconds: created.entry.ttlSeconds,
      renewable: created.entry.renewable,
      orphan: true,
      tokenType: 'service',
    },
  };
}
