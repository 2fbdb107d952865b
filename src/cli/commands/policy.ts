/**
 * `arca policy write | read | list | delete | fmt` (ACL policies, Vault's HTTP API docs). `fmt` parses a
 * policy file with the HCL parser and rewrites it in canonical form (comments are not preserved).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { isStdinArg } from '../argv.js';
import { action, withClient, requiredArg, type CommandEnv } from '../command.js';
import { CliError, outputFormat, usageError } from '../context.js';
import { formatJson } from '../output.js';

/** Canonical HCL for a policy (pure apart from the wasm parser). Throws a usage error for bad HCL. */
export async function formatPolicy(text: string, filename = 'policy.hcl'): Promise<string> {
  let parsed: Record<string, unknown>;
  try {
    parsed = await parseHcl(filename, text);
  } catch (err) {
    throw usageError(`Failed to parse policy: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'path' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [path, bodies] of Object.entries(value as Record<string, unknown>)) {
        for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
          out.push(`path ${JSON.stringify(path)} {`);
          for (const [attr, attrValue] of Object.entries(body as Record<string, unknown>))
            out.push(`  ${attr} = ${hclValue(attrValue, 1)}`);
          out.push('}', '');
        }
      }
    } else {
      out.push(`${key} = ${hclValue(value, 0)}`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function hclValue(value: unknown, depth: number): string {
  if (Array.isArray(value)) return `[${value.map((v) => hclValue(v, depth)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const pad = '  '.repeat(depth + 1);
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pad}${JSON.stringify(k)} = ${hclValue(v, depth + 1)}`,
    );
    return entries.length === 0 ? '{}' : `{\n${entries.join('\n')}\n${'  '.repeat(depth)}}`;
  }
  return JSON.stringify(value);
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
          await writeFile(file, await formatPolicy(text, file));
          env.io.stdout(`Success! Formatted policy: ${file}\n`);
        }),
      )
      .demandCommand(1, 'policy needs a subcommand: write, read, list, delete, fmt'),
  );
}
