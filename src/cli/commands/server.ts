/**
 * `arca server -dev | -config=<file>`: starts the server in this process and runs until SIGINT or
 * SIGTERM. In dev mode the root token is also written to ~/.vault-token, as vault does.
 *
 * `serverFastPath` lets main.ts start a server without loading yargs and the other commands
 * (issue 16: startup): it accepts only the plain `--flag=value` / `--dev` forms of this command's
 * own flags and hands everything else (help, unknown or repeated flags, bad values) to yargs, so
 * what the user sees for any other input is unchanged.
 */
import type { Argv } from 'yargs';
import { parseLogLevel } from '../../server/logger.js';
import type { StartServerOptions } from '../../server/main.js';
import { action, failure, optionalString, type Args, type CommandEnv } from '../command.js';
import { writeTokenFile } from '../context.js';

/** Builds `startServer` options from the flags (pure). */
export function serverOptions(args: Args): StartServerOptions {
  const logLevel = optionalString(args, 'log-level');
  return {
    dev: args.dev === true,
    devRootTokenId: optionalString(args, 'dev-root-token-id'),
    devListenAddress: optionalString(args, 'dev-listen-address') ?? '127.0.0.1:8200',
    configFile: optionalString(args, 'config'),
    logLevel: logLevel === undefined ? undefined : parseLogLevel(logLevel),
  };
}

/** The server command's flags and whether each is a boolean (the rest take a string). */
const serverFlags: ReadonlyMap<string, 'boolean' | 'string'> = new Map([
  ['dev', 'boolean'],
  ['dev-root-token-id', 'string'],
  ['dev-listen-address', 'string'],
  ['config', 'string'],
  ['log-level', 'string'],
]);

/**
 * The options of a plain `server` invocation (normalised argv: `server` then only `--dev` and
 * `--name=value` of the server's own flags, each at most once, non-empty values), or undefined when
 * yargs must parse it. Pure; gives the same options as yargs + `serverOptions` for what it accepts.
 */
export function serverFastPath(argv: readonly string[]): StartServerOptions | undefined {
  if (argv[0] !== 'server') return undefined;
  const args: Args = { _: ['server'] };
  for (const arg of argv.slice(1)) {
    const match = /^--([a-z-]+)(?:=([\s\S]+))?$/.exec(arg);
    const kind = match ? serverFlags.get(match[1]) : undefined;
    if (match === null || kind === undefined || match[1] in args) return undefined;
    const value = match[2];
    if ((kind === 'boolean') !== (value === undefined)) return undefined;
    args[match[1]] = kind === 'boolean' ? true : value;
  }
  try {
    return serverOptions(args);
  } catch {
    return undefined; // yargs reports it, with the same message
  }
}

/** Starts the server, prints where it listens, and stops it on SIGINT/SIGTERM (`env.waitForShutdown`). */
export async function runServer(env: CommandEnv, options: StartServerOptions): Promise<void> {
  const server = await env.startServer(options).catch((err: unknown) => {
    throw failure('starting the server', err);
  });
  if (server.devCredentials) writeTokenFile(env.io, server.devCredentials.rootToken);
  env.io.stderr(`Arca server started on ${server.addresses.join(', ')}\n`);
  await env.waitForShutdown();
  env.io.stderr('Shutting down...\n');
  await server.stop();
}

export function registerServer(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'server',
    'Start an Arca server',
    (y) =>
      y
        .option('dev', { type: 'boolean', describe: 'In-memory, auto-unsealed development server' })
        .option('dev-root-token-id', { type: 'string', describe: 'Root token id in dev mode' })
        .option('dev-listen-address', {
          type: 'string',
          describe: 'Dev listener address (default 127.0.0.1:8200)',
        })
        .option('config', { type: 'string', describe: 'Path to an HCL configuration file' })
        .option('log-level', { type: 'string', describe: 'trace, debug, info, warn, error' }),
    action(env, async (args) => {
      let options: StartServerOptions;
      try {
        options = serverOptions(args);
      } catch (err) {
        throw failure('parsing flags', err);
      }
      await runServer(env, options);
    }),
  );
}
