/**
 * JWT auth end to end through the real core: keys created here, signed with jose, and a JWKS /
 * OIDC discovery document served by a real HTTP server on 127.0.0.1 (port 0). Covers a rotated
 * JWKS key (unknown kid → one refetch), expiry, wrong audience, a bound-claim glob, nbf in the
 * future, and Vault's error messages; times follow the harness's fake clock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import { jwtAuthFactory } from '../../../../../src/engines/auth/jwt/index.js';
import { cubbyholeBackendFactory } from '../../../../../src/engines/cubbyhole/index.js';
import { unsealedHarness, type Harness } from '../../../../helpers/core/core-harness.js';

let server: Server;
let baseUrl = '';
let published: JWK[] = [];
let jwksFetches = 0;
let keyA: { privateKey: CryptoKey; publicKey: CryptoKey };
let keyB: { privateKey: CryptoKey; publicKey: CryptoKey };

before(async () => {
  keyA = await generateKeyPair('RS256');
  keyB = await generateKeyPair('ES256');
  server = createServer((req, res) => {
    if (req.url === '/jwks') {
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    } else if (req.url === '/oidc/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: `${baseUrl}/oidc`, jwks_uri: `${baseUrl}/jwks` }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  published = [{ ...(await exportJWK(keyA.publicKey)), kid: 'a', alg: 'RS256', use: 'sig' }];
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function mounted(config: Record<string, unknown>): Promise<Harness & { rootToken: string }> {
  const h = await unsealedHarness({
    authEngines: { jwt: jwtAuthFactory },
    engines: { cubbyhole: cubbyholeBackendFactory },
  });
  assert.equal((await h.call('update', 'sys/auth/jwt', { type: 'jwt' }, h.rootToken)).status, 204);
  const written = await h.call('update', 'auth/jwt/config', config, h.rootToken);
  assert.equal(written.status, 204, written.error?.message);
  const role = await h.call(
    'update',
    'auth/jwt/role/ci',
    {
      role_type: 'jwt',
      bound_audiences: ['arca'],
      user_claim: 'sub',
      bound_claims_type: 'glob',
      bound_claims: { project: ['team-*'] },
      claim_mappings: { project: 'project' },
      token_policies: ['ci'],
      token_ttl: '10m',
    },
    h.rootToken,
  );
  assert.equal(role.status, 204, role.error?.message);
  return h;
}

function nowSeconds(h: Harness): number {
  return Math.floor(h.clock.wallMs() / 1000);
}

async function sign(
  h: Harness,
  key: { privateKey: CryptoKey },
  header: { alg: string; kid?: string },
  claims: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds(h);
  return new SignJWT({ sub: 'runner-1', aud: 'arca', project: 'team-a', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader(header)
    .sign(key.privateKey);
}

async function login(h: Harness, jwt: string, role = 'ci') {
  return h.call('update', 'auth/jwt/login', { role, jwt });
}

test('static PEM keys: a valid token logs in with the role policies and Vault metadata', async () => {
  const h = await mounted({ jwt_validation_pubkeys: [await exportSPKI(keyA.publicKey)], bound_issuer: '' });
  const out = await login(h, await sign(h, keyA, { alg: 'RS256' }));
  assert.equal(out.status, 200, out.error?.message);
  const auth = out.response!.auth!;
  assert.deepEqual(auth.policies, ['ci', 'default']);
  assert.deepEqual(auth.metadata, { project: 'team-a', role: 'ci' });
  assert.equal(auth.leaseDurationSeconds, 600);
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.response!.data!.display_name, 'jwt-runner-1');
  const other = await generateKeyPair('RS256');
  const forged = await login(h, await sign(h, other, { alg: 'RS256' }));
  assert.equal(forged.status, 400);
  assert.match(forged.error!.messages[0], /^error validating token: error verifying token signature/);
});

test('JWKS URL: a rotated key (unknown kid) triggers one refetch and then works', async () => {
  published = [{ ...(await exportJWK(keyA.publicKey)), kid: 'a', alg: 'RS256', use: 'sig' }];
  const h = await mounted({ jwks_url: `${baseUrl}/jwks` });
  const before = jwksFetches;
  assert.equal((await login(h, await sign(h, keyA, { alg: 'RS256', kid: 'a' }))).status, 200);
  assert.equal((await login(h, await sign(h, keyA, { alg: 'RS256', kid: 'a' }))).status, 200);
  assert.equal(jwksFetches - before, 1, 'the key set is cached');
  published = [{ ...(await exportJWK(keyB.publicKey)), kid: 'b', alg: 'ES256', use: 'sig' }];
  const rotated = await login(h, await sign(h, keyB, { alg: 'ES256', kid: 'b' }));
  assert.equal(rotated.status, 200, rotated.error?.message);
  assert.equal(jwksFetches - before, 2, 'one refetch for the unknown kid');
});

test('OIDC discovery URL: the jwks_uri of the discovery document is used', async () => {
  published = [{ ...(await exportJWK(keyA.publicKey)), kid: 'a', alg: 'RS256', use: 'sig' }];
  const h = await mounted({ oidc_discovery_url: `${baseUrl}/oidc`, bound_issuer: `${baseUrl}/oidc` });
  const ok = await login(h, await sign(h, keyA, { alg: 'RS256', kid: 'a' }, { iss: `${baseUrl}/oidc` }));
  assert.equal(ok.status, 200, ok.error?.message);
  const wrongIssuer = await login(h, await sign(h, keyA, { alg: 'RS256', kid: 'a' }, { iss: 'elsewhere' }));
  assert.deepEqual(wrongIssuer.error!.messages, ['error validating token: invalid issuer (iss) claim']);
  const bad = await h.call(
    'update',
    'auth/jwt/config',
    { oidc_discovery_url: `${baseUrl}/nothing` },
    h.rootToken,
  );
  assert.deepEqual([bad.status, bad.error!.messages], [400, ['error checking oidc discovery URL']]);
});

test('expired, not-yet-valid and wrong-audience tokens, and a bound-claim glob, fail with Vault messages', async () => {
  const h = await mounted({ jwt_validation_pubkeys: [await exportSPKI(keyA.publicKey)] });
  const now = nowSeconds(h);
  const cases: [Record<string, unknown>, string][] = [
    [
      { iat: now - 600, exp: now - 61 },
      'error validating token: invalid expiration time (exp) claim: token is expired',
    ],
    [{ nbf: now + 61 }, 'error validating token: invalid not before (nbf) claim: token not yet valid'],
    [
      { aud: 'other' },
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    ],
    [
      { project: 'ops' },
      'error validating claims: claim "project" does not match any associated bound claim values',
    ],
    [{ project: undefined }, 'error validating claims: claim "project" is missing'],
  ];
  for (const [claims, message] of cases) {
    const out = await login(h, await sign(h, keyA, { alg: 'RS256' }, claims));
    assert.equal(out.status, 400, message);
    assert.deepEqual(out.error!.messages, [message]);
  }
  // Within the clock skew leeway (60 s) an expired token still passes; the glob matches team-b.
  const skewed = await login(h, await sign(h, keyA, { alg: 'RS256' }, { exp: now - 30, project: 'team-b' }));
  assert.equal(skewed.status, 200, skewed.error?.message);
  // The token expires on the fake clock.
  const token = await sign(h, keyA, { alg: 'RS256' });
  h.clock.advance(361_000);
  assert.match((await login(h, token)).error!.messages[0], /token is expired/);
});

test('login and role errors answer Vault messages', async () => {
  const h = await mounted({
    jwt_validation_pubkeys: [await exportSPKI(keyA.publicKey)],
    jwt_supported_algs: ['ES256'],
  });
  const jwt = await sign(h, keyA, { alg: 'RS256' });
  assert.deepEqual((await h.call('update', 'auth/jwt/login', { jwt })).error!.messages, ['missing role']);
  assert.deepEqual((await login(h, jwt, 'nope')).error!.messages, ['role "nope" could not be found']);
  assert.deepEqual((await login(h, '', 'ci')).error!.messages, ['missing token']);
  assert.deepEqual((await login(h, jwt)).error!.messages, [
    'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm',
  ]);
  const unbound = await h.call(
    'update',
    'auth/jwt/role/x',
    { role_type: 'jwt', user_claim: 'sub' },
    h.rootToken,
  );
  assert.deepEqual(unbound.error!.messages, [
    'must have at least one bound constraint when creating/updating a role',
  ]);
  const oidc = await h.call('update', 'auth/jwt/role/y', { bound_subject: 'x' }, h.rootToken);
  assert.deepEqual(oidc.error!.messages, [
    "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
  ]);
  const two = await h.call(
    'update',
    'auth/jwt/config',
    { jwks_url: `${baseUrl}/jwks`, jwt_validation_pubkeys: ['x'] },
    h.rootToken,
  );
  assert.deepEqual(two.error!.messages, [
    "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set",
  ]);
  const read = await h.call('read', 'auth/jwt/role/ci', {}, h.rootToken);
  assert.deepEqual(read.response!.data!.bound_claims, { project: ['team-*'] });
  assert.equal(read.response!.data!.clock_skew_leeway, 60);
  assert.deepEqual((await h.call('list', 'auth/jwt/role/', {}, h.rootToken)).response!.data!.keys, ['ci']);
});

test('a role asking for batch tokens gets one; a wrapped JWT login is wrapped', async () => {
  const h = await mounted({ jwt_validation_pubkeys: [await exportSPKI(keyA.publicKey)] });
  await h.call('update', 'auth/jwt/role/ci', { token_type: 'batch' }, h.rootToken);
  const out = await login(h, await sign(h, keyA, { alg: 'RS256' }));
  assert.match(out.response!.auth!.clientToken, /^hvb\./);
  const wrapped = await h.call(
    'update',
    'auth/jwt/login',
    { role: 'ci', jwt: await sign(h, keyA, { alg: 'RS256' }) },
    '',
    {
      wrapTtlSeconds: 60,
    },
  );
  assert.equal(wrapped.response!.wrapInfo!.creationPath, 'auth/jwt/login');
});
