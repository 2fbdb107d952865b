/** `arca write <path> [k=v | k=@file | k=- | - ...]`: PUT data to a path, print the response if any. */
import type { Argv } from 'yargs';
import { optionalString, type CommandEnv } from '../command.js';
import { formatSecret } from '../output.js';
import { registerPathDataCommand } from './path-data.js';

export function registerWrite(cli: Argv, env: CommandEnv): Argv {
  return registerPathDataCommand(cli, env, {
    command: 'write',
    describe: 'Write data to a path',
    doing: (path) => `writing data to ${path}`,
    run: async (client, path, data, format, args) => {
      const secret = await client.write(path, data);
      if (!secret) env.io.stdout(`Success! Data written to: ${path}\n`);
      else env.io.stdout(formatSecret(secret, format, optionalString(args, 'field')));
    },
  });
}
