/**
 * The database engine end to end on a real `arca server` process with its real clock and expiry
 * ticker, against a real PostgreSQL: Vault's JSON envelope for `creds` (lease_id, lease_duration,
 * renewable), a user that logs in and — after a short real TTL — no longer can (polled with a
 * bound), Vault's 400 envelope for bad input, and neither the root password nor issued passwords
 * in the audit log, the server's output or a config read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../../src/lib/poll.js';
import { postgresSkipReason, TestPostgres } from '../../helpers/postgres.js';
import { adminPassword, configBody, prepareDatabase } from '../../unit/engines/database/fixture.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const token = 'root-database';

/** A parsed JSON answer, read field by field in the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only view of Vault's JSON envelope
type Json = any;

describe('database engine over HTTP on a real server', { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  let server: ServerProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arca-db-http-'));
    pg = await TestPostgres.start();
    await prepareDatabase(pg);
    server = await startServerProcess([
      '-dev',
      '-dev-listen-address=127.0.0.1:0',
      `-dev-root-token-id=${token}`,
    ]);
  });

  after(async () => {
    await server?.stop();
    await pg?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${server.address}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  async function canLogIn(username: string, password: string): Promise<boolean> {
    try {
      await (await pg.connect(username, password)).end();
      return true;
    } catch {
      return false;
    }
  }

  it('issues creds with a lease; after the real TTL the user is dropped; no secret reaches audit or logs', async () => {
    const auditFile = join(dir, 'audit.log');
    assert.equal(
      (await call('PUT', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } })).status,
      204,
    );
    assert.equal((await call('POST', 'sys/mounts/database', { type: 'database' })).status, 204);
    assert.equal((await call('POST', 'database/config/main', configBody(pg))).status, 204);
    const role = await call('POST', 'database/roles/short', {
      db_name: 'main',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";',
      ],
      default_ttl: '2s',
      max_ttl: '10s',
    });
    assert.equal(role.status, 204);

    const creds = await call('GET', 'database/creds/short');
    assert.equal(creds.status, 200, JSON.stringify(creds.json));
    assert.match(creds.json.lease_id, /^database\/creds\/short\/\S+$/);
    assert.equal(creds.json.lease_duration, 2);
    assert.equal(creds.json.renewable, true);
    const { username, password } = creds.json.data as { username: string; password: string };
    assert.match(
      username,
      /^v-root-short-[A-Za-z0-9]{20}-\d+$/,
      'the dev root is named root, as the init root',
    );
    assert.ok(await canLogIn(username, password));

    await pollUntil(
      'the expired user to be dropped',
      async () => !(await canLogIn(username, password)),
      30_000,
      100,
    );
    const lookup = await call('PUT', 'sys/leases/lookup', { lease_id: creds.json.lease_id });
    assert.equal(lookup.status, 400);

    const config = await call('GET', 'database/config/main');
    assert.equal(config.status, 200);
    assert.ok(!JSON.stringify(config.json).includes(adminPassword));

    const audit = readFileSync(auditFile, 'utf8');
    assert.ok(audit.includes('database/creds/short'), 'the audit log saw the request');
    for (const secret of [adminPassword, password]) {
      assert.ok(!audit.includes(secret), 'audit log holds a plaintext secret');
      assert.ok(!server.output.join('\n').includes(secret), 'server output holds a plaintext secret');
    }
  });

  it("bad input answers Vault's 400 envelope", async () => {
    const bad = await call('POST', 'database/config/other', {
      ...configBody(pg),
      plugin_name: 'mysql-database-plugin',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors.length, 1);
    assert.match(
      bad.json.errors[0],
      /^error creating database object: plugin "mysql-database-plugin" is not supported/,
    );
    const unknown = await call('GET', 'database/creds/nope');
    assert.deepEqual(unknown, { status: 400, json: { errors: ['unknown role: nope'] } });
    const wrong = await call('POST', 'database/config/other', { ...configBody(pg), password: 'not-It-1' });
    assert.equal(wrong.status, 400);
    assert.ok(!JSON.stringify(wrong.json).includes('not-It-1'));
  });
});
