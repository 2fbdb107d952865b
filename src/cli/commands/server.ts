/**
 * `arca server -dev | -config=<file>`: starts the server in this process and runs until SIGINT or
 * SIGTERM. In dev mode the root token is also written to ~/.vault-token, as vault does.
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
      const server = await env.startServer(options).catch((err: unknown) => {
        throw failure('starting the server', err);
      });
      if (server.devCredentials) writeTokenFile(env.io, server.devCredentials.rootToken);
      env.io.stderr(`Arca server started on ${server.addresses.join(', ')}\n`);
      await env.waitForShutdown();
      env.io.stderr('Shutting down...\n');
      await server.stop();
    }),
  );
}
