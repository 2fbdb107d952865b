/**
 * `enable | disable | list` as shared by `arca secrets` and `arca auth`: both manage a mount table
 * with the same flags and output, differing only in the endpoints and the words they print.
 */
import type { Argv } from 'yargs';
import type { ArcaClient } from '../../api/client.js';
import { normaliseMountPath } from '../../api/sys.js';
import type { EnableMountRequest, MountEntry } from '../../api/types.js';
import { action, requiredArg, withClient, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { enableMountArgs, formatMounts } from './mounts.js';

/** What differs between the secrets-engine and the auth-method mount tables. */
export interface MountKind {
  /** Command descriptions for `enable`, `disable`, `list`. */
  describe: { enable: string; disable: string; list: string };
  /** Flags `enable` takes beyond `type`, `-path`, `-description`, the TTLs and `-local`. */
  enableFlags(y: Argv): Argv;
  /** The `doing` words of each command's error message (`Error <doing>: ...`). */
  doing: { enable: string; disable: string; list: string };
  /** The success lines (path already normalised to `x/`). */
  enabled(type: string, path: string): string;
  disabled(path: string): string;
  enable(client: ArcaClient, path: string, request: EnableMountRequest): Promise<void>;
  disable(client: ArcaClient, path: string): Promise<void>;
  list(client: ArcaClient): Promise<Record<string, MountEntry>>;
}

/** Adds `enable <type>`, `disable <path>` and `list` for `kind` to the command group `y`. */
export function mountKindCommands(y: Argv, env: CommandEnv, kind: MountKind): Argv {
  return y
    .command(
      'enable <type>',
      kind.describe.enable,
      (c) =>
        kind.enableFlags(
          c
            .positional('type', { type: 'string' })
            .option('path', { type: 'string' })
            .option('description', { type: 'string' })
            .option('default-lease-ttl', { type: 'string' })
            .option('max-lease-ttl', { type: 'string' }),
        ),
      action(env, async (args) => {
        const type = requiredArg(args, 'type', '<type>');
        const { path, request } = enableMountArgs(args, type);
        await withClient(env, args, kind.doing.enable, async (client) => {
          await kind.enable(client, path, request);
          env.io.stdout(kind.enabled(type, normaliseMountPath(path)));
        });
      }),
    )
    .command(
      'disable <path>',
      kind.describe.disable,
      (c) => c.positional('path', { type: 'string' }),
      action(env, async (args) => {
        const path = requiredArg(args, 'path', '<path>');
        await withClient(env, args, kind.doing.disable, async (client) => {
          await kind.disable(client, path);
          env.io.stdout(kind.disabled(normaliseMountPath(path)));
        });
      }),
    )
    .command(
      'list',
      kind.describe.list,
      (c) => c.option('detailed', { type: 'boolean' }),
      action(env, async (args) => {
        await withClient(env, args, kind.doing.list, async (client) => {
          env.io.stdout(
            formatMounts(
              await kind.list(client),
              args.detailed === true ? 'json' : outputFormat(args, env.io),
            ),
          );
        });
      }),
    );
}
