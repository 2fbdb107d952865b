/**
 * `arca login [token | -]`: token login. The token is checked with `auth/token/lookup-self` and
 * then stored in ~/.vault-token (mode 0600) for later commands. Prompted without echo when absent.
 */
import type { Argv } from 'yargs';
import { isStdinArg } from '../argv.js';
import { action, withClient, optionalString, type CommandEnv } from '../command.js';
import { outputFormat, usageError, writeTokenFile } from '../context.js';
import { formatJson, formatTable } from '../output.js';
import { formatGoDuration } from '../../lib/durations.js';

export function registerLogin(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'login [token]',
    'Authenticate with a token and store it in ~/.vault-token',
    (y) => y.positional('token', { type: 'string' }).option('method', { type: 'string', default: 'token' }),
    action(env, async (args) => {
      const method = optionalString(args, 'method') ?? 'token';
      if (method !== 'token') throw usageError(`Unsupported login method "${method}" (supported: token)`);
      const format = outputFormat(args, env.io);
      let token = optionalString(args, 'token');
      if (isStdinArg(token)) token = (await env.io.readStdin()).trim();
      if (token === undefined) token = await env.io.promptSecret('Token (will be hidden): ');
      if (token === '') throw usageError('A token must be given');
      return withClient(
        env,
        args,
        'logging in',
        async (client) => {
          const secret = await client.tokens.lookupSelf();
          const data = secret?.data ?? {};
          writeTokenFile(env.io, token);
          if (format === 'json') {
            env.io.stdout(formatJson(secret));
            return;
          }
          const ttl = Number(data.ttl ?? 0);
          env.io.stdout(
            'Success! You are now authenticated. The token information displayed below\n' +
              'is already stored in the token helper. You do NOT need to run "arca login"\n' +
              'again. Future requests will automatically use this token.\n\n' +
              formatTable([
                ['token', token],
                ['token_accessor', data.accessor],
                ['token_duration', ttl === 0 ? '∞' : formatGoDuration(ttl)],
                ['token_renewable', data.renewable],
                ['token_policies', data.policies],
                ['identity_policies', data.identity_policies ?? []],
                ['policies', data.policies],
              ]),
          );
        },
        token,
      );
    }),
  );
}
