/** `arca auth enable | disable | list | tune`: auth method mounts (Vault's HTTP API docs). */
import type { Argv } from 'yargs';
import { normaliseMountPath } from '../../api/sys.js';
import { action, optionalString, requiredArg, withClient, type Args, type CommandEnv } from '../command.js';
import { usageError } from '../context.js';
import { mountKindCommands } from './mount-commands.js';

/** The `sys/auth/<path>/tune` body from `vault auth tune`'s flags (pure). */
export function authTuneArgs(args: Args): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [flag, field] of [
    ['default-lease-ttl', 'default_lease_ttl'],
    ['max-lease-ttl', 'max_lease_ttl'],
    ['description', 'description'],
    ['listing-visibility', 'listing_visibility'],
    ['token-type', 'token_type'],
  ] as const) {
    const value = optionalString(args, flag);
    // vault's `-1` resets a TTL to the system value.
    if (value !== undefined) body[field] = value === '-1' ? 'system' : value;
  }
  const lockout: Record<string, unknown> = {};
  for (const [flag, field] of [
    ['user-lockout-threshold', 'lockout_threshold'],
    ['user-lockout-duration', 'lockout_duration'],
    ['user-lockout-counter-reset-duration', 'lockout_counter_reset'],
  ] as const) {
    const value = optionalString(args, flag);
    if (value !== undefined) lockout[field] = value;
  }
  if (args['user-lockout-disable'] !== undefined)
    lockout.lockout_disable = args['user-lockout-disable'] === true;
  if (Object.keys(lockout).length > 0) body.user_lockout_config = lockout;
  if (Object.keys(body).length === 0)
    throw usageError('Nothing to tune: give at least one flag (see --help)');
  return body;
}

export function registerAuth(cli: Argv, env: CommandEnv): Argv {
  return cli.command('auth', 'Auth method mounts', (au) =>
    mountKindCommands(au, env, {
      describe: {
        enable: 'Enable an auth method',
        disable: 'Disable an auth method (its tokens are revoked)',
        list: 'List enabled auth methods',
      },
      enableFlags: (y) => y.option('local', { type: 'boolean' }),
      doing: {
        enable: 'enabling auth method',
        disable: 'disabling auth method',
        list: 'listing auth methods',
      },
      enabled: (type, path) => `Success! Enabled ${type} auth method at: ${path}\n`,
      disabled: (path) => `Success! Disabled the auth method (if it existed) at: ${path}\n`,
      enable: (client, path, request) => client.sys.enableAuth(path, request),
      disable: (client, path) => client.sys.disableAuth(path),
      list: (client) => client.sys.listAuth(),
    })
      .command(
        'tune <path>',
        'Tune an auth method (TTLs, description, listing visibility, token type, user lockout)',
        (y) =>
          y
            .positional('path', { type: 'string' })
            .option('default-lease-ttl', { type: 'string' })
            .option('max-lease-ttl', { type: 'string' })
            .option('description', { type: 'string' })
            .option('listing-visibility', { type: 'string' })
            .option('token-type', { type: 'string' })
            .option('user-lockout-threshold', { type: 'string' })
            .option('user-lockout-duration', { type: 'string' })
            .option('user-lockout-counter-reset-duration', { type: 'string' })
            .option('user-lockout-disable', { type: 'boolean' }),
        action(env, async (args) => {
          const path = requiredArg(args, 'path', '<path>');
          const body = authTuneArgs(args);
          await withClient(env, args, 'tuning auth method', async (client) => {
            await client.sys.tuneAuth(path, body);
            env.io.stdout(`Success! Tuned the auth method at: ${normaliseMountPath(path)}\n`);
          });
        }),
      )
      .demandCommand(1, 'auth needs a subcommand: enable, disable, list, tune'),
  );
}
