/**
 * A small engine that issues leased secrets with a secret type, for testing core's expiration
 * manager end to end (it tests core; it does not stand in for a real engine): `creds/<role>`
 * returns a secret of type `cred` with the TTL in `ttl` (seconds) and `renewable` (default true),
 * and its `cred` handlers record every revoke/renew call. `control.failRevokes` makes the next N
 * revokes fail; `control.blockRevokes` holds revokes until the returned release is called.
 */
import type { BackendFactory, SecretRequest } from '../../../src/logical/backend.js';

export interface LeaseEngineControl {
  /** Lease ids whose revocation the engine completed, in order. */
  revoked: string[];
  /** Every revoke call (successful or not). */
  revokeCalls: string[];
  renewCalls: SecretRequest[];
  /** How many upcoming revoke calls fail. */
  failRevokes: number;
  /** When set, revoke calls wait for it before doing anything. */
  gate?: Promise<void>;
  /** Resolves the next time a revoke call starts. */
  onRevokeStart?: () => void;
}

/** An engine factory and the control object its handlers share (`control`: reuse one, e.g. after a restart). */
export function leaseEngine(
  control: LeaseEngineControl = { revoked: [], revokeCalls: [], renewCalls: [], failRevokes: 0 },
): { factory: BackendFactory; control: LeaseEngineControl } {
  const factory: BackendFactory = async () => ({
    type: 'leasing',
    paths: [
      {
        pattern: 'creds/(?<role>[^/]+)',
        fields: {
          ttl: { type: 'int' },
          renewable: { type: 'bool', default: true },
          max_ttl: { type: 'int' },
        },
        operations: {
          read: async (req) => ({
            data: { username: `u-${req.params.role}` },
            secret: {
              secretType: 'cred',
              ttlSeconds: req.fields.get<number>('ttl') ?? 0,
              maxTtlSeconds: req.fields.get<number>('max_ttl') ?? 0,
              renewable: req.fields.get<boolean>('renewable') ?? true,
              internalData: { username: `u-${req.params.role}` },
            },
          }),
        },
      },
    ],
    secretTypes: {
      cred: {
        revoke: async (request) => {
          control.revokeCalls.push(request.leaseId);
          control.onRevokeStart?.();
          if (control.gate !== undefined) await control.gate;
          if (control.failRevokes > 0) {
            control.failRevokes -= 1;
            throw new Error('database unreachable');
          }
          if (request.internalData.username === undefined) throw new Error('internal data lost');
          control.revoked.push(request.leaseId);
        },
        renew: async (request) => {
          control.renewCalls.push(request);
          return { secret: { ttlSeconds: 60, renewable: true } };
        },
      },
    },
  });
  return { factory, control };
}
