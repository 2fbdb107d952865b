/**
 * `arca audit enable | disable | list | verify`. The first three are Vault's (`sys/audit`, sudo);
 * `verify` is Arca's: it checks the keyed hash chain of audit files (oldest first) and names the
 * first removed, inserted, reordered, edited or truncated line. Keys come from `-key` (hex,
 * repeatable), `-key-file` (repeatable; keys separated by whitespace) and/or the server
 * (`-device`: the device's key and seq, and the key and final seq of each earlier device on the
 * same file, which also catches lines or a segment cut from the end of any segment). A file written by several devices in turn
 * needs the key of each.
 */
import type { Argv } from 'yargs';
import { AuditApi, normaliseAuditPath, type AuditDeviceInfo } from '../../api/audit.js';
import { parseChainKey, verifyAuditFiles } from '../audit-verify.js';
import {
  action,
  withClient,
  listFlag,
  optionalString,
  requiredArg,
  type Args,
  type CommandEnv,
} from '../command.js';
import { CliError, outputFormat, usageError } from '../context.js';
import { formatJson } from '../output.js';

/** `k=v` positionals as device options (values stay strings, as Vault's CLI sends them). */
export function auditOptions(pairs: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`Invalid option "${pair}": expected key=value`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return options;
}

/** The `audit list` table (Vault's columns; -detailed adds replication and options). */
export function formatAuditList(devices: Record<string, AuditDeviceInfo>, detailed: boolean): string {
  const paths = Object.keys(devices).sort();
  if (paths.length === 0) return 'No audit devices are enabled.\n';
  const header = detailed
    ? ['Path', 'Type', 'Description', 'Replication', 'Options']
    : ['Path', 'Type', 'Description'];
  const rows = paths.map((path) => {
    const d = devices[path];
    const base = [path, d.type, d.description === '' ? 'n/a' : d.description];
    if (!detailed) return base;
    const options = Object.entries(d.options ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return [...base, d.local ? 'local' : 'replicated', options === '' ? 'n/a' : options];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('    ')}\n`;
  return (
    line(header) +
    line(widths.map((w, i) => (i === widths.length - 1 ? '-'.repeat(header[i].length) : '-'.repeat(w)))) +
    rows.map(line).join('')
  );
}

function parseKey(text: string): Uint8Array {
  const key = parseChainKey(text);
  if (key === undefined) throw usageError('A chain key must be 64 hex digits');
  return key;
}

async function verifyCommand(env: CommandEnv, args: Args): Promise<number> {
  const files = ((args.files as string[] | undefined) ?? []).map(String);
  if (files.length === 0) throw usageError('Not enough arguments (expected <file...>)');
  const keyTexts = listFlag(args, 'key');
  const keyFiles = listFlag(args, 'key-file');
  const device = optionalString(args, 'device');
  if (keyTexts.length === 0 && keyFiles.length === 0 && device === undefined) {
    throw usageError('A chain key is required: -key, -key-file or -device (they can be combined)');
  }
  for (const keyFile of keyFiles) {
    const text = await env.sources.readFile(keyFile).catch((err: NodeJS.ErrnoException) => {
      throw usageError(`Error reading key file ${keyFile}: ${err.code ?? err.message}`);
    });
    keyTexts.push(...text.split(/\s+/).filter((k) => k !== ''));
  }
  let current: { key: Uint8Array; seq: number } | undefined;
  let retired: { key: Uint8Array; seq: number }[] = [];
  if (device !== undefined) {
    const chain = await withClient(
      env,
      args,
      `reading the chain key of audit device ${normaliseAuditPath(device)}`,
      (client) => new AuditApi(client).chain(device),
    );
    retired = chain.previous.map((p) => ({ key: parseKey(p.key), seq: p.seq }));
    current = { key: parseKey(chain.key), seq: chain.seq };
  }
  const keys = keyTexts.map(parseKey);
  const texts = [];
  for (const name of files) {
    const text = await env.sources.readFile(name).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`Error reading audit file ${name}: ${err.code ?? err.message}`);
    });
    texts.push({ name, text });
  }
  const result = verifyAuditFiles({
    files: texts,
    keys,
    prefix: optionalString(args, 'prefix'),
    device: current,
    retired,
    allowContinuation: args.continued === true,
  });
  if (!result.ok) throw new CliError(`FAILED: ${result.message}`);
  env.io.stdout(`${result.message}\n`);
  return 0;
}

export function registerAudit(cli: Argv, env: CommandEnv): Argv {
  return cli.command('audit', 'Audit devices', (aud) =>
    aud
      .command(
        'enable <type> [options..]',
        'Enable an audit device (file, socket) with key=value options',
        (y) =>
          y
            .positional('type', { type: 'string' })
            .positional('options', { type: 'string', array: true })
            .option('path', { type: 'string' })
            .option('description', { type: 'string' })
            .option('local', { type: 'boolean' }),
        action(env, async (args) => {
          const type = requiredArg(args, 'type', '<type>');
          const path = normaliseAuditPath(optionalString(args, 'path') ?? type);
          const options = auditOptions(((args.options as string[] | undefined) ?? []).map(String));
          await withClient(env, args, 'enabling audit device', async (client) => {
            await new AuditApi(client).enable(path, {
              type,
              description: optionalString(args, 'description') ?? '',
              options,
              local: args.local === true,
            });
            env.io.stdout(`Success! Enabled the ${type} audit device at: ${path}\n`);
          });
        }),
      )
      .command(
        'disable <path>',
        'Disable an audit device (its salt is lost; its chain key is kept for verify)',
        (y) => y.positional('path', { type: 'string' }),
        action(env, async (args) => {
          const path = normaliseAuditPath(requiredArg(args, 'path', '<path>'));
          await withClient(env, args, 'disabling audit device', async (client) => {
            await new AuditApi(client).disable(path);
            env.io.stdout(`Success! Disabled audit device (if it was enabled) at: ${path}\n`);
          });
        }),
      )
      .command(
        'list',
        'List enabled audit devices',
        (y) => y.option('detailed', { type: 'boolean' }),
        action(env, async (args) => {
          await withClient(env, args, 'listing audit devices', async (client) => {
            const devices = await new AuditApi(client).list();
            env.io.stdout(
              outputFormat(args, env.io) === 'json'
                ? formatJson(devices)
                : formatAuditList(devices, args.detailed === true),
            );
          });
        }),
      )
      .command(
        'verify <files..>',
        'Verify the hash chain of audit files (oldest first); exit 1 names the first bad line',
        (y) =>
          y
            .positional('files', { type: 'string', array: true })
            .option('key', { type: 'string', describe: 'chain key (hex); repeat for each segment' })
            .option('key-file', { type: 'string', describe: 'file holding chain keys (hex); repeatable' })
            .option('device', {
              type: 'string',
              describe: "fetch the device's key, earlier keys of its file and current seq from the server",
            })
            .option('prefix', { type: 'string', describe: "the device's prefix option" })
            .option('continued', {
              type: 'boolean',
              describe: 'the first file continues an earlier (rotated) file',
            }),
        action(env, (args) => verifyCommand(env, args)),
      )
      .demandCommand(1, 'audit needs a subcommand: enable, disable, list, verify'),
  );
}
