/**
 * `sys/locked-users` (list, optionally for one `mount_accessor`) and
 * `sys/locked-users/<mount_accessor>/unlock/<alias>` (Vault 1.13+ user lockout), in Vault's shapes.
 */
import { ArcaError } from '../../lib/errors.js';
import type { PathSpec } from '../../logical/backend.js';
import { noContent } from '../../logical/response.js';
import type { UnsealedRuntime } from '../runtime.js';

function runtimeOrSealed(runtime: () => UnsealedRuntime | undefined): UnsealedRuntime {
  const rt = runtime();
  if (rt === undefined) throw new ArcaError('sealed');
  return rt;
}

/** The locked-users paths, over the unsealed runtime's lockout state. */
export function lockedUserPaths(runtime: () => UnsealedRuntime | undefined): PathSpec[] {
  return [
    {
      pattern: 'locked-users/?',
      fields: { mount_accessor: { type: 'string' } },
      operations: {
        read: async (req) => {
          const rt = runtimeOrSealed(runtime);
          const wanted = req.fields.get<string>('mount_accessor') ?? '';
          const byAccessor = new Map<string, string[]>();
          for (const entry of rt.mounts.list('auth')) {
            if (wanted !== '' && entry.accessor !== wanted) continue;
            byAccessor.set(entry.accessor, []);
          }
          for (const locked of await rt.lockout.list()) {
            const aliases = byAccessor.get(locked.mountAccessor);
            if (aliases === undefined) continue;
            const entry = rt.mounts.list('auth').find((e) => e.accessor === locked.mountAccessor);
            if (
              entry !== undefined &&
              (await rt.lockout.isLocked(locked.mountAccessor, locked.alias, entry.config))
            )
              aliases.push(locked.alias);
          }
          const mountAccessors = [...byAccessor]
            .filter(([, aliases]) => aliases.length > 0)
            .map(([accessor, aliases]) => ({
              mount_accessor: accessor,
              counts: aliases.length,
              alias_identifiers: aliases.sort(),
            }));
          const total = mountAccessors.reduce((sum, m) => sum + m.counts, 0);
          return {
            data: {
              by_namespace: [
                { namespace_id: 'root', namespace_path: '', counts: total, mount_accessors: mountAccessors },
              ],
              total,
            },
          };
        },
      },
    },
    {
      pattern: 'locked-users/(?<mount_accessor>[^/]+)/unlock/(?<alias_identifier>.+)',
      fields: { mount_accessor: { type: 'string' }, alias_identifier: { type: 'string' } },
      operations: {
        update: async (req) => {
          const rt = runtimeOrSealed(runtime);
          await rt.lockout.unlock(req.params.mount_accessor ?? '', req.params.alias_identifier ?? '');
          return noContent;
        },
      },
    },
  ];
}
