/**
 * Which sys paths skip authentication, need `sudo` or skip the audit trail (Vault's HTTP API docs),
 * and which responses get Vault's top-level data injection. Paths are full request paths
 * without a leading '/'.
 */
import type { Operation } from '../../logical/request.js';

/** Served even while sealed, without a token, before the sealed check. */
const alwaysAvailable = new Set(['sys/init', 'sys/seal-status', 'sys/unseal', 'sys/health', 'sys/leader']);

export function isAvailableWhileSealed(path: string): boolean {
  return alwaysAvailable.has(trimSlash(path));
}

const unauthenticatedExact = new Set([
  ...alwaysAvailable,
  'sys/internal/ui/mounts',
  'sys/wrapping/lookup',
  'sys/wrapping/pubkey',
  'sys/internal/specs/openapi',
  'sys/mfa/validate',
  'sys/replication/status',
  'sys/storage/raft/bootstrap/challenge',
  'sys/storage/raft/bootstrap/answer',
]);
const unauthenticatedPrefixes = ['sys/internal/ui/mounts/'];

/** No token required (login paths of auth engines are declared by the engine instead). */
export function isUnauthenticatedSysPath(path: string): boolean {
  const p = trimSlash(path);
  return unauthenticatedExact.has(p) || unauthenticatedPrefixes.some((prefix) => path.startsWith(prefix));
}

const sudoExact = new Set([
  'sys/remount',
  'sys/audit',
  'sys/rotate',
  'sys/config/cors',
  'sys/seal',
  'sys/step-down',
  'sys/host-info',
  'auth/token/revoke-orphan',
]);
const sudoPrefixes = [
  'sys/auth/',
  'sys/audit/',
  'sys/audit-chain/',
  'sys/locked-users',
  'sys/raw/',
  'sys/config/auditing/',
  'sys/plugins/catalog/',
  'sys/leases/revoke-prefix/',
  'sys/leases/revoke-force/',
];

/** Root-protected: the ACL must also grant `sudo`. */
export function needsSudo(path: string, operation: Operation): boolean {
  const p = trimSlash(path);
  if (sudoExact.has(p) || sudoPrefixes.some((prefix) => path.startsWith(prefix))) return true;
  return operation === 'list' && (p === 'auth/token/accessors' || path.startsWith('sys/leases/lookup/'));
}

const notAuditedExact = new Set([
  'sys/init',
  'sys/seal-status',
  'sys/seal',
  'sys/unseal',
  'sys/leader',
  'sys/health',
  'sys/storage/raft/bootstrap',
  'sys/storage/raft/join',
  'sys/metrics',
]);

export function isAudited(path: string): boolean {
  return !notAuditedExact.has(trimSlash(path));
}

const topLevelExact = new Set([
  'sys/audit',
  'sys/auth',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/capabilities',
  'sys/capabilities-accessor',
  'sys/capabilities-self',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
]);
const topLevelPrefixes = [
  'sys/audit/',
  'sys/audit-hash/',
  'sys/auth/',
  'sys/config/auditing/request-headers/',
  'sys/mounts/',
  'sys/policy/',
];

/** Vault copies `data` keys to the top level of the body for these routes. */
export function injectsTopLevelData(path: string): boolean {
  const p = trimSlash(path);
  return topLevelExact.has(p) || topLevelPrefixes.some((prefix) => path.startsWith(prefix));
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
