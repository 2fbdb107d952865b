/** `arca status`: the seal status; exit code 0 unsealed, 2 sealed, 1 error (like vault). */
import type { Argv } from 'yargs';
import { action, withClient, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { formatSealStatus } from './operator.js';

export function registerStatus(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'status',
    'Print the seal status (exit 2 when sealed)',
    (y) => y,
    action(env, async (args) => {
      const format = outputFormat(args, env.io);
      return withClient(env, args, 'checking seal status', async (client) => {
        const status = await client.sys.sealStatus();
        env.io.stdout(formatSealStatus(status, format));
        return status.sealed ? 2 : 0;
      });
    }),
  );
}
