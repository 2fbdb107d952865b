/**
 * `arca operator init | unseal | seal`: the seal lifecycle (Vault's HTTP API docs).
 * `unseal` takes the key share as an argument or prompts for it without echo.
 */
import type { Argv } from 'yargs';
import type { InitRequest, InitResponse, SealStatus } from '../../api/types.js';
import { action, listFlag, withClient, optionalString, type Args, type CommandEnv } from '../command.js';
import { outputFormat, usageError } from '../context.js';
import { formatJson, formatTable } from '../output.js';
import { registerClusterOperator } from './operator-raft.js';
import { registerGenerateRoot } from './operator-generate-root.js';
import { registerRekey } from './operator-rekey.js';
import { readPgpKeyFile, readPgpKeyFiles } from '../pgp-key-files.js';

/** The `sys/init` body from `-key-shares` / `-key-threshold` (defaults 5 / 3, like vault). Pure. */
export function initRequest(args: Args): InitRequest {
  const shares = Number(args['key-shares'] ?? 5);
  const threshold = Number(args['key-threshold'] ?? 3);
  if (!Number.isInteger(shares) || shares < 1) throw usageError('-key-shares must be a positive integer');
  if (!Number.isInteger(threshold) || threshold < 1)
    throw usageError('-key-threshold must be a positive integer');
  if (threshold > shares) throw usageError('-key-threshold cannot be larger than -key-shares');
  return { secret_shares: shares, secret_threshold: threshold };
}

/** `operator init` output: vault's text, or its JSON shape. Pure. */
export function formatInit(result: InitResponse, request: InitRequest, format: 'table' | 'json'): string {
  if (format === 'json') {
    return formatJson({
      unseal_keys_b64: result.keys_base64,
      unseal_keys_hex: result.keys,
      unseal_shares: request.secret_shares,
      unseal_threshold: request.secret_threshold,
      recovery_keys_b64: [],
      recovery_keys_hex: [],
      recovery_keys_shares: 0,
      recovery_keys_threshold: 0,
      root_token: result.root_token,
    });
  }
  const lines = result.keys_base64.map((key, i) => `Unseal Key ${i + 1}: ${key}`);
  return (
    [
      ...lines,
      '',
      `Initial Root Token: ${result.root_token}`,
      '',
      `Vault initialized with ${request.secret_shares} key shares and a key threshold of ${request.secret_threshold}. Please securely`,
      'distribute the key shares printed above. When the Vault is re-sealed,',
      `restarted, or stopped, you must supply at least ${request.secret_threshold} of these keys to unseal it`,
      'before it can start servicing requests.',
    ].join('\n') + '\n'
  );
}

/** The seal-status table (`status`, `operator unseal`). Pure. */
export function formatSealStatus(status: SealStatus, format: 'table' | 'json'): string {
  if (format === 'json') return formatJson(status);
  const rows: [string, unknown][] = [
    ['Seal Type', status.type],
    ['Initialized', status.initialized],
    ['Sealed', status.sealed],
    ['Total Shares', status.n],
    ['Threshold', status.t],
  ];
  if (status.sealed)
    rows.push(['Unseal Progress', `${status.progress}/${status.t}`], ['Unseal Nonce', status.nonce || 'n/a']);
  rows.push(['Version', status.version], ['Storage Type', status.storage_type ?? 'n/a']);
  if (status.cluster_name) rows.push(['Cluster Name', status.cluster_name]);
  if (status.cluster_id) rows.push(['Cluster ID', status.cluster_id]);
  return formatTable(rows);
}

export function registerOperator(cli: Argv, env: CommandEnv): Argv {
  return cli.command('operator', 'Operator commands (init, unseal, seal, raft, step-down, members)', (op) =>
    registerGenerateRoot(registerRekey(registerClusterOperator(op, env), env), env)
      .command(
        'init',
        'Initialise the server (generates unseal key shares and the root token)',
        (y) =>
          y
            .option('key-shares', { type: 'number' })
            .option('key-threshold', { type: 'number' })
            .option('pgp-keys', { type: 'string' })
            .option('root-token-pgp-key', { type: 'string' }),
        action(env, async (args) => {
          const request = initRequest(args);
          const pgpKeys = await readPgpKeyFiles(listFlag(args, 'pgp-keys'));
          if (pgpKeys.length > 0) request.pgp_keys = pgpKeys;
          const rootKeyFile = optionalString(args, 'root-token-pgp-key');
          if (rootKeyFile) request.root_token_pgp_key = await readPgpKeyFile(rootKeyFile);
          const format = outputFormat(args, env.io);
          await withClient(env, args, 'initializing', async (client) => {
            env.io.stdout(formatInit(await client.sys.init(request), request, format));
          });
        }),
      )
      .command(
        'unseal [key]',
        'Submit one unseal key share (prompted without echo when not given)',
        (y) => y.positional('key', { type: 'string' }).option('reset', { type: 'boolean' }),
        action(env, async (args) => {
          const format = outputFormat(args, env.io);
          await withClient(env, args, 'unsealing', async (client) => {
            let status: SealStatus;
            if (args.reset === true) {
              status = await client.sys.unsealReset();
            } else {
              const key =
                optionalString(args, 'key') ?? (await env.io.promptSecret('Unseal Key (will be hidden): '));
              if (key === '') throw usageError('Missing unseal key');
              status = await client.sys.unseal(key);
            }
            env.io.stdout(formatSealStatus(status, format));
          });
        }),
      )
      .command(
        'seal',
        'Seal the server (requires a root or sudo token)',
        (y) => y,
        action(env, async (args) => {
          await withClient(env, args, 'sealing', async (client) => {
            await client.sys.seal();
            env.io.stdout('Success! Vault is sealed.\n');
          });
        }),
      )
      .demandCommand(
        1,
        'operator needs a subcommand: init, unseal, seal, rekey, generate-root, raft, step-down, members',
      ),
  );
}
