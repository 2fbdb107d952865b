/**
 * `arca unwrap [token]` (vault's): unwraps a response-wrapping token and prints what it held. With
 * no argument the client's own token is the wrapping token; with one, and a different client
 * token, the wrapping token goes in the body (a third-party unwrap), as Vault's Go client does.
 */
import type { Argv } from 'yargs';
import { action, optionalString, withClient, type CommandEnv } from '../command.js';
import { CliError, outputFormat } from '../context.js';
import { formatSecret } from '../output.js';

export function registerUnwrap(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'unwrap [token]',
    'Unwrap a wrapped secret',
    (y) => y.positional('token', { type: 'string' }).option('field', { type: 'string' }),
    action(env, async (args) => {
      const format = outputFormat(args, env.io);
      const wrapping = optionalString(args, 'token')?.trim() ?? '';
      const secret = await withClient(env, args, 'unwrapping', async (client) => {
        // The unwrap answer itself is never wrapped again.
        client.wrapTtl = undefined;
        let body: Record<string, unknown> = {};
        if (wrapping !== '') {
          if (!client.token) client.token = wrapping;
          else if (client.token !== wrapping) body = { token: wrapping };
        }
        return client.write('sys/wrapping/unwrap', body);
      }).catch((err: unknown) => {
        throw err instanceof CliError ? new CliError(err.message, 2) : err;
      });
      if (secret === null) {
        if (format === 'table')
          env.io.stdout('Successfully unwrapped. There was no data in the wrapped secret.\n');
        return 0;
      }
      env.io.stdout(formatSecret(secret, format, optionalString(args, 'field')));
      return 0;
    }),
  );
}
