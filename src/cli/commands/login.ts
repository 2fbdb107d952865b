/**
 * `arca login [-method=token|userpass|approle] [-path=...] [args..]`, as `vault login`:
 * - token (default): `arca login [token | -]`, checked with `auth/token/lookup-self`;
 * - userpass: `username=... [password=...]` (prompted without echo when absent), POST
 *   `auth/<path>/login/<username>`;
 * - approle (beyond the vault CLI, which has no approle handler): `role_id=... secret_id=...`,
 *   POST `auth/<path>/login`;
 * - jwt (beyond the vault CLI, where one writes `auth/jwt/login`): `jwt=... [role=...]` (no role =
 *   the method's `default_role`), POST `auth/<path>/login`.
 * The token is stored in ~/.vault-token (mode 0600) unless `-no-store`; `-token-only` prints only it.
 */
import type { Argv } from 'yargs';
import type { ArcaClient } from '../../api/client.js';
import type { Secret } from '../../api/types.js';
import { isStdinArg } from '../argv.js';
import { action, withClient, optionalString, type Args, type CommandEnv } from '../command.js';
import { outputFormat, usageError, writeTokenFile } from '../context.js';
import { parseDataArgs } from '../data-args.js';
import { authRows, formatJson, formatTable, formatWarnings } from '../output.js';
import { formatGoDuration } from '../../lib/durations.js';

const successText =
  'Success! You are now authenticated. The token information displayed below\n' +
  'is already stored in the token helper. You do NOT need to run "arca login"\n' +
  'again. Future requests will automatically use this token.\n\n';

/** The login request for a non-token method (pure apart from the password prompt). */
export async function methodLogin(
  method: string,
  mountPath: string,
  data: Record<string, unknown>,
  promptPassword: () => Promise<string>,
): Promise<{ path: string; body: Record<string, unknown> }> {
  const mount = mountPath.replace(/^\/+|\/+$/g, '');
  switch (method) {
    case 'userpass': {
      const { username, ...body } = data;
      if (typeof username !== 'string' || username === '') {
        throw usageError(
          'Missing "username" for the userpass method: arca login -method=userpass username=NAME',
        );
      }
      if (body.password === undefined) body.password = await promptPassword();
      return { path: `auth/${mount}/login/${encodeURIComponent(username)}`, body };
    }
    case 'approle':
      if (data.role_id === undefined) throw usageError('Missing "role_id" for the approle method');
      return { path: `auth/${mount}/login`, body: data };
    case 'jwt':
      if (typeof data.jwt !== 'string' || data.jwt === '') {
        throw usageError('Missing "jwt" for the jwt method: arca login -method=jwt role=ROLE jwt=TOKEN');
      }
      return { path: `auth/${mount}/login`, body: data };
    default:
      throw usageError(`Unknown auth method: ${method}. Use "arca auth list" to see the enabled methods.`);
  }
}

function printLogin(env: CommandEnv, args: Args, secret: Secret, token: string): void {
  if (args['token-only'] === true) {
    env.io.stdout(`${token}\n`);
    return;
  }
  if (outputFormat(args, env.io) === 'json') {
    env.io.stdout(formatJson(secret));
    return;
  }
  const intro = args['no-store'] === true ? '' : successText;
  env.io.stdout(intro + formatTable(authRows(secret)) + formatWarnings(secret.warnings));
}

async function tokenLogin(env: CommandEnv, args: Args, positional: string[]): Promise<void> {
  let token: string | undefined = positional[0];
  if (isStdinArg(token)) token = (await env.io.readStdin()).trim();
  if (token === undefined) token = await env.io.promptSecret('Token (will be hidden): ');
  if (token === '') throw usageError('A token must be given');
  const given = token;
  await withClient(
    env,
    args,
    'logging in',
    async (client) => {
      const secret = await client.tokens.lookupSelf();
      const data = secret?.data ?? {};
      if (args['no-store'] !== true) writeTokenFile(env.io, given);
      if (args['token-only'] === true) return env.io.stdout(`${given}\n`);
      if (outputFormat(args, env.io) === 'json') return env.io.stdout(formatJson(secret));
      const ttl = Number(data.ttl ?? 0);
      env.io.stdout(
        successText +
          formatTable([
            ['token', given],
            ['token_accessor', data.accessor],
            ['token_duration', ttl === 0 ? '∞' : formatGoDuration(ttl)],
            ['token_renewable', data.renewable],
            ['token_policies', data.policies],
            ['identity_policies', data.identity_policies ?? []],
            ['policies', data.policies],
          ]),
      );
    },
    given,
  );
}

async function loginWith(client: ArcaClient, path: string, body: Record<string, unknown>): Promise<Secret> {
  const secret = await client.write(path, body);
  if (secret?.auth === undefined || secret.auth === null) throw usageError('No auth information returned');
  return secret;
}

export function registerLogin(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'login [args..]',
    'Authenticate (token, userpass, approle, jwt) and store the token in ~/.vault-token',
    (y) =>
      y
        .positional('args', { type: 'string', array: true })
        .option('method', { type: 'string', default: 'token' })
        .option('path', { type: 'string' })
        .option('no-store', { type: 'boolean' })
        .option('token-only', { type: 'boolean' }),
    action(env, async (args) => {
      const method = optionalString(args, 'method') ?? 'token';
      const positional = ((args.args as string[] | undefined) ?? []).map(String);
      if (method === 'token') return tokenLogin(env, args, positional);
      const data = await parseDataArgs(positional, env.sources);
      const { path, body } = await methodLogin(method, optionalString(args, 'path') ?? method, data, () =>
        env.io.promptSecret('Password (will be hidden): '),
      );
      await withClient(env, args, 'authenticating', async (client) => {
        const secret = await loginWith(client, path, body);
        const token = secret.auth!.client_token;
        if (args['no-store'] !== true) writeTokenFile(env.io, token);
        printLogin(env, args, secret, token);
      });
    }),
  );
}
