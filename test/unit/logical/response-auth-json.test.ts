import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderAuthJson } from '../../../src/logical/response-auth-json.js';
import type { ResponseAuth } from '../../../src/logical/response.js';

const auth: ResponseAuth = {
  clientToken: 'hvs.token',
  accessor: 'acc',
  policies: ['default', 'p'],
  tokenPolicies: ['default', 'p'],
  metadata: null,
  leaseDurationSeconds: 60,
  renewable: true,
  entityId: '',
  tokenType: 'service',
  orphan: false,
  numUses: 0,
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
  assert.equal(plain.client_token, 'hvs.token');
  assert.equal(plain.accessor, 'acc');
  const masked = renderAuthJson(auth, { clientToken: 'hmac-sha256:1', accessor: 'hmac-sha256:2' });
  assert.equal(masked.client_token, 'hmac-sha256:1');
  assert.equal(masked.accessor, 'hmac-sha256:2');
  assert.equal(masked.lease_duration, 60);
});
