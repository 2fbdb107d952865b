/**
 * `arca operator rekey` with the vault CLI's flags and output (`command/operator_rekey.go`):
 * `-init [-key-shares -key-threshold -pgp-keys -backup -verify]`, `-status`, `-cancel`,
 * `-backup-retrieve`, `-backup-delete`, and submitting a share (argument, `-` for stdin, or a
 * hidden prompt) with `-nonce`; `-verify` turns status, cancel and submission to the verification
 * of the new shares. Only `-target=barrier` exists (no auto-unseal, so no recovery keys).
 */
import type { Argv } from 'yargs';
import type { RekeyStatus, RekeyVerifyStatus } from '../../api/ceremony.js';
import type { ArcaClient } from '../../api/client.js';
import { isStdinArg } from '../argv.js';
import {
  action,
  failure,
  listFlag,
  optionalString,
  withClient,
  type Args,
  type CommandEnv,
} from '../command.js';
import { CliError, outputFormat, type OutputFormat } from '../context.js';
import { formatJson, formatTable } from '../output.js';
import { readPgpKeyFiles } from '../pgp-key-files.js';

/** The status table of an attempt, or of its verification. Pure. */
export function formatRekeyStatus(status: RekeyStatus | RekeyVerifyStatus, verify: boolean): string {
  if (verify) {
    const s = status;
    return formatTable([
      ['Nonce', s.nonce],
      ['Started', s.started ?? false],
      ['New Shares', s.n ?? 0],
      ['New Threshold', s.t ?? 0],
      ['Verification Progress', `${s.progress ?? 0}/${s.t ?? 0}`],
    ]);
  }
  const s = status as RekeyStatus;
  const rows: [string, unknown][] = [
    ['Nonce', s.nonce],
    ['Started', s.started],
  ];
  if (s.started) {
    rows.push(
      ['Rekey Progress', `${s.progress}/${s.required}`],
      ['New Shares', s.n],
      ['New Threshold', s.t],
      ['Verification Required', s.verification_required],
    );
  }
  if ((s.pgp_fingerprints ?? []).length > 0)
    rows.push(['PGP Fingerprints', s.pgp_fingerprints], ['Backup', s.backup]);
  return formatTable(rows);
}

/** The new keys and vault's closing text after the last share. Pure. */
export function formatRekeyKeys(done: RekeyStatus, started: RekeyStatus): string {
  const keys = done.keys_base64 ?? done.keys ?? [];
  const fps = done.pgp_fingerprints ?? [];
  const lines = [''];
  keys.forEach((key, i) =>
    lines.push(
      fps.length > 0 ? `Key ${i + 1} fingerprint: ${fps[i]}; value: ${key}` : `Key ${i + 1}: ${key}`,
    ),
  );
  lines.push('', `Operation nonce: ${done.nonce}`);
  if (fps.length > 0 && done.backup) {
    lines.push(
      '',
      'The encrypted unseal keys are backed up (behind the barrier). Retrieve them with ' +
        '"arca operator rekey -backup-retrieve" and remove them with "arca operator rekey -backup-delete".',
    );
  }
  const { n, t } = started;
  if (!done.verification_required) {
    lines.push(
      '',
      `Vault rekeyed with ${n} key shares and a key threshold of ${t}. Please securely distribute the ` +
        'key shares printed above. When Vault is re-sealed, restarted, or stopped, you must supply ' +
        `at least ${t} of these keys to unseal it before it can start servicing requests.`,
    );
  } else {
    lines.push(
      '',
      `Vault has created a new key, split into ${n} key shares and a key threshold of ${t}. These will ` +
        'not be active until after verification is complete. Please securely distribute the key shares ' +
        'printed above. When Vault is re-sealed, restarted, or stopped, you must supply at least ' +
        `${t} of these keys to unseal it before it can start servicing requests.`,
      '',
      'WARNING! Again, these key shares are _not_ valid until verification is performed. Do not lose ' +
        'or discard your current key shares until after verification is complete or you will be ' +
        'unable to unseal Vault. If you cancel the rekey process or seal Vault before verification is ' +
        'complete the new shares will be discarded and the current shares will remain valid.',
      '',
      'WARNING! The current verification status, including initial nonce, is shown below.',
      '',
    );
  }
  return lines.join('\n') + '\n';
}

/** An API failure of a rekey step: vault exits 2 with `Error <doing>: <errors>`. */
function apiFailure(doing: string, err: unknown): CliError {
  const f = failure(doing, err);
  return new CliError(f.message, 2);
}

async function init(env: CommandEnv, args: Args, client: ArcaClient, format: OutputFormat): Promise<void> {
  const pgpKeys = await readPgpKeyFiles(listFlag(args, 'pgp-keys'));
  let status: RekeyStatus;
  try {
    status = await client.ceremony.rekeyInit({
      secret_shares: Number(args['key-shares'] ?? 5),
      secret_threshold: Number(args['key-threshold'] ?? 3),
      pgp_keys: pgpKeys,
      backup: args.backup === true,
      require_verification: args.verify === true,
    });
  } catch (err) {
    throw apiFailure('initializing rekey', err);
  }
  if (format === 'json') return env.io.stdout(formatJson(status));
  if (pgpKeys.length === 0) {
    env.io.stderr(
      'WARNING! If you lose the keys after they are returned, there is no recovery. Consider ' +
        'canceling this operation and re-initializing with the -pgp-keys flag to protect the returned ' +
        'unseal keys along with -backup to allow recovery of the encrypted keys in case of emergency.\n\n',
    );
  }
  env.io.stdout(formatRekeyStatus(status, false));
}

