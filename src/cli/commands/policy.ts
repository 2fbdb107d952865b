/**
 * `arca policy write | read | list | delete | fmt` (ACL policies, vault-api.md §3.3). `fmt` parses a
 * policy file with the HCL 1 parser (src/lib/hcl1) and rewrites it in canonical form (comments are
 * not preserved).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { parseHcl1 } from '../../lib/hcl1/parser.js';
import { formatHcl1 } from '../../lib/hcl1/printer.js';
import { isStdinArg } from '../argv.js';
import { action, withClient, requiredArg, type CommandEnv } from '../command.js';
import { CliError, outputFormat, usageError } from '../context.js';
import { formatJson } from '../output.js';

/**
 * Canonical HCL for a policy, read as Vault reads policies (HCL 1: a block's `{` may be on the next
 * line). JSON policies come back as indented JSON. Throws a usage error naming the line for bad input.
 */
export async function formatPolicy(text: string): Promise<string> {
  const parsed = parseHcl1(text);
  if (!parsed.ok) {
    throw usageError(`Failed to parse policy: At ${parsed.line}:${parsed.column}: ${parsed.message}`);
  }
  if (!parsed.json) return formatHcl1(parsed.items);
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch (err) {
    throw usageError(`Failed to parse policy: ${(err as Error).message}`);
  }
}

export function registerPolicy(cli: Argv, env: CommandEnv): Argv {
  return cli.command('policy', 'ACL policy operations', (pol) =>
    pol
      .command(
        'write <name> <file>',
        'Upload a policy from a file ("-" for stdin)',
        (y) => y.positional('name', { type: 'string' }).positional('file', { type: 'string' }),
        action(env, async (args) => {
          const name = requiredArg(args, 'name', '<name> <file>');
          const file = requiredArg(args, 'file', '<name> <file>');
          const text = isStdinArg(file)
            ? await env.io.readStdin()
            : await env.sources.readFile(file).catch((err: NodeJS.ErrnoException) => {
                throw usageError(`Error opening policy file ${file}: ${err.code ?? err.message}`);
              });
          await withClient(env, args, 'uploading policy', async (client) => {
            await client.sys.writePolicy(name, text);
            env.io.stdout(`Success! Uploaded policy: ${name}\n`);
          });
        }),
      )
      .command(
        'read <name>',
        'Print a policy',
        (y) => y.positional('name', { type: 'string' }),
        action(env, async (args) => {
          const name = requiredArg(args, 'name', '<name>');
          await withClient(env, args, 'reading policy', async (client) => {
            const policy = await client.sys.readPolicy(name);
            if (policy === null) throw new CliError(`No policy named: ${name}`, 2);
            env.io.stdout(
              outputFormat(args, env.io) === 'json'
                ? formatJson({ name, policy })
                : policy.endsWith('\n')
                  ? policy
                  : `${policy}\n`,
            );
          });
        }),
      )
      .command(
        'list',
        'List policies',
        (y) => y,
        action(env, async (args) => {
          await withClient(env, args, 'listing policies', async (client) => {
            const names = await client.sys.listPolicies();
            env.io.stdout(
              outputFormat(args, env.io) === 'json' ? formatJson(names) : `${names.join('\n')}\n`,
            );
          });
        }),
      )
      .command(
        'delete <name>',
        'Delete a policy',
        (y) => y.positional('name', { type: 'string' }),
        action(env, async (args) => {
          const name = requiredArg(args, 'name', '<name>');
          await withClient(env, args, 'deleting policy', async (client) => {
            await client.sys.deletePolicy(name);
            env.io.stdout(`Success! Deleted policy: ${name}\n`);
          });
        }),
      )
      .command(
        'fmt <file>',
        'Rewrite a policy file in canonical HCL',
        (y) => y.positional('file', { type: 'string' }),
        action(env, async (args) => {
          const file = requiredArg(args, 'file', '<file>');
          const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw usageError(`Error opening policy file ${file}: ${err.code ?? err.message}`);
          });
          await writeFile(file, await formatPolicy(text));
          env.io.stdout(`Success! Formatted policy: ${file}\n`);
        }),
      )
      .demandCommand(1, 'policy needs a subcommand: write, read, list, delete, fmt'),
  );
}
