/** A toy auth method for core's login tests (the engine contract, no real credential store). */
import assert from 'node:assert/strict';
import { ArcaError } from '../../../src/lib/errors.js';
import type { BackendFactory } from '../../../src/logical/backend.js';
import { newLoginAuth, type LoginAuth, type LoginRenewResult } from '../../../src/logical/login.js';

/**
 * A toy auth method: `login/<name>` with password "pw" grants what `grant` says (policy "reader"
 * by default); renewal succeeds while `renewable.ok` and reports `renewable.result`.
 */
export function toyAuth(
  grant: Partial<LoginAuth> = {},
  renewal: { ok: boolean; result: LoginRenewResult } = {
    ok: true,
    result: { ttlSeconds: 0, maxTtlSeconds: 0, periodSeconds: 0 },
  },
): BackendFactory {
  return async () => ({
    type: 'toy',
    paths: [
      {
        pattern: 'login/(?<name>[a-z]+)',
        unauthenticated: true,
        fields: { password: { type: 'string' } },
        operations: {
          update: async (req) => {
            if (req.fields.get<string>('password') !== 'pw')
              throw new ArcaError('invalid_request', 'invalid username or password');
            const name = req.params.name ?? '';
            return {
              login: newLoginAuth({
                policies: ['reader'],
                metadata: { username: name },
                displayName: name,
                internalData: { who: name },
                ...grant,
              }),
            };
          },
        },
      },
    ],
    renewLogin: async (req) => {
      if (!renewal.ok) throw new ArcaError('invalid_request', 'policies have changed, not renewing');
      assert.equal(req.internalData.who, req.metadata.username);
      return renewal.result;
    },
  });
}
