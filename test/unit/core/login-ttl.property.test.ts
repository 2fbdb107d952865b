/**
 * Property tests of how a login's token settings merge with the auth mount's tune and the system
 * defaults (TTL, max, period, explicit max; token type), each against a naive model written from
 * Vault's documentation rather than from the implementation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loginTokenTtl } from '../../../src/core/login-ttl.js';
import { resolveLoginTokenType } from '../../../src/core/login-tokens.js';
import type { MountTokenType } from '../../../src/core/mount-table.js';
import { readFields } from '../../../src/logical/fields.js';
import {
  defaultTokenParams,
  parseTokenFields,
  tokenFieldSpecs,
  legacyTokenFieldSpecs,
} from '../../../src/logical/tokenutil.js';
import type { LoginTokenType } from '../../../src/logical/login.js';

const seconds = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000_000 }));

const scenario = fc
  .record({
    systemDefault: fc.integer({ min: 1, max: 5_000_000 }),
    systemExtra: fc.integer({ min: 0, max: 5_000_000 }),
    mountDefault: seconds,
    mountMax: seconds,
    ttl: seconds,
    maxTtl: seconds,
    explicitMax: seconds,
    period: seconds,
  })
  .map((s) => ({ ...s, systemMax: s.systemDefault + s.systemExtra }));

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Naive model: the smallest positive bound wins; a period replaces the TTL; the TTL never exceeds it. */
function model(s: Scenario): { ttl: number; capped: boolean } {
  const mountMax = s.mountMax || s.systemMax;
  const mountDefault = s.mountDefault || s.systemDefault;
  const max = Math.min(...[mountMax, s.maxTtl, s.explicitMax].filter((v) => v > 0));
  const wanted = s.period > 0 ? s.period : s.ttl > 0 ? s.ttl : mountDefault;
  return { ttl: Math.min(wanted, max), capped: wanted > max };
}

test('property: a login token TTL = the requested TTL/period/mount default, capped by the smallest max', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const result = loginTokenTtl(
        { defaultLeaseTtlSeconds: s.mountDefault, maxLeaseTtlSeconds: s.mountMax, forceNoCache: false },
        { defaultLeaseTtlSeconds: s.systemDefault, maxLeaseTtlSeconds: s.systemMax },
        {
          ttlSeconds: s.ttl,
          maxTtlSeconds: s.maxTtl,
          explicitMaxTtlSeconds: s.explicitMax,
          periodSeconds: s.period,
        },
      );
      const expected = model(s);
      assert.equal(result.ttlSeconds, expected.ttl);
      assert.equal(result.warnings.length > 0, expected.capped);
    }),
    { numRuns: 2000 },
  );
});

const loginTypes: LoginTokenType[] = ['default', 'service', 'batch'];
const mountTypes: (MountTokenType | undefined)[] = [
  undefined,
  'default-service',
  'default-batch',
  'service',
  'batch',
];

test('property: the token type — a forced mount type wins, else the login type, else the mount default', () => {
  fc.assert(
    fc.property(fc.constantFrom(...loginTypes), fc.constantFrom(...mountTypes), (login, mount) => {
      const got = resolveLoginTokenType(login, mount);
      const forced = mount === 'service' || mount === 'batch' ? mount : undefined;
      const mountDefault = mount === 'default-batch' ? 'batch' : 'service';
      assert.equal(got, forced ?? (login === 'default' ? mountDefault : login));
    }),
  );
});

const specs = { ...tokenFieldSpecs, ...legacyTokenFieldSpecs };

test('property: a token_* field wins over its legacy name; the legacy one applies alone; unsent fields keep their value', () => {
  const policy = fc.stringMatching(/^[a-z]{1,8}$/);
  fc.assert(
    fc.property(
      fc.option(fc.array(policy, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      fc.option(fc.array(policy, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
      (newPolicies, oldPolicies, newTtl, oldTtl) => {
        const data: Record<string, unknown> = {};
        if (newPolicies !== undefined) data.token_policies = newPolicies.join(',');
        if (oldPolicies !== undefined) data.policies = oldPolicies;
        if (newTtl !== undefined) data.token_ttl = newTtl;
        if (oldTtl !== undefined) data.ttl = `${oldTtl}s`;
        const before = { ...defaultTokenParams(), tokenPolicies: ['keep'], tokenTtlSeconds: 42 };
        const after = parseTokenFields(before, readFields(specs, data).reader);
        assert.deepEqual(after.tokenPolicies, newPolicies ?? oldPolicies ?? ['keep']);
        assert.equal(after.tokenTtlSeconds, newTtl ?? oldTtl ?? 42);
      },
    ),
  );
});
