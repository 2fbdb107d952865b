#!/usr/bin/env node
/**
 * The `arca` command line (package bin): a yargs root (cli-tree.ts) that registers one file per
 * command group and talks to the server only through src/api. Vault-style single-dash flags are
 * normalised first (argv.ts). A plain `arca server ...` starts the server without loading yargs or
 * the other commands (`serverFastPath`: startup time). Exit codes as vault: 0 ok, 1 error, 2 usage
 * error (and `status` when sealed).
 *
 * `runCli` is the testable entry (injected I/O, returns the exit code); the bottom of the file runs
 * it when this module is the process entry point.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StartServerOptions } from '../server/main.js';
import { normaliseArgv } from './argv.js';
import { reportError, type CommandEnv } from './command.js';
import { usageError, type CliIo } from './context.js';
import { runServer, serverFastPath } from './commands/server.js';
import { isVersionFlag, versionLine } from './commands/version.js';

/** Overrides for tests; everything defaults to the real process. */
export type CliOverrides = Partial<Omit<CommandEnv, 'exitCode' | 'io'>> & { io?: Partial<CliIo> };

/** Runs the CLI on `argv` (without `node` and the script path); resolves to the exit code. */
export async function runCli(argv: readonly string[], overrides: CliOverrides = {}): Promise<number> {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    // prompt.ts (node:readline) loads on first use: `arca server` never prompts.
    readStdin: async () => (await import('./prompt.js')).readAll(process.stdin),
    promptSecret: async (prompt) => (await import('./prompt.js')).promptSecret(prompt),
    homeDir: homedir(),
    ...overrides.io,
  };
  const env: CommandEnv = {
    io,
    sources: overrides.sources ?? {
      readFile: (path) => readFile(path, 'utf8'),
      readStdin: () => io.readStdin(),
    },
    startServer: overrides.startServer ?? loadAndStartServer,
    waitForShutdown: overrides.waitForShutdown ?? waitForSignal,
    exitCode: 0,
  };
  const normalised = normaliseArgv(argv);
  if (isVersionFlag(normalised)) {
    io.stdout(versionLine());
    return 0;
  }
  const fast = serverFastPath(normalised);
  if (fast !== undefined) {
    try {
      await runServer(env, fast);
    } catch (err) {
      return reportError(io, err);
    }
    return env.exitCode;
  }
  const { buildCli } = await import('./cli-tree.js');
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

/**
 * The server's modules load only for `server` (other commands need just the HTTP client). A server
 * process also gets its heap policy (heap-policy.ts) as deferred serving work: like the process
 * metrics, it is not on the way to the first request.
 */
async function loadAndStartServer(options: StartServerOptions): ReturnType<CommandEnv['startServer']> {
  const { startServer } = await import('../server/main.js');
  return startServer({
    ...options,
    serving: () => {
      void import('../server/heap-policy.js').then(({ applyServerHeapPolicy }) => applyServerHeapPolicy());
    },
  });
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
