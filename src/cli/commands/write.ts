/** `arca write <path> [k=v | k=@file | k=- | - ...]`: PUT data to a path, print the response if any. */
import type { Argv } from 'yargs';
import { action, withClient, optionalString, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { parseDataArgs } from '../data-args.js';
import { formatSecret } from '../output.js';

export function registerWrite(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'write <path> [data..]',
    'Write data to a path',
    (y) =>
      y
        .positional('path', { type: 'string' })
        .positional('data', { type: 'string', array: true })
        .option('field', { type: 'string' }),
    action(env, async (args) => {
      const path = String(args.path);
      const format = outputFormat(args, env.io);
      const data = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
      await withClient(env, args, `writing data to ${path}`, async (client) => {
        const secret = await client.write(path, data);
        if (!secret) env.io.stdout(`Success! Data written to: ${path}\n`);
        else env.io.stdout(formatSecret(secret, format, optionalString(args, 'field')));
      });
    }),
  );
}
