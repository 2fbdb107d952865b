/** `arca auth enable | disable | list`: auth method mounts (Vault's HTTP API docs). */
import type { Argv } from 'yargs';
import type { CommandEnv } from '../command.js';
import { mountKindCommands } from './mount-commands.js';

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
    }).demandCommand(1, 'auth needs a subcommand: enable, disable, list'),
  );
}
