/** `arca read <path> [k=v...]`: GET a path (extra `k=v` become query parameters), print the secret. */
import type { Argv } from 'yargs';
import { optionalString, type CommandEnv } from '../command.js';
import { CliError } from '../context.js';
import { formatSecret } from '../output.js';
import { registerPathDataCommand } from './path-data.js';

export function registerRead(cli: Argv, env: CommandEnv): Argv {
  return registerPathDataCommand(cli, env, {
    command: 'read',
    describe: 'Read data from a path',
    doing: (path) => `reading ${path}`,
    run: async (client, path, query, format, args) => {
      const secret = await client.read(path, query as Record<string, string | string[]>);
      if (!secret) throw new CliError(`No value found at ${path}`, 2);
      env.io.stdout(formatSecret(secret, format, optionalString(args, 'field')));
    },
  });
}
