/**
 * The shape `read` and `write` share: `<verb> <path> [data..]` with `-field`; the path, the parsed
 * `k=v` data (query parameters for read, the body for write) and the output format go to `run`,
 * which talks to the server under `withClient` (`Error <doing(path)>: ...` on failure).
 */
import type { Argv } from 'yargs';
import type { ArcaClient } from '../../api/client.js';
import { action, withClient, type Args, type CommandEnv } from '../command.js';
import { outputFormat, type OutputFormat } from '../context.js';
import { parseDataArgs } from '../data-args.js';

/** What one path-and-data command does with its inputs. */
export interface PathDataCommand {
  command: string;
  describe: string;
  doing(path: string): string;
  run(
    client: ArcaClient,
    path: string,
    data: Record<string, unknown>,
    format: OutputFormat,
    args: Args,
  ): Promise<void>;
}

/** Registers `spec` as `<command> <path> [data..]` with `-field`. */
export function registerPathDataCommand(cli: Argv, env: CommandEnv, spec: PathDataCommand): Argv {
  return cli.command(
    `${spec.command} <path> [data..]`,
    spec.describe,
    (y) =>
      y
        .positional('path', { type: 'string' })
        .positional('data', { type: 'string', array: true })
        .option('field', { type: 'string' }),
    action(env, async (args) => {
      const path = String(args.path);
      const format = outputFormat(args, env.io);
      const data = await parseDataArgs((args.data as string[] | undefined) ?? [], env.sources);
      await withClient(env, args, spec.doing(path), (client) => spec.run(client, path, data, format, args));
    }),
  );
}
