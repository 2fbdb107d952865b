/**
 * `arca kv put | get | patch | delete | undelete | destroy | list | metadata get|put|delete`, like
 * `vault kv`: the mount's KV version is detected (src/api/kv.ts) and v2 paths rewritten, so the
 * same command works on v1 and v2 mounts. `-mount=secret foo` equals `secret/foo`.
 */
import type { Argv } from 'yargs';
import type { ArcaClient } from '../../api/client.js';
import { isApiError } from '../../api/errors.js';
import type { Secret } from '../../api/types.js';
import { action, withClient, listFlag, optionalString, type Args, type CommandEnv } from '../command.js';
import { CliError, outputFormat, usageError, type OutputFormat } from '../context.js';
import { parseDataArgs } from '../data-args.js';
import { extractField, formatJson, formatKeys, formatTable, formatWarnings } from '../output.js';

/** The full path from `-mount` and the path argument (pure). */
export function kvFullPath(args: Args): string {
  const path = (typeof args.path === 'string' ? args.path : '').replace(/^\/+/, '');
  const mount = optionalString(args, 'mount');
  if (path === '' && mount === undefined) throw usageError('Not enough arguments (expected <path>)');
  return mount === undefined ? path : `${mount.replace(/^\/+|\/+$/g, '')}/${path}`;
}

/** `-versions=1,2` (repeatable) as positive integers (pure). `required` = usage error when absent. */
export function versionsFlag(args: Args, required: boolean): number[] {
  const versions = listFlag(args, 'versions').map((v) => Number(v));
  if (versions.some((v) => !Number.isInteger(v) || v < 1))
    throw usageError('-versions must be positive integers');
  if (required && versions.length === 0) throw usageError('No versions provided, use the "-versions" flag');
  return versions;
}

/** `-cas=N` (pure). */
export function casFlag(args: Args): number | undefined {
  const cas = optionalString(args, 'cas');
  if (cas === undefined) return undefined;
  const n = Number(cas);
  if (!Number.isInteger(n) || n < 0) throw usageError('-cas must be a non-negative integer');
  return n;
}

/** KV v2 `{data, metadata}` or v1 data, printed like vault kv get (pure). */
export function formatKvSecret(secret: Secret, format: OutputFormat, field?: string): string {
  const data = secret.data ?? {};
  const isV2 = 'metadata' in data && ('data' in data || data.data === null);
  if (field)
    return extractField(
      { ...secret, data: isV2 ? ((data.data as Record<string, unknown> | null) ?? {}) : data },
      field,
    );
  if (format === 'json') return formatJson(secret);
  if (!isV2)
    return (
      formatTable(
        Object.keys(data)
          .sort()
          .map((k): [string, unknown] => [k, data[k]]),
      ) + formatWarnings(secret.warnings)
    );
  const metadata = (data.metadata ?? {}) as Record<string, unknown>;
  const values = (data.data ?? null) as Record<string, unknown> | null;
  let out = `====== Metadata ======\n${formatTable(
    Object.keys(metadata)
      .sort()
      .map((k): [string, unknown] => [k, metadata[k]]),
  )}`;
  if (values)
    out += `\n====== Data ======\n${formatTable(
      Object.keys(values)
        .sort()
        .map((k): [string, unknown] => [k, values[k]]),
    )}`;
  return out + formatWarnings(secret.warnings);
}

const preflightOperation = /^GET \S*\/v1\/sys\/internal\/ui\/mounts\//;

/**
 * Like `vault kv`: when the mount lookup (`sys/internal/ui/mounts/<path>`) fails — a missing mount
 * or no access, deliberately indistinguishable — the server's error is printed as is (no
 * "Error writing data to" prefix) and the exit code is 2. Other errors pass through unchanged.
 */
export function preflightFailure(err: unknown): never {
  if (isApiError(err) && err.status !== 0 && preflightOperation.test(err.operation)) {
    throw new CliError(err.message, 2);
  }
  throw err;
}

const withMount = (y: Argv) => y.positional('path', { type: 'string' }).option('mount', { type: 'string' });

