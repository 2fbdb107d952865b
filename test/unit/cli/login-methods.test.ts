/** The request each `arca login -method=...` builds, and the usage errors for missing arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodLogin } from '../../../src/cli/commands/login.js';

const noPrompt = (): Promise<string> => Promise.reject(new Error('no prompt expected'));

test('userpass logs in at auth/<path>/login/<username>; the password is prompted when absent', async () => {
  assert.deepEqual(await methodLogin('userpass', 'userpass', { username: 'ann', password: 'pw' }, noPrompt), {
    path: 'auth/userpass/login/ann',
    body: { password: 'pw' },
  });
  const prompted = await methodLogin('userpass', '/people/', { username: 'a b' }, () =>
    Promise.resolve('typed'),
  );
  assert.deepEqual(prompted, { path: 'auth/people/login/a%20b', body: { password: 'typed' } });
  await assert.rejects(methodLogin('userpass', 'userpass', {}, noPrompt), /Missing "username"/);
});

test('approle and jwt post their fields to auth/<path>/login; missing role_id or jwt is a usage error', async () => {
  assert.deepEqual(await methodLogin('approle', 'approle', { role_id: 'r', secret_id: 's' }, noPrompt), {
    path: 'auth/approle/login',
    body: { role_id: 'r', secret_id: 's' },
  });
  assert.deepEqual(await methodLogin('jwt', 'ci-jwt', { role: 'ci', jwt: 'e.y.j' }, noPrompt), {
    path: 'auth/ci-jwt/login',
    body: { role: 'ci', jwt: 'e.y.j' },
  });
  await assert.rejects(methodLogin('approle', 'approle', {}, noPrompt), /Missing "role_id"/);
  await assert.rejects(methodLogin('jwt', 'jwt', { role: 'ci' }, noPrompt), /Missing "jwt"/);
  await assert.rejects(methodLogin('ldap', 'ldap', {}, noPrompt), /Unknown auth method: ldap/);
});
