/** `arca secrets enable | disable | list | tune`: secrets engine mounts (vault-api.md §3.1). */
import type { Argv } from 'yargs';
import { action, withClient, requiredArg, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { normaliseMountPath } from '../../api/sys.js';
import { enableMountArgs, formatMounts, tuneArgs } from './mounts.js';

export function registerSecrets(cli: Argv, env: CommandEnv): Argv {
  return cli.command('secrets', 'Secrets engine mounts', (sec) =>
    sec
      .command(
        'enable <type>',
        'Mount a secrets engine',
        (y) =>
          y
            .positional('type', { type: 'string' })
            .option('path', { type: 'string' })
            .option('description', { type: 'string' })
            .option('default-lease-ttl', { type: 'string' })
            .option('max-lease-ttl', { type: 'string' })
            .option('options', { type: 'string' })
            .option('version', { type: 'string' })
            .option('local', { type: 'boolean' })
            .option('seal-wrap', { type: 'boolean' }),
        action(env, async (args) => {
          const type = requiredArg(args, 'type', '<type>');
          const { path, request } = enableMountArgs(args, type);
          await withClient(env, args, 'enabling', async (client) => {
            await client.sys.enableMount(path, request);
            env.io.stdout(`Success! Enabled the ${type} secrets engine at: ${normaliseMountPath(path)}\n`);
          });
        }),
      )
      .command(
        'disable <path>',
        'Unmount a secrets engine (its data is deleted)',
        (y) => y.positional('path', { type: 'string' }),
        action(env, async (args) => {
          const path = requiredArg(args, 'path', '<path>');
          await withClient(env, args, 'disabling secrets engine', async (client) => {
            await client.sys.disableMount(path);
            env.io.stdout(
              `Success! Disabled the secrets engine (if it existed) at: ${normaliseMountPath(path)}\n`,
            );
          });
        }),
      )
      .command(
        'list',
        'List mounted secrets engines',
        (y) => y.option('detailed', { type: 'boolean' }),
        action(env, async (args) => {
          await withClient(env, args, 'listing secrets engines', async (client) => {
            env.io.stdout(
              formatMounts(
                await client.sys.listMounts(),
                args.detailed === true ? 'json' : outputFormat(args, env.io),
              ),
            );
          });
        }),
      )
      .command(
        'tune <path>',
        'Tune a mount (TTLs, description, options)',
        (y) =>
          y
            .positional('path', { type: 'string' })
            .option('default-lease-ttl', { type: 'string' })
            .option('max-lease-ttl', { type: 'string' })
            .option('description', { type: 'string' })
            .option('options', { type: 'string' })
            .option('version', { type: 'string' }),
        action(env, async (args) => {
          const path = requiredArg(args, 'path', '<path>');
          const body = tuneArgs(args);
          await withClient(env, args, 'tuning secrets engine', async (client) => {
            await client.sys.tuneMount(path, body);
            env.io.stdout(`Success! Tuned the secrets engine at: ${normaliseMountPath(path)}\n`);
          });
        }),
      )
      .demandCommand(1, 'secrets needs a subcommand: enable, disable, list, tune'),
  );
}
