/**
 * The `auth/token/*` backend: declared paths (mount-relative) over a TokenStorePort. Core mounts it at
 * `auth/token/`, sets `auth` and `clientToken` on each request, and enforces ACLs (including sudo
 * for `revoke-orphan` and `LIST accessors`). POST/PUT handlers are registered for both `create`
 * and `update` so the result does not depend on how core resolves the operation; only role paths
 * have an existence check.
 */
import type { Backend, FieldSpec, Handler, PathSpec } from '../../logical/backend.js';
import { handleCreate } from './token-create.js';
import {
  handleLookup,
  handleLookupAccessor,
  handleLookupSelf,
  handleRenew,
  handleRenewAccessor,
  handleRenewSelf,
} from './token-lookup-renew.js';
import {
  handleDeleteRole,
  handleListRoles,
  handleReadRole,
  handleWriteRole,
  roleExists,
} from './token-role-paths.js';
import {
  handleListAccessors,
  handleRevoke,
  handleRevokeAccessor,
  handleRevokeOrphan,
  handleRevokeSelf,
  handleTidy,
} from './token-revoke.js';
import type { TokenStorePort } from './token-store-port.js';

const roleNamePattern = '(?<role_name>\\w(?:[\\w.-]*\\w)?)';

const createFields: Record<string, FieldSpec> = {
  id: { type: 'string', description: 'custom token id (root only)' },
  role_name: { type: 'string' },
  policies: { type: 'string_list' },
  meta: { type: 'key_value_map' },
  no_parent: { type: 'bool' },
  no_default_policy: { type: 'bool' },
  renewable: { type: 'bool' },
  ttl: { type: 'duration' },
  explicit_max_ttl: { type: 'duration' },
  period: { type: 'duration' },
  display_name: { type: 'string' },
  num_uses: { type: 'int' },
  type: { type: 'string' },
  entity_alias: { type: 'string', description: 'accepted and ignored (no identity store)' },
  lease: { type: 'string', description: 'legacy alias of ttl' },
};

const roleFields: Record<string, FieldSpec> = {
  role_name: { type: 'string', required: true },
  allowed_policies: { type: 'string_list' },
  disallowed_policies: { type: 'string_list' },
  allowed_policies_glob: { type: 'string_list' },
  disallowed_policies_glob: { type: 'string_list' },
  orphan: { type: 'bool' },
  renewable: { type: 'bool' },
  path_suffix: { type: 'string' },
  allowed_entity_aliases: { type: 'string_list' },
  token_period: { type: 'duration' },
  period: { type: 'duration' },
  token_explicit_max_ttl: { type: 'duration' },
  explicit_max_ttl: { type: 'duration' },
  token_no_default_policy: { type: 'bool' },
  token_type: { type: 'string' },
  token_bound_cidrs: { type: 'string_list' },
  bound_cidrs: { type: 'string_list' },
  token_num_uses: { type: 'int' },
};

const token: FieldSpec = { type: 'string' };
const accessor: FieldSpec = { type: 'string' };
const increment: FieldSpec = { type: 'duration' };

/** The `auth/token/*` backend over `store`. */
export function tokenBackend(store: TokenStorePort): Backend {
  const on =
    (fn: (s: TokenStorePort, r: Parameters<Handler>[0]) => ReturnType<Handler>): Handler =>
    (r) =>
      fn(store, r);
  const write = (handler: Handler) => ({ create: handler, update: handler });
  const paths: PathSpec[] = [
    {
      pattern: 'create',
      fields: createFields,
      operations: write(on((s, r) => handleCreate(s, r, 'create'))),
    },
    {
      pattern: 'create-orphan',
      fields: createFields,
      operations: write(on((s, r) => handleCreate(s, r, 'orphan'))),
    },
    {
      pattern: `create/${roleNamePattern}`,
      fields: createFields,
      operations: write(on((s, r) => handleCreate(s, r, 'role'))),
    },
    { pattern: 'roles/?', operations: { list: on(handleListRoles) } },
    {
      pattern: `roles/${roleNamePattern}`,
      fields: roleFields,
      operations: { read: on(handleReadRole), ...write(on(handleWriteRole)), delete: on(handleDeleteRole) },
      existenceCheck: (r) => roleExists(store, r),
    },
    {
      pattern: 'lookup',
      fields: { token },
      operations: { read: on(handleLookup), ...write(on(handleLookup)) },
    },
    { pattern: 'lookup-self', operations: { read: on(handleLookupSelf), ...write(on(handleLookupSelf)) } },
    { pattern: 'lookup-accessor', fields: { accessor }, operations: write(on(handleLookupAccessor)) },
    { pattern: 'renew', fields: { token, increment }, operations: write(on(handleRenew)) },
    { pattern: 'renew-self', fields: { increment }, operations: write(on(handleRenewSelf)) },
    {
      pattern: 'renew-accessor',
      fields: { accessor, increment },
      operations: write(on(handleRenewAccessor)),
    },
    { pattern: 'revoke', fields: { token }, operations: write(on(handleRevoke)) },
    { pattern: 'revoke-self', operations: write(on(handleRevokeSelf)) },
    { pattern: 'revoke-accessor', fields: { accessor }, operations: write(on(handleRevokeAccessor)) },
    { pattern: 'revoke-orphan', fields: { token }, operations: write(on(handleRevokeOrphan)) },
    { pattern: 'accessors/?', operations: { list: on(handleListAccessors) } },
    { pattern: 'tidy', operations: write(on(handleTidy)) },
  ];
  return { type: 'token', paths };
}
