/**
 * Shape checks for what the PKI engine reads back from storage: entries are parsed to `unknown`
 * and checked here before use, so a damaged or foreign entry is an integrity failure, not a crash.
 */
import type { CaBundle, CertRecord, PkiRole, RevokedList, UrlConfig } from './types.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

/** A stored CA bundle. */
export function isCaBundle(v: unknown): v is CaBundle {
  return (
    isRecord(v) &&
    typeof v.certificate === 'string' &&
    typeof v.private_key_der === 'string' &&
    isStringArray(v.chain) &&
    typeof v.serial_number === 'string' &&
    typeof v.key_type === 'string'
  );
}

/** A pending intermediate key. */
export function isPendingKey(v: unknown): v is { private_key_der: string; key_type: string } {
  return isRecord(v) && typeof v.private_key_der === 'string' && typeof v.key_type === 'string';
}

/** A stored certificate record. */
export function isCertRecord(v: unknown): v is CertRecord {
  return (
    isRecord(v) &&
    typeof v.certificate === 'string' &&
    typeof v.not_after_ms === 'number' &&
    (v.revocation_time === undefined || typeof v.revocation_time === 'number')
  );
}

/** `config/urls`. */
export function isUrlConfig(v: unknown): v is UrlConfig {
  return (
    isRecord(v) &&
    isStringArray(v.issuing_certificates) &&
    isStringArray(v.crl_distribution_points) &&
    isStringArray(v.ocsp_servers)
  );
}

/** The revoked list. */
export function isRevokedList(v: unknown): v is RevokedList {
  return (
    isRecord(v) &&
    typeof v.number === 'number' &&
    Array.isArray(v.revoked) &&
    v.revoked.every((r) => isRecord(r) && typeof r.serial === 'string' && typeof r.time === 'number')
  );
}

/** A stored role. */
export function isPkiRole(v: unknown): v is PkiRole {
  if (!isRecord(v) || !isStringArray(v.allowed_domains) || typeof v.key_type !== 'string') return false;
  const bools = [
    'allow_subdomains',
    'allow_glob_domains',
    'allow_any_name',
    'allow_bare_domains',
    'allow_localhost',
    'allow_ip_sans',
    'enforce_hostnames',
    'generate_lease',
    'no_store',
    'server_flag',
    'client_flag',
  ];
  const numbers = ['key_bits', 'ttl', 'max_ttl'];
  return bools.every((k) => typeof v[k] === 'boolean') && numbers.every((k) => typeof v[k] === 'number');
}
