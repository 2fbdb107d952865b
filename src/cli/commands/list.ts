/** `arca list <path>`: LIST the keys under a path. Exit 2 with a message when there are none. */
import type { Argv } from 'yargs';
import { action, withClient, type CommandEnv } from '../command.js';
import { CliError, outputFormat } from '../context.js';
import { formatJson, formatKeys } from '../output.js';

export function registerList(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'list <path>',
    'List keys under a path',
    (y) => y.positional('path', { type: 'string' }),
    action(env, async (args) => {
      const path = String(args.path);
      const format = outputFormat(args, env.io);
      await withClient(env, args, `listing ${path}`, async (client) => {
        const keys = (await client.list(path))?.data?.keys;
        if (!keys || keys.length === 0) throw new CliError(`No value found at ${path}`, 2);
        env.io.stdout(format === 'json' ? formatJson(keys) : formatKeys(keys));
      });
    }),
  );
}
