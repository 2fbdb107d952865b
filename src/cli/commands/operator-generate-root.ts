/**
 * `arca operator generate-root` with the vault CLI's flags and output
 * (`command/operator_generate_root.go`): `-generate-otp`, `-init [-otp=… | -pgp-key=file]`,
 * `-status`, `-cancel`, submitting a share (argument, `-` for stdin, or a hidden prompt) with
 * `-nonce`, and `-decode=<encoded> -otp=<otp>` which prints the root token.
 */
import type { Argv } from 'yargs';
import type { GenerateRootStatus } from '../../api/ceremony.js';
import type { ArcaClient } from '../../api/client.js';
import { randomBase62 } from '../../lib/base62.js';
import { isArcaError } from '../../lib/errors.js';
import { decodeRootToken } from '../../lib/root-token-otp.js';
import { isStdinArg } from '../argv.js';
import { action, failure, optionalString, withClient, type Args, type CommandEnv } from '../command.js';
import { CliError, outputFormat, type OutputFormat } from '../context.js';
import { formatJson, formatTable } from '../output.js';
import { readPgpKeyFile } from '../pgp-key-files.js';

const otpWarning =
  'WARNING! A One-Time-Password has been generated for you and is shown in the OTP field. You will ' +
  'need this value to decode the resulting root token, so keep it safe.\n';

/** vault's status table (no header row: vault prints it with columnOutput). Pure. */
export function formatGenerateRootStatus(s: GenerateRootStatus): string {
  const rows: [string, unknown][] = [
    ['Nonce', s.nonce],
    ['Started', s.started],
    ['Progress', `${s.progress}/${s.required}`],
    ['Complete', s.complete],
  ];
  if (s.pgp_fingerprint) rows.push(['PGP Fingerprint', s.pgp_fingerprint]);
  if (s.encoded_token) rows.push(['Encoded Token', s.encoded_token]);
  else if (s.encoded_root_token) rows.push(['Encoded Root Token', s.encoded_root_token]);
  if (s.otp) rows.push(['OTP', s.otp]);
  if (s.otp_length) rows.push(['OTP Length', s.otp_length]);
  return formatTable(rows).split('\n').slice(2).join('\n');
}

function apiFailure(doing: string, err: unknown): CliError {
  return new CliError(failure(doing, err).message, 2);
}

async function statusOf(client: ArcaClient): Promise<GenerateRootStatus> {
  try {
    return await client.ceremony.generateRootStatus();
  } catch (err) {
    throw apiFailure('getting root generation status', err);
  }
}

function printStatus(env: CommandEnv, status: GenerateRootStatus, format: OutputFormat): void {
  if (format === 'json') return env.io.stdout(formatJson(status));
  if (status.otp) env.io.stderr(otpWarning);
  env.io.stdout(formatGenerateRootStatus(status));
}

async function decode(env: CommandEnv, args: Args, client: ArcaClient, format: OutputFormat): Promise<void> {
  const encoded = optionalString(args, 'decode') ?? '';
  const otp = optionalString(args, 'otp') ?? '';
  if (encoded === '') throw new CliError('Missing encoded value: use -decode=<string> to supply it');
  if (otp === '') throw new CliError('Missing otp: use -otp to supply it');
  await statusOf(client);
  let token: string;
  try {
    token = decodeRootToken(encoded, otp);
  } catch (err) {
    const why = isArcaError(err) ? err.messages.join('; ') : String(err);
    throw new CliError(
      /base64/.test(why) ? `Error decoding base64'd token: ${why}` : `Error xoring token: ${why}`,
    );
  }
  env.io.stdout(format === 'json' ? formatJson({ token }) : `${token}\n`);
}

async function provide(env: CommandEnv, args: Args, client: ArcaClient, format: OutputFormat): Promise<void> {
  const status = await statusOf(client);
  if (!status.started) {
    throw new CliError(
      'No root generation is in progress. Start a root generation by running "arca operator generate-root -init".\n' +
        `WARNING! If starting root generation using the OTP method and generating your own OTP, the length of the OTP string needs to be ${status.otp_length} characters in length.`,
    );
  }
  let key = optionalString(args, 'key') ?? '';
  let nonce = optionalString(args, 'nonce') ?? '';
  if (isStdinArg(key)) {
    key = await env.io.readStdin();
  } else if (key === '') {
    nonce = status.nonce;
    env.io.stdout(`Operation nonce: ${nonce}\n`);
    key = await env.io.promptSecret('Unseal Key (will be hidden): ');
  }
  key = key.trim();
  if (nonce === '') throw new CliError('Missing nonce value: specify it via the -nonce flag');
  let out: GenerateRootStatus;
  try {
    out = await client.ceremony.generateRootUpdate(key, nonce);
  } catch (err) {
    throw apiFailure('posting unseal key', err);
  }
  printStatus(env, out, format);
}

async function run(env: CommandEnv, args: Args): Promise<void> {
  const format = outputFormat(args, env.io);
  await withClient(env, args, 'generating root', async (client) => {
    if (args['generate-otp'] === true) {
      const status = await statusOf(client);
      const otp = randomBase62(status.otp_length);
      return env.io.stdout(format === 'json' ? formatJson({ otp, otp_length: otp.length }) : `${otp}\n`);
    }
    if (optionalString(args, 'decode') !== undefined) return decode(env, args, client, format);
    if (args.cancel === true) {
      try {
        await client.ceremony.generateRootCancel();
      } catch (err) {
        throw apiFailure('canceling root token generation', err);
      }
      return env.io.stdout('Success! Root token generation canceled (if it was started)\n');
    }
    if (args.init === true) {
      const otp = optionalString(args, 'otp') ?? '';
      const pgpFile = optionalString(args, 'pgp-key') ?? '';
      if (otp !== '' && pgpFile !== '')
        throw new CliError('Error initializing: cannot specify both -otp and -pgp-key');
      const pgpKey = pgpFile === '' ? '' : await readPgpKeyFile(pgpFile);
      let status: GenerateRootStatus;
      try {
        status = await client.ceremony.generateRootInit({
          ...(otp === '' ? {} : { otp }),
          ...(pgpKey === '' ? {} : { pgp_key: pgpKey }),
        });
      } catch (err) {
        throw apiFailure('initializing root generation', err);
      }
      return printStatus(env, status, format);
    }
    if (args.status === true) return printStatus(env, await statusOf(client), format);
    return provide(env, args, client, format);
  });
}

/** Registers `operator generate-root`. */
export function registerGenerateRoot(op: Argv, env: CommandEnv): Argv {
  return op.command(
    'generate-root [key]',
    'Generate a new root token from a quorum of unseal key shares',
    (y) =>
      y
        .positional('key', { type: 'string' })
        .option('init', { type: 'boolean' })
        .option('cancel', { type: 'boolean' })
        .option('status', { type: 'boolean' })
        .option('generate-otp', { type: 'boolean' })
        .option('decode', { type: 'string' })
        .option('otp', { type: 'string' })
        .option('pgp-key', { type: 'string' })
        .option('nonce', { type: 'string' }),
    action(env, (args) => run(env, args)),
  );
}