export function registerKv(cli: Argv, env: CommandEnv): Argv {
  const run = (
    doing: string,
    body: (args: Args, path: string, client: ArcaClient) => Promise<number | void>,
  ) =>
    action(env, async (args) => {
      const path = kvFullPath(args);
      return withClient(env, args, `${doing} ${path}`, (client) =>
        body(args, path, client).catch(preflightFailure),
      );
    });
  const print = (args: Args, secret: Secret | null, path: string, success: string) => {
    if (!secret) env.io.stdout(`${success}: ${path}\n`);
    else env.io.stdout(formatKvSecret(secret, outputFormat(args, env.io), optionalString(args, 'field')));
  };

  return cli.command('kv', 'Key/value secrets (v1 and v2)', (kv) =>
    kv
      .command(
        'put <path> [data..]',
        'Write a secret (v2: a new version)',
        (y) =>
          withMount(y)
            .positional('data', { type: 'string', array: true })
            .option('cas', { type: 'string' })
            .option('field', { type: 'string' }),
        run('writing data to', async (args, path, client) => {
          const data = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
          if (Object.keys(data).length === 0) throw usageError('Must supply data');
          print(
            args,
            await client.kv.put(path, data, { cas: casFlag(args) }),
            path,
            'Success! Data written to',
          );
        }),
      )
      .command(
        'get <path>',
        'Read a secret (v2: latest or -version)',
        (y) => withMount(y).option('version', { type: 'string' }).option('field', { type: 'string' }),
        run('reading', async (args, path, client) => {
          const version = optionalString(args, 'version');
          const secret = await client.kv.get(path, version === undefined ? undefined : Number(version));
          if (!secret) throw new CliError(`No value found at ${path}`, 2);
          env.io.stdout(formatKvSecret(secret, outputFormat(args, env.io), optionalString(args, 'field')));
          const data = secret.data ?? {};
          if ('metadata' in data && data.data === null) return 2;
        }),
      )
      .command(
        'patch <path> [data..]',
        'Merge new keys into the latest version (v2)',
        (y) =>
          withMount(y)
            .positional('data', { type: 'string', array: true })
            .option('cas', { type: 'string' })
            .option('field', { type: 'string' }),
        run('patching', async (args, path, client) => {
          const data = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
          if (Object.keys(data).length === 0) throw usageError('Must supply data');
          print(
            args,
            await client.kv.patch(path, data, { cas: casFlag(args) }),
            path,
            'Success! Data patched at',
          );
        }),
      )
      .command(
        'delete <path>',
        'Delete a secret (v2: soft-delete latest or -versions)',
        (y) => withMount(y).option('versions', { type: 'string' }),
        run('deleting', async (args, path, client) => {
          await client.kv.delete(path, versionsFlag(args, false));
          env.io.stdout(`Success! Data deleted (if it existed) at: ${path}\n`);
        }),
      )
      .command(
        'undelete <path>',
        'Restore soft-deleted versions (v2)',
        (y) => withMount(y).option('versions', { type: 'string' }),
        run('undeleting versions at', async (args, path, client) => {
          await client.kv.undelete(path, versionsFlag(args, true));
          env.io.stdout(`Success! Data written to: ${path}\n`);
        }),
      )
      .command(
        'destroy <path>',
        'Permanently destroy versions (v2)',
        (y) => withMount(y).option('versions', { type: 'string' }),
        run('destroying versions at', async (args, path, client) => {
          await client.kv.destroy(path, versionsFlag(args, true));
          env.io.stdout(`Success! Data written to: ${path}\n`);
        }),
      )
      .command(
        'list <path>',
        'List keys',
        (y) => withMount(y),
        run('listing', async (args, path, client) => {
          const keys = await client.kv.list(path);
          if (keys.length === 0) throw new CliError(`No value found at ${path}`, 2);
          env.io.stdout(outputFormat(args, env.io) === 'json' ? formatJson(keys) : formatKeys(keys));
        }),
      )
      .command('metadata', 'Secret metadata (v2)', (md) =>
        md
          .command(
            'get <path>',
            'Show versions and settings',
            (y) => withMount(y),
            run('reading metadata for', async (args, path, client) => {
              const secret = await client.kv.metadataGet(path);
              if (!secret) throw new CliError(`No value found at ${path}`, 2);
              env.io.stdout(formatKvSecret(secret, outputFormat(args, env.io)));
            }),
          )
          .command(
            'put <path>',
            'Set max versions, CAS requirement, expiry, custom metadata',
            (y) =>
              withMount(y)
                .option('max-versions', { type: 'string' })
                .option('cas-required', { type: 'boolean' })
                .option('delete-version-after', { type: 'string' })
                .option('custom-metadata', { type: 'string' }),
            run('writing metadata for', async (args, path, client) => {
              await client.kv.metadataPut(path, metadataPutBody(args));
              env.io.stdout(`Success! Data written to: ${path}\n`);
            }),
          )
          .command(
            'delete <path>',
            'Delete all versions and metadata',
            (y) => withMount(y),
            run('deleting metadata for', async (_args, path, client) => {
              await client.kv.metadataDelete(path);
              env.io.stdout(`Success! Data deleted (if it existed) at: ${path}\n`);
            }),
          )
          .demandCommand(1, 'kv metadata needs a subcommand: get, put, delete'),
      )
      .demandCommand(1, 'kv needs a subcommand: put, get, patch, delete, undelete, destroy, list, metadata'),
  );
}

/** `kv metadata put` body from flags (pure). */
export function metadataPutBody(args: Args): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const maxVersions = optionalString(args, 'max-versions');
  if (maxVersions !== undefined) {
    const n = Number(maxVersions);
    if (!Number.isInteger(n) || n < 0) throw usageError('-max-versions must be a non-negative integer');
    body.max_versions = n;
  }
  if (typeof args['cas-required'] === 'boolean') body.cas_required = args['cas-required'];
  const after = optionalString(args, 'delete-version-after');
  if (after !== undefined) body.delete_version_after = after;
  const custom: Record<string, string> = {};
  for (const pair of listFlag(args, 'custom-metadata')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`Invalid -custom-metadata "${pair}": format must be key=value`);
    custom[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (Object.keys(custom).length > 0) body.custom_metadata = custom;
  return body;
}
