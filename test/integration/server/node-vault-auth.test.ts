import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeVault from 'node-vault';
import { runCaptured } from '../../unit/cli/run-captured.js';
import { startServerProcess } from './server-process.js';

type HttpError = { response?: { statusCode: number; body?: { errors?: string[] } } };
const status = (err: unknown): number | undefined => (err as HttpError).response?.statusCode;
const errors = (err: unknown): string[] => (err as HttpError).response?.body?.errors ?? [];

test('userpass and AppRole logins through the published node-vault client and the arca CLI, against a server process', async () => {
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    '-dev-root-token-id=root-auth',
  ]);
  const home = mkdtempSync(join(tmpdir(), 'arca-auth-home-'));
  try {
    const root = nodeVault({ endpoint: server.address, token: 'root-auth' });
    await root.addPolicy({
      name: 'app',
      rules: 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n',
    });
    await root.write('secret/data/app/db', { data: { password: 's3cret' } });
    await root.enableAuth({ mount_point: 'userpass', type: 'userpass', description: 'people' });
    await root.enableAuth({ mount_point: 'approle', type: 'approle' });
    const auths = (await root.auths()) as Record<string, { type: string; accessor: string; config: object }>;
    assert.equal(auths['userpass/'].type, 'userpass');
    assert.match(auths['userpass/'].accessor, /^auth_userpass_[0-9a-f]{8}$/);
    assert.deepEqual(auths['userpass/'].config, {
      default_lease_ttl: 0,
      max_lease_ttl: 0,
      force_no_cache: false,
      token_type: 'default-service',
    });

    // userpass
    await root.write('auth/userpass/users/alice', {
      password: 'pw-alice',
      token_policies: 'app',
      token_ttl: '1h',
    });
    const login = (await nodeVault({ endpoint: server.address }).userpassLogin({
      username: 'alice',
      password: 'pw-alice',
    })) as { auth: { client_token: string; policies: string[]; lease_duration: number; metadata: object } };
    assert.deepEqual(login.auth.policies, ['app', 'default']);
    assert.equal(login.auth.lease_duration, 3600);
    assert.deepEqual(login.auth.metadata, { username: 'alice' });
    const alice = nodeVault({ endpoint: server.address, token: login.auth.client_token });
    const secret = (await alice.read('secret/data/app/db')) as { data: { data: { password: string } } };
    assert.equal(secret.data.data.password, 's3cret');
    await assert.rejects(alice.read('sys/auth'), (e: unknown) => status(e) === 403);
    await assert.rejects(
      nodeVault({ endpoint: server.address }).userpassLogin({ username: 'alice', password: 'nope' }),
      (e: unknown) => status(e) === 400 && errors(e).join() === 'invalid username or password',
    );

    // AppRole: role, role id, secret id, login
    await root.addApproleRole({ role_name: 'ci', policies: 'app', secret_id_num_uses: 2 });
    const roleId = ((await root.getApproleRoleId({ role_name: 'ci' })) as { data: { role_id: string } }).data
      .role_id;
    const secretId = (
      (await root.getApproleRoleSecret({ role_name: 'ci', metadata: '{"pipeline":"7"}' })) as {
        data: { secret_id: string };
      }
    ).data.secret_id;
    const approle = (await nodeVault({ endpoint: server.address }).approleLogin({
      role_id: roleId,
      secret_id: secretId,
    })) as { auth: { client_token: string; metadata: object; policies: string[] } };
    assert.deepEqual(approle.auth.metadata, { pipeline: '7', role_name: 'ci' });
    assert.deepEqual(approle.auth.policies, ['app', 'default']);
    await assert.rejects(
      nodeVault({ endpoint: server.address }).approleLogin({ role_id: roleId, secret_id: 'wrong' }),
      (e: unknown) => status(e) === 400 && errors(e).join() === 'invalid role or secret ID',
    );

    // Wrapped secret-id delivery: the orchestrator asks for a wrapped secret id, the application
    // unwraps it once (node-vault's unwrap with the wrapping token) and logs in; a second unwrap fails.
    const wrapped = (await root.write(
      'auth/approle/role/ci/secret-id',
      {},
      { headers: { 'X-Vault-Wrap-TTL': '60s' } },
    )) as { data: unknown; wrap_info: { token: string; ttl: number; creation_path: string } };
    assert.equal(wrapped.data, null);
    assert.equal(wrapped.wrap_info.ttl, 60);
    assert.equal(wrapped.wrap_info.creation_path, 'auth/approle/role/ci/secret-id');
    const app = nodeVault({ endpoint: server.address, token: wrapped.wrap_info.token });
    const unwrapped = (await app.unwrap()) as { data: { secret_id: string; secret_id_accessor: string } };
    assert.match(unwrapped.data.secret_id, /^[0-9a-f-]{36}$/);
    const wrappedLogin = (await nodeVault({ endpoint: server.address }).approleLogin({
      role_id: roleId,
      secret_id: unwrapped.data.secret_id,
    })) as { auth: { policies: string[] } };
    assert.deepEqual(wrappedLogin.auth.policies, ['app', 'default']);
    await assert.rejects(
      app.unwrap(),
      (e: unknown) =>
        status(e) === 400 && errors(e).join() === 'wrapping token is not valid or does not exist',
    );

    // The CLI: login -method=userpass stores the token; -method=approle; auth list / tune.
    const cli = (...argv: string[]) =>
      runCaptured(argv, { env: { VAULT_ADDR: server.address }, homeDir: home });
    const up = await cli('login', '-method=userpass', 'username=alice', 'password=pw-alice');
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /Success! You are now authenticated/);
    assert.match(up.out, /token_policies\s+\[app default\]/);
    const stored = readFileSync(join(home, '.vault-token'), 'utf8');
    assert.match(stored, /^hvs\./);
    const viaCli = await cli(
      'login',
      '-method=approle',
      '-format=json',
      `role_id=${roleId}`,
      `secret_id=${secretId}`,
    );
    assert.equal(viaCli.code, 0, viaCli.err);
    assert.deepEqual((JSON.parse(viaCli.out) as { auth: { metadata: object } }).auth.metadata, {
      pipeline: '7',
      role_name: 'ci',
    });
    const spent = await cli('login', '-method=approle', `role_id=${roleId}`, `secret_id=${secretId}`);
    assert.equal(spent.code, 2 - 1, 'num_uses 2: the third login fails');
    assert.match(spent.err, /invalid role or secret ID/);
    const rootCli = (...argv: string[]) =>
      runCaptured(argv, { env: { VAULT_ADDR: server.address, VAULT_TOKEN: 'root-auth' }, homeDir: home });
    const tune = await rootCli(
      'auth',
      'tune',
      '-default-lease-ttl=30m',
      '-token-type=default-service',
      'userpass',
    );
    assert.equal(tune.code, 0, tune.err);
    assert.equal(tune.out, 'Success! Tuned the auth method at: userpass/\n');
    const tuned = (await root.read('sys/auth/userpass/tune')) as { data: { default_lease_ttl: number } };
    assert.equal(tuned.data.default_lease_ttl, 1800);
    const list = await rootCli('auth', 'list');
    assert.match(list.out, /userpass\/\s+userpass\s+auth_userpass_/);

    // Disabling the method revokes the tokens its logins minted.
    await root.disableAuth({ mount_point: 'userpass' });
    await assert.rejects(alice.read('secret/data/app/db'), (e: unknown) => status(e) === 403);
    const approleToken = nodeVault({ endpoint: server.address, token: approle.auth.client_token });
    assert.ok(await approleToken.read('secret/data/app/db'), 'tokens of other methods live on');
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
