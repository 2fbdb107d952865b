/** `arca secrets enable | disable | list | tune`: secrets engine mounts (Vault's HTTP API docs). */
import type { Argv } from 'yargs';
import { action, requiredArg, withClient, type CommandEnv } from '../command.js';
import { normaliseMountPath } from '../../api/sys.js';
import { mountKindCommands } from './mount-commands.js';
import { tuneArgs } from './mounts.js';

export function registerSecrets(cli: Argv, env: CommandEnv): Argv {
  return cli.command('secrets', 'Secrets engine mounts', (sec) =>
    mountKindCommands(sec, env, {
      describe: {
        enable: 'Mount a secrets engine',
        disable: 'Unmount a secrets engine (its data is deleted)',
        list: 'List mounted secrets engines',
      },
      enableFlags: (y) =>
        y
          .option('options', { type: 'string' })
          .option('version', { type: 'string' })
          .option('local', { type: 'boolean' })
          .option('seal-wrap', { type: 'boolean' }),
      doing: {
        enable: 'enabling',
        disable: 'disabling secrets engine',
        list: 'listing secrets engines',
      },
      enabled: (type, path) => `Success! Enabled the ${type} secrets engine at: ${path}\n`,
      disabled: (path) => `Success! Disabled the secrets engine (if it existed) at: ${path}\n`,
      enable: (client, path, request) => client.sys.enableMount(path, request),
      disable: (client, path) => client.sys.disableMount(path),
      list: (client) => client.sys.listMounts(),
    })
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
