/**
 * The yargs tree of the `arca` command line: the global flags and one registration per command
 * group. Loaded by main.ts only when the arguments need it (everything but the plain `server`
 * invocations handled by `serverFastPath`), so a server start does not load yargs and every
 * command module (issue 16: startup under 500 ms).
 */
import yargs, { type Argv } from 'yargs';
import type { CommandEnv } from './command.js';
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
import { registerVersion } from './commands/version.js';

/** The yargs tree for `argv` (already normalised by `normaliseArgv`). */
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
