/**
 * `arca version`, `arca -version`, `arca --version`, `arca -v`: prints the CLI's version the way
 * `vault version` does (`Arca v0.1.0`). Local only: it never contacts a server.
 */
import type { Argv } from 'yargs';
import { arcaVersion } from '../../lib/version.js';
import { action, type CommandEnv } from '../command.js';

/** The line `arca version` prints. */
export function versionLine(): string {
  return `Arca v${arcaVersion}\n`;
}

/** True when the (normalised) argv asks for the version with a top-level flag, as `vault -version`. */
export function isVersionFlag(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');
}

export function registerVersion(cli: Argv, env: CommandEnv): Argv {
  return cli.command(
    'version',
    'Print the Arca version',
    (y) => y,
    action(env, async () => {
      env.io.stdout(versionLine());
    }),
  );
}
