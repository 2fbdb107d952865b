/**
 * sys/audit (list, sudo), sys/audit/<path> (enable/disable, sudo), sys/audit-hash/<path> (Vault's
 * HMAC of an input with the device's salt) and our extension sys/audit-chain/<path> (sudo): the
 * hash-chain key and current sequence number that `arca audit verify -device=<path>` needs.
 * Shapes follow Vault's HTTP API docs; the listing and the hash are top-level injected by core.
 */
import type { PathSpec } from '../../logical/backend.js';
import { noContent } from '../../logical/response.js';
import type { AuditManager } from '../audit/manager.js';

/** The audit paths of sys/, over the manager of the current unseal (throws `sealed` otherwise). */
export function auditPaths(manager: () => AuditManager): PathSpec[] {
  return [
    {
      pattern: 'audit/?',
      operations: { read: async () => ({ data: { ...manager().list() } }) },
    },
    {
      pattern: 'audit/(?<path>.+)',
      fields: {
        type: { type: 'string' },
        description: { type: 'string' },
        options: { type: 'map' },
        local: { type: 'bool' },
      },
      operations: {
        update: async (req) => {
          await manager().enable(req.params.path ?? '', {
            type: req.fields.get('type'),
            description: req.fields.get('description'),
            options: req.fields.get('options'),
            local: req.fields.get('local'),
          });
          return noContent;
        },
        delete: async (req) => {
          await manager().disable(req.params.path ?? '');
          return noContent;
        },
      },
    },
    {
      pattern: 'audit-hash/(?<path>.+)',
      fields: { input: { type: 'raw' } },
      operations: {
        update: async (req) => ({
          data: { hash: manager().hash(req.params.path ?? '', req.fields.get('input')) },
        }),
      },
    },
    {
      pattern: 'audit-chain/(?<path>.+)',
      operations: {
        read: async (req) => ({ data: { ...manager().chainKey(req.params.path ?? '') } }),
      },
    },
  ];
}
