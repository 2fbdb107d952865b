/** `arca status`: the seal status; exit code 0 unsealed, 2 sealed, 1 error (like vault). */
import type { Argv } from 'yargs';
import { action, failure, type CommandEnv } from '../command.js';
import { clientFor, outputFormat } from '../context.js';
import { formatSealStatus } from './operator.js';

export function registerStatus(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'status',
    'Print the seal status (exit 2 when sealed)',
    (y) => y,
    action(env, async (args) => {
      const format = outputFormat(args, env.io);
      const client = clientFor(args, env.io);
      try {
        const status = await client.sys.sealStatus();
        env.io.stdout(formatSealStatus(status, format));
        return status.sealed ? 2 : 0;
      } catch (err) {
        throw failure('checking seal status', err);
      } finally {
        client.close();
      }
    }),
  );
}
