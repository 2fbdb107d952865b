/** `arca auth enable | disable | list`: auth method mounts (vault-api.md §3.2). */
import type { Argv } from 'yargs';
import { action, failure, requiredArg, type CommandEnv } from '../command.js';
import { clientFor, outputFormat } from '../context.js';
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
          const client = clientFor(args, env.io);
          try {
            await client.sys.enableAuth(path, request);
            env.io.stdout(`Success! Enabled ${type} auth method at: ${normaliseMountPath(path)}\n`);
          } catch (err) {
            throw failure('enabling auth method', err);
          } finally {
            client.close();
          }
        }),
      )
      .command(
        'disable <path>',
        'Disable an auth method (its tokens are revoked)',
        (y) => y.positional('path', { type: 'string' }),
        action(env, async (args) => {
          const path = requiredArg(args, 'path', '<path>');
          const client = clientFor(args, env.io);
          try {
            await client.sys.disableAuth(path);
            env.io.stdout(
              `Success! Disabled the auth method (if it existed) at: ${normaliseMountPath(path)}\n`,
            );
          } catch (err) {
            throw failure('disabling auth method', err);
          } finally {
            client.close();
          }
        }),
      )
      .command(
        'list',
        'List enabled auth methods',
        (y) => y.option('detailed', { type: 'boolean' }),
        action(env, async (args) => {
          const client = clientFor(args, env.io);
          try {
            env.io.stdout(
              formatMounts(
                await client.sys.listAuth(),
                args.detailed === true ? 'json' : outputFormat(args, env.io),
              ),
            );
          } catch (err) {
            throw failure('listing auth methods', err);
          } finally {
            client.close();
          }
        }),
      )
      .demandCommand(1, 'auth needs a subcommand: enable, disable, list'),
  );
}
