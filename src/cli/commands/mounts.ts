/**
 * Shared by `secrets` and `auth`: the enable body from flags (`-path`, `-description`,
 * `-default-lease-ttl`, `-max-lease-ttl`, `-options k=v`, `-version`, `-local`, `-seal-wrap`) and the
 * mount table output. Pure.
 */
import type { EnableMountRequest, MountEntry } from '../../api/types.js';
import { listFlag, optionalString, type Args } from '../command.js';
import { usageError } from '../context.js';
import { formatJson, formatTable } from '../output.js';

/** The mount path and enable body for `<type>` and the flags. `kv-v2` means kv with version 2. */
export function enableMountArgs(args: Args, type: string): { path: string; request: EnableMountRequest } {
  const path = optionalString(args, 'path') ?? type;
  const request: EnableMountRequest = { type: type === 'kv-v2' ? 'kv' : type };
  const description = optionalString(args, 'description');
  if (description !== undefined) request.description = description;
  const config: Record<string, unknown> = {};
  const defaultTtl = optionalString(args, 'default-lease-ttl');
  if (defaultTtl !== undefined) config.default_lease_ttl = defaultTtl;
  const maxTtl = optionalString(args, 'max-lease-ttl');
  if (maxTtl !== undefined) config.max_lease_ttl = maxTtl;
  if (Object.keys(config).length > 0) request.config = config;
  const options = optionsFlag(args);
  const version = optionalString(args, 'version');
  if (version !== undefined) options.version = version;
  if (type === 'kv-v2') options.version = '2';
  if (Object.keys(options).length > 0) request.options = options;
  if (args.local === true) request.local = true;
  if (args['seal-wrap'] === true) request.seal_wrap = true;
  return { path, request };
}

/** `-options k=v` (repeatable) as a string map. */
export function optionsFlag(args: Args): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of listFlag(args, 'options')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`Invalid -options "${pair}": format must be key=value`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return options;
}

/** The tune body from flags (pure). */
export function tuneArgs(args: Args): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [flag, field] of [
    ['default-lease-ttl', 'default_lease_ttl'],
    ['max-lease-ttl', 'max_lease_ttl'],
    ['description', 'description'],
  ] as const) {
    const value = optionalString(args, flag);
    if (value !== undefined) body[field] = value;
  }
  const options = optionsFlag(args);
  const version = optionalString(args, 'version');
  if (version !== undefined) options.version = version;
  if (Object.keys(options).length > 0) body.options = options;
  if (Object.keys(body).length === 0)
    throw usageError('Nothing to tune: give -default-lease-ttl, -max-lease-ttl, -description or -options');
  return body;
}

/** `secrets list` / `auth list` output. */
export function formatMounts(mounts: Record<string, MountEntry>, format: 'table' | 'json'): string {
  if (format === 'json') return formatJson(mounts);
  const rows: [string, unknown][] = Object.keys(mounts)
    .filter((path) => path.endsWith('/'))
    .sort()
    .map((path) => {
      const entry = mounts[path];
      return [path, `${entry.type.padEnd(12)}${(entry.accessor ?? '').padEnd(28)}${entry.description ?? ''}`];
    });
  return formatTable(rows, ['Path', `${'Type'.padEnd(12)}${'Accessor'.padEnd(28)}Description`]);
}
