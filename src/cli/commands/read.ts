/** `arca read <path> [k=v...]`: GET a path (extra `k=v` become query parameters), print the secret. */
import type { Argv } from 'yargs';
import { action, withClient, optionalString, type CommandEnv } from '../command.js';
import { CliError, outputFormat } from '../context.js';
import { parseDataArgs } from '../data-args.js';
import { formatSecret } from '../output.js';

export function registerRead(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'read <path> [data..]',
    'Read data from a path',
    (y) =>
      y
        .positional('path', { type: 'string' })
        .positional('data', { type: 'string', array: true })
        .option('field', { type: 'string' }),
    action(env, async (args) => {
      const path = String(args.path);
      const format = outputFormat(args, env.io);
      const query = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
      await withClient(env, args, `reading ${path}`, async (client) => {
        const secret = await client.read(path, query as Record<string, string | string[]>);
        if (!secret) throw new CliError(`No value found at ${path}`, 2);
        env.io.stdout(formatSecret(secret, format, optionalString(args, 'field')));
      });
    }),
  );
}
