/**
 * The glue every command file uses: the per-run environment (I/O, exit code, the server starter),
 * the action wrapper that turns thrown errors into a message on stderr plus an exit code, and small
 * argument helpers (yargs gives `string | string[]` for repeatable flags).
 */
import type { ArcaClient } from '../api/client.js';
import { isApiError } from '../api/errors.js';
import type { StartServerOptions, RunningServer } from '../server/main.js';
import { CliError, clientFor, usageError, type CliIo, type GlobalArgs } from './context.js';
import type { DataSources } from './data-args.js';

/** One CLI run's environment. */
export interface CommandEnv {
  io: CliIo;
  sources: DataSources;
  /** The server entry point (injected so CLI tests need no core). */
  startServer(options: StartServerOptions): Promise<RunningServer>;
  /** Resolves when the process should stop a running server (SIGINT/SIGTERM). */
  waitForShutdown(): Promise<void>;
  exitCode: number;
}

/** Parsed arguments as yargs hands them over. */
export type Args = GlobalArgs & Record<string, unknown> & { _: (string | number)[] };

/** Wraps a command body: its return value (or 0) becomes the exit code; errors are reported. */
export function action(
  env: CommandEnv,
  body: (args: Args) => Promise<number | void>,
): (args: Args) => Promise<void> {
  return async (args) => {
    try {
      env.exitCode = (await body(args)) ?? 0;
    } catch (err) {
      env.exitCode = reportError(env.io, err);
    }
  };
}

/** Prints an error the vault way and returns its exit code. */
export function reportError(io: CliIo, err: unknown): number {
  if (err instanceof CliError) {
    io.stderr(`${err.message}\n`);
    return err.exitCode;
  }
  io.stderr(`Error: ${(err as Error).message ?? String(err)}\n`);
  return 1;
}

/** `Error <doing> <what>: <server errors>` (exit 1); usage errors pass through. */
export function failure(doing: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isApiError(err)) return new CliError(`Error ${doing}: ${err.message}`);
  return new CliError(`Error ${doing}: ${(err as Error).message ?? String(err)}`);
}

/**
 * Runs `body` with a client for these flags (and `token`, when given, instead of the stored one),
 * always closing it; anything `body` throws becomes {@link failure}`(doing, err)`. The one place
 * the commands' open-try-report-close boilerplate lives.
 */
export async function withClient<T>(
  env: CommandEnv,
  args: Args,
  doing: string,
  body: (client: ArcaClient) => Promise<T>,
  token?: string,
): Promise<T> {
  const client = await clientFor(args, env.io, token);
  try {
    return await body(client);
  } catch (err) {
    throw failure(doing, err);
  } finally {
    client.close();
  }
}

/** A required positional string. */
export function requiredArg(args: Args, name: string, usage: string): string {
  const value = args[name];
  if (typeof value !== 'string' && typeof value !== 'number')
    throw usageError(`Not enough arguments (expected ${usage})`);
  if (value === '') throw usageError(`Not enough arguments (expected ${usage})`);
  return String(value);
}

/** An optional string flag. */
export function optionalString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  return String(Array.isArray(value) ? value[value.length - 1] : value);
}

/** A repeatable flag as a list (also splitting comma-separated values, like vault's -policy). */
export function listFlag(args: Args, name: string): string[] {
  const value = args[name];
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Extra positionals after the named ones (`k=v` data). */
export function restArgs(args: Args, skip: number): string[] {
  return args._.slice(skip).map(String);
}
