#!/usr/bin/env node
/**
 * The `arca` command line (package bin): a yargs root that registers one file per command group
 * and talks to the server only through src/api. Vault-style single-dash flags are normalised first
 * (argv.ts). Exit codes as vault: 0 ok, 1 error, 2 usage error (and `status` when sealed).
 *
 * `runCli` is the testable entry (injected I/O, returns the exit code); the bottom of the file runs
 * it when this module is the process entry point.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { startServer } from '../server/main.js';
import { normaliseArgv } from './argv.js';
import { reportError, type CommandEnv } from './command.js';
import { usageError, type CliIo } from './context.js';
import { promptSecret, readAll } from './prompt.js';
import { registerAudit } from './commands/audit.js';
import { registerAuth } from './commands/auth.js';
import { registerDelete } from './commands/delete.js';
import { registerKv } from './commands/kv.js';
import { registerList } from './commands/list.js';
import { registerLogin } from './commands/login.js';
import { registerOperator } from './commands/operator.js';
import { registerPolicy } from './commands/policy.js';
import { registerRead } from './commands/read.js';
import { registerUnwrap } from './commands/unwrap.js';
import { registerSecrets } from './commands/secrets.js';
import { registerServer } from './commands/server.js';
import { registerStatus } from './commands/status.js';
import { registerToken } from './commands/token.js';
import { registerWrite } from './commands/write.js';
import { isVersionFlag, registerVersion, versionLine } from './commands/version.js';

/** Overrides for tests; everything defaults to the real process. */
export type CliOverrides = Partial<Omit<CommandEnv, 'exitCode' | 'io'>> & { io?: Partial<CliIo> };

/** Runs the CLI on `argv` (without `node` and the script path); resolves to the exit code. */
export async function runCli(argv: readonly string[], overrides: CliOverrides = {}): Promise<number> {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    readStdin: () => readAll(process.stdin),
    promptSecret: (prompt) => promptSecret(prompt),
    homeDir: homedir(),
    ...overrides.io,
  };
  const env: CommandEnv = {
    io,
    sources: overrides.sources ?? {
      readFile: (path) => readFile(path, 'utf8'),
      readStdin: () => io.readStdin(),
    },
    startServer: overrides.startServer ?? startServer,
    waitForShutdown: overrides.waitForShutdown ?? waitForSignal,
    exitCode: 0,
  };
  const normalised = normaliseArgv(argv);
  if (isVersionFlag(normalised)) {
    io.stdout(versionLine());
    return 0;
  }
  const cli = buildCli(normalised, env).fail((message, err) => {
    throw err ?? usageError(`${message}\nRun "arca <command> --help" for usage.`);
  });
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(io, err);
  }
  return env.exitCode;
}

/** The yargs tree (exported for help-text tests). */
export function buildCli(argv: string[], env: CommandEnv): Argv {
  let cli: Argv = yargs(argv)
    .scriptName('arca')
    .usage('Usage: arca <command> [args]')
    .parserConfiguration({ 'parse-positional-numbers': false, 'dot-notation': false })
    .option('address', {
      type: 'string',
      describe: 'Server address (VAULT_ADDR; default http://127.0.0.1:8200)',
      global: true,
    })
    .option('format', {
      type: 'string',
      describe: 'Output format: table or json (VAULT_FORMAT)',
      global: true,
    })
    .option('ca-cert', {
      type: 'string',
      describe: 'CA certificate file to verify the server (VAULT_CACERT)',
      global: true,
    })
    .option('tls-skip-verify', {
      type: 'boolean',
      describe: 'Do not verify TLS certificates (VAULT_SKIP_VERIFY)',
      global: true,
    })
    .option('wrap-ttl', {
      type: 'string',
      describe: 'Wrap the response in a single-use token with this TTL, e.g. 5m (VAULT_WRAP_TTL)',
      global: true,
    })
    .strict()
    .exitProcess(false)
    .demandCommand(1, 'Please specify a command')
    .help()
    .version(false)
    .wrap(100);
  for (const register of [
    registerServer,
    registerOperator,
    registerStatus,
    registerRead,
    registerWrite,
    registerUnwrap,
    registerDelete,
    registerList,
    registerLogin,
    registerToken,
    registerPolicy,
    registerSecrets,
    registerAuth,
    registerAudit,
    registerKv,
    registerVersion,
  ]) {
    cli = register(cli, env);
  }
  return cli;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

const isEntryPoint = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (isEntryPoint) {
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