async function provide(env: CommandEnv, args: Args, client: ArcaClient, format: OutputFormat): Promise<void> {
  const verify = args.verify === true;
  let status: RekeyStatus | RekeyVerifyStatus;
  try {
    status = verify ? await client.ceremony.rekeyVerifyStatus() : await client.ceremony.rekeyStatus();
  } catch (err) {
    throw apiFailure('getting rekey status', err);
  }
  if (status.started !== true) {
    throw new CliError(
      'No rekey is in progress. Start a rekey process by running "arca operator rekey -init".',
    );
  }
  let key = optionalString(args, 'key') ?? '';
  let nonce = optionalString(args, 'nonce') ?? '';
  if (isStdinArg(key)) {
    key = await env.io.readStdin();
  } else if (key === '') {
    nonce = status.nonce;
    env.io.stdout(`Rekey operation nonce: ${nonce}\n`);
    key = await env.io.promptSecret('Unseal Key (will be hidden): ');
  }
  key = key.trim();
  if (nonce === '') throw new CliError('Missing nonce value: specify it via the -nonce flag');
  let out: RekeyStatus | RekeyVerifyStatus;
  try {
    out = verify
      ? await client.ceremony.rekeyVerifyUpdate(key, nonce)
      : await client.ceremony.rekeyUpdate(key, nonce);
  } catch (err) {
    throw apiFailure('posting unseal key', err);
  }
  if (out.complete !== true) return status_(env, client, verify, format);
  if (verify) return env.io.stdout('Rekey verification successful.\n');
  if (format === 'json') return env.io.stdout(formatJson(out));
  env.io.stdout(formatRekeyKeys(out as RekeyStatus, status as RekeyStatus));
  if ((out as RekeyStatus).verification_required) await status_(env, client, true, format);
}

async function status_(
  env: CommandEnv,
  client: ArcaClient,
  verify: boolean,
  format: OutputFormat,
): Promise<void> {
  let status: RekeyStatus | RekeyVerifyStatus;
  try {
    status = verify ? await client.ceremony.rekeyVerifyStatus() : await client.ceremony.rekeyStatus();
  } catch (err) {
    throw apiFailure('reading rekey status', err);
  }
  env.io.stdout(format === 'json' ? formatJson(status) : formatRekeyStatus(status, verify));
}

async function run(env: CommandEnv, args: Args): Promise<void> {
  const format = outputFormat(args, env.io);
  const target = (optionalString(args, 'target') ?? 'barrier').toLowerCase();
  if (target !== 'barrier') throw new CliError(`Unknown target: ${target} (Arca has no recovery keys)`);
  await withClient(env, args, 'rekeying', async (client) => {
    if (args['backup-delete'] === true) {
      try {
        await client.ceremony.rekeyBackupDelete();
      } catch (err) {
        throw apiFailure('deleting rekey stored keys', err);
      }
      return env.io.stdout('Success! Delete stored keys (if they existed)\n');
    }
    if (args['backup-retrieve'] === true) {
      let backup;
      try {
        backup = await client.ceremony.rekeyBackup();
      } catch (err) {
        throw apiFailure('retrieving rekey stored keys', err);
      }
      if (format === 'json') return env.io.stdout(formatJson(backup));
      return env.io.stdout(
        formatTable([
          ['nonce', backup.nonce],
          ['keys', backup.keys],
          ['keys_base64', backup.keys_base64],
        ]),
      );
    }
    if (args.cancel === true) {
      try {
        if (args.verify === true) await client.ceremony.rekeyVerifyCancel();
        else await client.ceremony.rekeyCancel();
      } catch (err) {
        throw apiFailure('canceling rekey', err);
      }
      return env.io.stdout('Success! Canceled rekeying (if it was started)\n');
    }
    if (args.init === true) return init(env, args, client, format);
    if (args.status === true) return status_(env, client, args.verify === true, format);
    return provide(env, args, client, format);
  });
}

/** Registers `operator rekey`. */
export function registerRekey(op: Argv, env: CommandEnv): Argv {
  return op.command(
    'rekey [key]',
    'Generate new unseal key shares (a quorum of the current ones authorises it)',
    (y) =>
      y
        .positional('key', { type: 'string' })
        .option('init', { type: 'boolean' })
        .option('cancel', { type: 'boolean' })
        .option('status', { type: 'boolean' })
        .option('key-shares', { type: 'number' })
        .option('key-threshold', { type: 'number' })
        .option('nonce', { type: 'string' })
        .option('pgp-keys', { type: 'string' })
        .option('backup', { type: 'boolean' })
        .option('verify', { type: 'boolean' })
        .option('target', { type: 'string' })
        .option('backup-retrieve', { type: 'boolean' })
        .option('backup-delete', { type: 'boolean' }),
    action(env, (args) => run(env, args)),
  );
}
