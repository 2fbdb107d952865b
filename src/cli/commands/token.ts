/** `arca token create | lookup | renew | revoke | capabilities` (Vault's HTTP API docs). */
import type { Argv } from 'yargs';
import type { TokenCreateRequest, TokenCreateTarget } from '../../api/tokens.js';
import type { Secret } from '../../api/types.js';
import { action, withClient, listFlag, optionalString, type Args, type CommandEnv } from '../command.js';
import { outputFormat, usageError } from '../context.js';
import { formatJson, formatSecret } from '../output.js';

/** The create body and endpoint from the flags (pure). Values go as strings, like the Go CLI. */
export function tokenCreateArgs(args: Args): { request: TokenCreateRequest; target: TokenCreateTarget } {
  const request: TokenCreateRequest = {};
  const policies = listFlag(args, 'policy');
  if (policies.length > 0) request.policies = policies;
  const meta: Record<string, string> = {};
  for (const pair of listFlag(args, 'metadata')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`Invalid -metadata "${pair}": format must be key=value`);
    meta[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (Object.keys(meta).length > 0) request.meta = meta;
  const id = optionalString(args, 'id');
  if (id !== undefined) request.id = id;
  const displayName = optionalString(args, 'display-name');
  if (displayName !== undefined) request.display_name = displayName;
  for (const [flag, field] of [
    ['ttl', 'ttl'],
    ['explicit-max-ttl', 'explicit_max_ttl'],
    ['period', 'period'],
  ] as const) {
    const value = optionalString(args, flag);
    if (value !== undefined) request[field] = value;
  }
  if (args.renewable === false) request.renewable = false;
  if (args['no-default-policy'] === true) request.no_default_policy = true;
  const uses = optionalString(args, 'use-limit');
  if (uses !== undefined) {
    const n = Number(uses);
    if (!Number.isInteger(n) || n < 0) throw usageError('-use-limit must be a non-negative integer');
    request.num_uses = n;
  }
  const type = optionalString(args, 'type');
  if (type !== undefined) {
    if (type !== 'service' && type !== 'batch') throw usageError('-type must be service or batch');
    request.type = type;
  }
  return { request, target: { orphan: args.orphan === true, role: optionalString(args, 'role') } };
}

function printAuth(env: CommandEnv, args: Args, secret: Secret | null): void {
  if (!secret) throw usageError('No token information returned');
  env.io.stdout(formatSecret(secret, outputFormat(args, env.io), optionalString(args, 'field')));
}

export function registerToken(cli: Argv, env: CommandEnv): Argv {
  return cli.command('token', 'Token operations', (tok) =>
    tok
      .command(
        'create',
        'Create a token',
        (y) =>
          y
            .option('policy', { type: 'string' })
            .option('metadata', { type: 'string' })
            .option('id', { type: 'string' })
            .option('display-name', { type: 'string' })
            .option('ttl', { type: 'string' })
            .option('explicit-max-ttl', { type: 'string' })
            .option('period', { type: 'string' })
            .option('renewable', { type: 'boolean' })
            .option('orphan', { type: 'boolean' })
            .option('no-default-policy', { type: 'boolean' })
            .option('use-limit', { type: 'string' })
            .option('role', { type: 'string' })
            .option('type', { type: 'string' })
            .option('field', { type: 'string' }),
        action(env, async (args) => {
          const { request, target } = tokenCreateArgs(args);
          await withClient(env, args, 'creating token', async (client) => {
            printAuth(env, args, await client.tokens.create(request, target));
          });
        }),
      )
      .command(
        'lookup [token]',
        'Show information about a token (default: your own)',
        (y) => y.positional('token', { type: 'string' }).option('accessor', { type: 'boolean' }),
        action(env, async (args) => {
          const token = optionalString(args, 'token');
          await withClient(env, args, 'looking up token', async (client) => {
            const secret =
              token === undefined
                ? await client.tokens.lookupSelf()
                : args.accessor === true
                  ? await client.tokens.lookupAccessor(token)
                  : await client.tokens.lookup(token);
            printAuth(env, args, secret);
          });
        }),
      )
      .command(
        'renew [token]',
        'Renew a token (default: your own)',
        (y) =>
          y
            .positional('token', { type: 'string' })
            .option('increment', { type: 'string' })
            .option('accessor', { type: 'boolean' }),
        action(env, async (args) => {
          const token = optionalString(args, 'token');
          const increment = optionalString(args, 'increment');
          await withClient(env, args, 'renewing token', async (client) => {
            const secret =
              token === undefined
                ? await client.tokens.renewSelf(increment)
                : args.accessor === true
                  ? await client.tokens.renewAccessor(token, increment)
                  : await client.tokens.renew(token, increment);
            printAuth(env, args, secret);
          });
        }),
      )
      .command(
        'revoke [token]',
        'Revoke a token and its children',
        (y) =>
          y
            .positional('token', { type: 'string' })
            .option('accessor', { type: 'boolean' })
            .option('self', { type: 'boolean' })
            .option('mode', { type: 'string', describe: '"orphan" revokes only the token' }),
        action(env, async (args) => {
          const token = optionalString(args, 'token');
          const mode = optionalString(args, 'mode');
          if (args.self === true && token !== undefined) throw usageError('-self takes no token argument');
          if (args.self !== true && token === undefined)
            throw usageError('Not enough arguments (expected a token, or -self)');
          if (mode !== undefined && mode !== 'orphan') throw usageError('-mode must be "orphan"');
          await withClient(env, args, 'revoking token', async (client) => {
            if (args.self === true) await client.tokens.revokeSelf();
            else if (args.accessor === true) await client.tokens.revokeAccessor(token as string);
            else if (mode === 'orphan') await client.tokens.revokeOrphan(token as string);
            else await client.tokens.revoke(token as string);
            env.io.stdout('Success! Revoked token (if it existed)\n');
          });
        }),
      )
      .command(
        'capabilities <first> [second]',
        'Capabilities of a token (default: your own) on a path',
        (y) => y.positional('first', { type: 'string' }).positional('second', { type: 'string' }),
        action(env, async (args) => {
          const second = optionalString(args, 'second');
          const token = second === undefined ? undefined : String(args.first);
          const path = second ?? String(args.first);
          await withClient(env, args, 'listing capabilities', async (client) => {
            const caps = (await client.sys.capabilities([path], token))[path] ?? [];
            const sorted = [...caps].sort();
            env.io.stdout(
              outputFormat(args, env.io) === 'json' ? formatJson(sorted) : `${sorted.join(', ')}\n`,
            );
          });
        }),
      )
      .demandCommand(1, 'token needs a subcommand: create, lookup, renew, revoke, capabilities'),
  );
}
