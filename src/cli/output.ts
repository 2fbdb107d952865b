/**
 * Human output like the vault CLI: `Key/Value` tables with aligned columns, lists under `Keys`,
 * Go-style rendering of values (`[a b]`, `map[k:v]`), `-field` extraction, and `-format=json`
 * (the server's JSON, pretty-printed). Pure functions returning text.
 */
import { formatGoDuration } from '../lib/durations.js';
import type { Secret } from '../api/types.js';
import { usageError, type OutputFormat } from './context.js';

/** Renders a value the way Go's fmt prints it in vault's tables. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'n/a';
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, v]) => `${k}:${formatValue(v)}`).join(' ')}]`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  return typeof value;
}

/** Aligned columns with a dashed header rule (vault's columnize). */
export function formatTable(rows: [string, unknown][], header: [string, string] = ['Key', 'Value']): string {
  const all: [string, string][] = [
    header,
    [dashes(header[0]), dashes(header[1])],
    ...rows.map(([k, v]): [string, string] => [k, formatValue(v)]),
  ];
  const width = Math.max(...all.map(([k]) => k.length));
  return all.map(([k, v]) => `${k.padEnd(width)}    ${v}`.trimEnd()).join('\n') + '\n';
}

const dashes = (text: string): string => '-'.repeat(text.length);

/** `Keys` list output. */
export function formatKeys(keys: string[]): string {
  return ['Keys', '----', ...keys].join('\n') + '\n';
}

/** Rows of a secret: lease info (if any), auth (if any), then data keys sorted. */
export function secretRows(secret: Secret): [string, unknown][] {
  if (secret.wrap_info) return wrapRows(secret, ':');
  const rows: [string, unknown][] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id) {
      rows.push(
        ['lease_id', secret.lease_id],
        ['lease_duration', formatGoDuration(secret.lease_duration)],
        ['lease_renewable', secret.renewable],
      );
    } else {
      rows.push(['refresh_interval', formatGoDuration(secret.lease_duration)]);
    }
  }
  if (secret.auth) rows.push(...authRows(secret));
  for (const key of Object.keys(secret.data ?? {}).sort()) rows.push([key, (secret.data ?? {})[key]]);
  return rows;
}

/**
 * The rows vault prints for a wrapped response (`wrapping_token:` ... — the table names end in a
 * colon, as vault's; `-field=wrapping_token` uses the bare names).
 */
export function wrapRows(secret: Secret, suffix = ''): [string, unknown][] {
  const wrap = secret.wrap_info;
  if (!wrap) return [];
  const rows: [string, unknown][] = [
    [`wrapping_token${suffix}`, wrap.token],
    [`wrapping_accessor${suffix}`, wrap.accessor],
    [`wrapping_token_ttl${suffix}`, formatGoDuration(wrap.ttl)],
    [`wrapping_token_creation_time${suffix}`, wrap.creation_time],
    [`wrapping_token_creation_path${suffix}`, wrap.creation_path],
  ];
  if (wrap.wrapped_accessor) rows.push([`wrapped_accessor${suffix}`, wrap.wrapped_accessor]);
  return rows;
}

/** The token rows vault prints for an `auth` block. */
export function authRows(secret: Secret): [string, unknown][] {
  const auth = secret.auth;
  if (!auth) return [];
  return [
    ['token', auth.client_token],
    ['token_accessor', auth.accessor],
    ['token_duration', auth.lease_duration === 0 ? '∞' : formatGoDuration(auth.lease_duration)],
    ['token_renewable', auth.renewable],
    ['token_policies', auth.token_policies ?? []],
    ['identity_policies', []],
    ['policies', auth.policies ?? []],
  ];
}

/** Warnings block printed after a table. */
export function formatWarnings(warnings: string[] | null | undefined): string {
  if (!warnings || warnings.length === 0) return '';
  return `\nWARNING! The following warnings were returned from Vault:\n\n${warnings.map((w) => `  * ${w}`).join('\n\n')}\n\n`;
}

/** JSON output (2-space indent, trailing newline). */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `-field=name`: the raw value from data (or the auth block's token fields). */
export function extractField(secret: Secret, field: string): string {
  const rows = new Map<string, unknown>(secret.wrap_info ? wrapRows(secret) : secretRows(secret));
  const data = secret.data ?? {};
  const value = field in data ? data[field] : rows.get(field);
  if (value === undefined) throw usageError(`Field "${field}" not present in secret`);
  return typeof value === 'string'
    ? `${value}\n`
    : typeof value === 'object' && value !== null
      ? formatJson(value)
      : `${formatValue(value)}\n`;
}

/** Renders a secret in the chosen format (or one field of it). */
export function formatSecret(secret: Secret, format: OutputFormat, field?: string): string {
  if (field) return extractField(secret, field);
  if (format === 'json') return formatJson(secret);
  return formatTable(secretRows(secret)) + formatWarnings(secret.warnings);
}
