/**
 * `sys/rotate/config` (Vault: GET returns `max_operations`, `enabled`, `interval` as a Go duration
 * string; POST/PUT sets any of them, 204). Root-protected like `sys/rotate`.
 */
import { formatGoDuration } from '../../lib/durations.js';
import type { PathSpec } from '../../logical/backend.js';
import { noContent } from '../../logical/response.js';
import type { KeyringRotation, RotationConfig } from '../keyring-rotation.js';

/** The rotate-config path over core's keyring rotation (503 while sealed via `rotation()`). */
export function rotateConfigPath(rotation: () => KeyringRotation): PathSpec {
  return {
    pattern: 'rotate/config',
    fields: { max_operations: { type: 'int' }, interval: { type: 'duration' }, enabled: { type: 'bool' } },
    operations: {
      read: async () => {
        const config = await rotation().readConfig();
        return {
          data: {
            max_operations: config.maxOperations,
            enabled: config.enabled,
            interval: formatGoDuration(Math.floor(config.intervalMs / 1000)),
          },
        };
      },
      update: async (req) => {
        const patch: Partial<RotationConfig> = {};
        const maxOperations = req.fields.get<number>('max_operations');
        const intervalSeconds = req.fields.get<number>('interval');
        const enabled = req.fields.get<boolean>('enabled');
        if (maxOperations !== undefined) patch.maxOperations = maxOperations;
        if (intervalSeconds !== undefined) patch.intervalMs = intervalSeconds * 1000;
        if (enabled !== undefined) patch.enabled = enabled;
        await rotation().writeConfig(patch);
        return noContent;
      },
    },
  };
}
