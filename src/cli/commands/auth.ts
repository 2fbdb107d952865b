/** `arca auth enable | disable | list`: auth method mounts (vault-api.md §3.2). */
import type { Argv } from 'yargs';
import { action, withClient, requiredArg, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { normaliseMountPath } from '../../api/sys.js';
import { enableMountArgs, formatMounts } from './mounts.js';

export function registerAuth(cli: Argv, env: CommandEnv): Argv {
  return cli.command('auth', 'Auth method mounts', (au) =>
    au
      .command(
        'enable <type>',
        'Enable an auth method',
        (y) =>
          y
            .positional('type', { type: 'string' })
            .option('path', { type: 'string' })
            .option('description', { type: 'string' })
            .option('default-lease-ttl', { type: 'string' })
            .option('max-lease-ttl', { type: 'string' })
            .option('local', { type: 'boolean' }),
        action(env, async (args) => {
          const type = requiredArg(args, 'type', '<type>');
          const { path, request } = enableMountArgs(args, type);
          await withClient(env, args, 'enabling auth method', async (client) => {
            await client.sys.enableAuth(path, request);
            env.io.stdout(`Success! Enabled ${type} auth method at: ${normaliseMountPath(path)}\n`);
          });
        }),
      )
      .command(
        'disable <path>',
        'Disable an auth method (its tokens are revoked)',
        (y) => y.positional('path', { type: 'string' }),
        action(env, async (args) => {
          const path = requiredArg(args, 'path', '<path>');
          await withClient(env, args, 'disabling auth method', async (client) => {
            await client.sys.disableAuth(path);
            env.io.stdout(
              `Success! Disabled the auth method (if it existed) at: ${normaliseMountPath(path)}\n`,
            );
          });
        }),
      )
      .command(
        'list',
        'List enabled auth methods',
        (y) => y.option('detailed', { type: 'boolean' }),
        action(env, async (args) => {
          await withClient(env, args, 'listing auth methods', async (client) => {
            env.io.stdout(
              formatMounts(
                await client.sys.listAuth(),
                args.detailed === true ? 'json' : outputFormat(args, env.io),
              ),
            );
          });
        }),
      )
      .demandCommand(1, 'auth needs a subcommand: enable, disable, list'),
  );
}
