/**
 * Dynamic credentials against a real PostgreSQL: a `creds` user logs in and can do exactly what
 * the creation statements granted; the `creds` revoke handler drops it (login fails), also while
 * the database was down at first; renew moves VALID UNTIL; custom statements are honoured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isArcaError } from '../../../../src/lib/errors.js';
import { postgresSkipReason, TestPostgres } from '../../../helpers/postgres.js';
import type { EngineHarness } from '../../../helpers/engine-harness.js';
import {
  adminPassword,
  authFor,
  configBody,
  credsHandlers,
  mountWithConfig,
  prepareDatabase,
  rejection,
  secretRequest,
} from './fixture.js';

const readonlyStatements = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";',
];

describe('database creds against PostgreSQL', { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  let h: EngineHarness;

  before(async () => {
    pg = await TestPostgres.start();
    await prepareDatabase(pg);
    h = await mountWithConfig(pg);
    await h.call('write', 'roles/readonly', {
      data: { db_name: 'main', creation_statements: readonlyStatements, default_ttl: '1h', max_ttl: '2h' },
    });
  });

  after(async () => {
    await h?.backend.cleanup?.();
    await pg?.destroy();
  });

  async function issue(role = 'readonly', display = 'token') {
    const response = await h.call('read', `creds/${role}`, { auth: authFor(display) });
    const data = response.data as { username: string; password: string };
    return { response, ...data };
  }

  it('returns a user that logs in and can do what the creation statements granted, and no more', async () => {
    const { response, username, password } = await issue('readonly', 'root');
    assert.match(username, /^v-root-readonly-[A-Za-z0-9]{20}-\d+$/);
    assert.ok(username.length <= 63);
    assert.match(password, /^A1a-[A-Za-z0-9]{16}$/);
    assert.deepEqual(response.secret?.secretType, 'creds');
    assert.equal(response.secret?.ttlSeconds, 3600);
    assert.equal(response.secret?.maxTtlSeconds, 7200);
    assert.equal(response.secret?.renewable, true);
    assert.deepEqual(response.secret?.internalData, {
      username,
      role: 'readonly',
      db_name: 'main',
      revocation_statements: [],
    });
    const client = await pg.connect(username, password);
    try {
      const rows = await client.query('SELECT label FROM public.items ORDER BY id');
      assert.deepEqual(
        rows.rows.map((r: { label: string }) => r.label),
        ['one', 'two'],
      );
      const denied = await rejection(client.query("INSERT INTO public.items VALUES (3, 'three')"));
      assert.match(denied.message, /permission denied/);
      assert.match((await rejection(client.query('CREATE ROLE intruder'))).message, /permission denied/);
    } finally {
      await client.end();
    }
    await assert.rejects(pg.connect(username, 'A1a-wrong-password'), /password authentication failed/);
  });

  it('16 concurrent creds requests all succeed (user changes are serialised per connection, as Vault does)', async () => {
    // Concurrent GRANTs on one table fail in PostgreSQL with "tuple concurrently updated".
    const all = await Promise.all(Array.from({ length: 16 }, () => issue()));
    assert.equal(new Set(all.map((c) => c.username)).size, 16);
    await Promise.all(all.map((c) => credsHandlers(h).revoke(secretRequest(h, c.response))));
    const left = await pg.query('SELECT 1 FROM pg_roles WHERE rolname = ANY($1)', [
      all.map((c) => c.username),
    ]);
    assert.equal(left.rowCount, 0);
  });

  it('the revoke handler drops the user and ends its sessions; revoking again is a no-op', async () => {
    const { response, username, password } = await issue();
    const session = await pg.connect(username, password);
    const ended = new Promise<void>((resolve) => session.once('end', () => resolve()));
    await credsHandlers(h).revoke(secretRequest(h, response));
    // The open session was terminated, not left running as a dropped role (bounded for a broken run).
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('still connected'), 30_000);
    });
    assert.equal(await Promise.race([ended.then(() => 'ended'), bound]), 'ended');
    clearTimeout(timer);
    await assert.rejects(pg.connect(username, password), /password authentication failed|does not exist/);
    const roles = await pg.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    assert.equal(roles.rowCount, 0);
    await credsHandlers(h).revoke(secretRequest(h, response));
  });

  it('revocation uses the statements recorded at issue time when the role was deleted since', async () => {
    await h.call('write', 'roles/custom', {
      data: {
        db_name: 'main',
        creation_statements: readonlyStatements,
        revocation_statements:
          'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{{name}}"; DROP ROLE "{{name}}";',
      },
    });
    const { response, username, password } = await issue('custom');
    await h.call('delete', 'roles/custom');
    await credsHandlers(h).revoke(secretRequest(h, response));
    await assert.rejects(pg.connect(username, password));
  });

  it('renew moves VALID UNTIL to now + increment (+5 s), capped by max_ttl from issue', async () => {
    const { response, username } = await issue();
    const validUntil = async (): Promise<number> => {
      const rows = await pg.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [username]);
      return (rows.rows[0] as { rolvaliduntil: Date }).rolvaliduntil.getTime();
    };
    assert.equal(await validUntil(), h.clock.wallMs() - (h.clock.wallMs() % 1000) + (3600 + 5) * 1000);
    const request = secretRequest(h, response, 1800);
    h.clock.advance(600_000);
    const renewed = await credsHandlers(h).renew!(request);
    assert.equal(renewed.secret?.ttlSeconds, 1800);
    const expectedMs = h.clock.wallMs() + (1800 + 5) * 1000;
    assert.equal(await validUntil(), expectedMs - (expectedMs % 1000));
    // An increment past max_ttl (2h from issue) is capped to what is left.
    const capped = await credsHandlers(h).renew!({ ...request, incrementSeconds: 5 * 3600 });
    assert.equal(capped.secret?.ttlSeconds, 7200 - 600);
    assert.equal(capped.secret?.maxTtlSeconds, 7200);
  });

  it('a revoke while PostgreSQL is down fails without leaking secrets, then succeeds after it is back', async () => {
    const { response, username, password } = await issue();
    await pg.stop();
    try {
      const err = await rejection(credsHandlers(h).revoke(secretRequest(h, response)));
      assert.ok(isArcaError(err, 'internal'), String(err));
      assert.ok(!err.message.includes(adminPassword), err.message);
      const creds = await rejection(h.call('read', 'creds/readonly', { auth: authFor() }));
      assert.ok(isArcaError(creds, 'internal'));
      assert.ok(!creds.message.includes(adminPassword), creds.message);
    } finally {
      await pg.resume();
    }
    await credsHandlers(h).revoke(secretRequest(h, response));
    await assert.rejects(pg.connect(username, password));
  });

  it('creds for an unknown role, or a role the config does not allow, are 400s with Vault messages', async () => {
    const unknown = await rejection(h.call('read', 'creds/nope', { auth: authFor() }));
    assert.ok(isArcaError(unknown, 'invalid_request'));
    assert.equal(unknown.message, 'unknown role: nope');
    await h.call('write', 'config/narrow', {
      data: { ...configBody(pg), allowed_roles: 'dev-*,ops' },
    });
    await h.call('write', 'roles/dev-app', {
      data: { db_name: 'narrow', creation_statements: readonlyStatements },
    });
    await h.call('write', 'roles/other', {
      data: { db_name: 'narrow', creation_statements: readonlyStatements },
    });
    const allowed = await issue('dev-app');
    assert.match(allowed.username, /^v-token-dev-app-/);
    const refused = await rejection(h.call('read', 'creds/other', { auth: authFor() }));
    assert.ok(isArcaError(refused, 'invalid_request'));
    assert.equal(refused.message, '"other" is not an allowed role');
  });

  it('scram-sha-256 password authentication sends a verifier, and the user still logs in', async () => {
    await h.call('write', 'config/scram', {
      data: { ...configBody(pg), password_authentication: 'scram-sha-256' },
    });
    await h.call('write', 'roles/scram', {
      data: { db_name: 'scram', creation_statements: readonlyStatements },
    });
    const { username, password } = await issue('scram');
    const rows = await pg.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [username]);
    assert.match((rows.rows[0] as { rolpassword: string }).rolpassword, /^SCRAM-SHA-256\$4096:/);
    const client = await pg.connect(username, password);
    await client.end();
  });
});
