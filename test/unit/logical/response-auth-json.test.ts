import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderAuthJson } from '../../../src/logical/response-auth-json.js';
import type { ResponseAuth } from '../../../src/logical/response.js';

// A batch orphan with a use limit: values unlike the service-token defaults, so a swapped field shows.
const auth: ResponseAuth = {
  clientToken: 'hvb.token',
  accessor: 'acc',
  policies: ['ops'],
  tokenPolicies: ['default', 'ops'],
  metadata: null,
  leaseDurationSeconds: 1800,
  renewable: false,
  entityId: 'entity-7',
  tokenType: 'batch',
  orphan: true,
  numUses: 3,
};

test('the auth object has Vault’s keys in Vault’s order; mfa_requirement only when asked', () => {
  assert.deepEqual(Object.keys(renderAuthJson(auth, { mfaRequirement: true })), [
    'client_token',
    'accessor',
    'policies',
    'token_policies',
    'metadata',
    'lease_duration',
    'renewable',
    'entity_id',
    'token_type',
    'orphan',
    'mfa_requirement',
    'num_uses',
  ]);
  assert.equal('mfa_requirement' in renderAuthJson(auth), false);
  assert.equal(renderAuthJson(auth, { mfaRequirement: true }).mfa_requirement, null);
});

test('token and accessor can be replaced (audit devices write their HMACs)', () => {
  const plain = renderAuthJson(auth);
  assert.equal(plain.accessor, 'acc');
  assert.equal(plain.client_token, 'hvb.token');
  assert.deepEqual(renderAuthJson(auth, { clientToken: 'hmac-sha256:1', accessor: 'hmac-sha256:2' }), {
    client_token: 'hmac-sha256:1',
    accessor: 'hmac-sha256:2',
    policies: ['ops'],
    token_policies: ['default', 'ops'],
    metadata: null,
    lease_duration: 1800,
    renewable: false,
    entity_id: 'entity-7',
    token_type: 'batch',
    orphan: true,
    num_uses: 3,
  });
});
