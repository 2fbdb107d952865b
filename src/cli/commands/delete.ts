/** `arca delete <path> [k=v...]`: DELETE a path (extra `k=v` become query parameters). */
import type { Argv } from 'yargs';
import { action, withClient, type CommandEnv } from '../command.js';
import { parseDataArgs } from '../data-args.js';

export function registerDelete(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'delete <path> [data..]',
    'Delete data at a path',
    (y) => y.positional('path', { type: 'string' }).positional('data', { type: 'string', array: true }),
    action(env, async (args) => {
      const path = String(args.path);
      const query = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
      await withClient(env, args, `deleting ${path}`, async (client) => {
        await client.delete(path, query as Record<string, string | string[]>);
        env.io.stdout(`Success! Data deleted (if it existed) at: ${path}\n`);
      });
    }),
  );
}
