/**
 * Database credentials under core's lease manager (fake clock, real core, real PostgreSQL): a
 * lease's expiry drops the user, sys/leases/revoke and revoke-prefix drop users, renew moves
 * VALID UNTIL and is capped at the role's max TTL with a warning, a revocation that fails while
 * PostgreSQL is down keeps the lease and completes on a retry after it is back, and the engine's
 * periodic hook rotates static roles from core's tick — never while sealed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseBackendFactory } from '../../../../src/engines/database/index.js';
import { unsealedHarness, type Harness } from '../../../helpers/core/core-harness.js';
import { postgresSkipReason, TestPostgres } from '../../../helpers/postgres.js';
import { configBody, prepareDatabase } from './fixture.js';

const creation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`;

describe('database leases through core against PostgreSQL', { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  let h: Harness & { rootToken: string };

  before(async () => {
    pg = await TestPostgres.start();
    await prepareDatabase(pg);
    await pg.query("CREATE ROLE app_periodic WITH LOGIN PASSWORD 'initial-Pass-2'");
    h = await unsealedHarness({ engines: { database: databaseBackendFactory } });
    // PostgreSQL checks VALID UNTIL on its own clock: the core's wall clock starts now.
    h.clock.setWall(Date.now());
    h.clock.advance(1000); // past the lease manager's activation grace
    await ok(h.call('update', 'sys/mounts/database', { type: 'database' }, h.rootToken));
    await ok(h.call('update', 'database/config/main', configBody(pg), h.rootToken));
    await ok(
      h.call(
        'update',
        'database/roles/short',
        { db_name: 'main', creation_statements: creation, default_ttl: 10, max_ttl: 60 },
        h.rootToken,
      ),
    );
  });

  after(async () => {
    await h?.core.close();
    await pg?.destroy();
  });

  async function ok(outcome: ReturnType<Harness['call']>): Promise<Awaited<ReturnType<Harness['call']>>> {
    const out = await outcome;
    assert.ok(out.status < 300, `status ${out.status}: ${out.error?.message}`);
    return out;
  }

  async function issue(): Promise<{ leaseId: string; username: string; password: string }> {
    const out = await ok(h.call('read', 'database/creds/short', {}, h.rootToken));
    const data = out.response!.data as { username: string; password: string };
    assert.equal(out.response!.secret?.ttlSeconds, 10);
    assert.match(out.response!.leaseId ?? '', /^database\/creds\/short\//);
    return { leaseId: out.response!.leaseId!, ...data };
  }

  async function canLogIn(username: string, password: string): Promise<boolean> {
    try {
      await (await pg.connect(username, password)).end();
      return true;
    } catch {
      return false;
    }
  }

  async function lookupStatus(leaseId: string): Promise<number> {
    return (await h.call('update', 'sys/leases/lookup', { lease_id: leaseId }, h.rootToken)).status;
  }

  it('when the lease expires (past expiry + ε) the user is dropped', async () => {
    const { leaseId, username, password } = await issue();
    assert.ok(await canLogIn(username, password));
    h.clock.advance(10_000);
    await h.core.tick();
    assert.ok(await canLogIn(username, password), 'not revoked before expiry + ε');
    h.clock.advance(501);
    await h.core.tick();
    assert.ok(!(await canLogIn(username, password)), 'dropped after expiry');
    assert.equal(await lookupStatus(leaseId), 400);
  });

  it('sys/leases/revoke and revoke-prefix drop the users', async () => {
    const one = await issue();
    await ok(h.call('update', 'sys/leases/revoke', { lease_id: one.leaseId }, h.rootToken));
    assert.ok(!(await canLogIn(one.username, one.password)));
    const two = await issue();
    const three = await issue();
    await ok(h.call('update', 'sys/leases/revoke-prefix/database/creds/short', {}, h.rootToken));
    assert.ok(!(await canLogIn(two.username, two.password)));
    assert.ok(!(await canLogIn(three.username, three.password)));
  });

  it('renew moves VALID UNTIL; past the max TTL it is capped with a warning', async () => {
    const { leaseId, username } = await issue();
    const validUntilMs = async (): Promise<number> =>
      (
        (await pg.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [username])).rows[0] as {
          rolvaliduntil: Date;
        }
      ).rolvaliduntil.getTime();
    const before = await validUntilMs();
    h.clock.advance(5_000);
    const renewed = await ok(
      h.call('update', 'sys/leases/renew', { lease_id: leaseId, increment: 30 }, h.rootToken),
    );
    assert.equal(renewed.response!.secret?.ttlSeconds, 30);
    assert.equal(await validUntilMs(), Math.floor((h.clock.wallMs() + 35_000) / 1000) * 1000);
    assert.ok((await validUntilMs()) > before);
    const capped = await ok(
      h.call('update', 'sys/leases/renew', { lease_id: leaseId, increment: 600 }, h.rootToken),
    );
    assert.equal(capped.response!.secret?.ttlSeconds, 55);
    assert.ok(
      (capped.response!.warnings ?? []).some((w) => /max/i.test(w)),
      JSON.stringify(capped.response!.warnings),
    );
    await ok(h.call('update', 'sys/leases/revoke', { lease_id: leaseId }, h.rootToken));
  });

  it('a revocation that fails while PostgreSQL is down keeps the lease and completes on a retry after it is back', async () => {
    const { leaseId, username, password } = await issue();
    await pg.stop();
    try {
      h.clock.advance(10_501);
      await h.core.tick();
      assert.equal(await lookupStatus(leaseId), 200, 'the lease is kept while its revocation fails');
    } finally {
      await pg.resume();
    }
    assert.ok(await canLogIn(username, password), 'not dropped yet');
    h.clock.advance(31_000); // past the first retry's backoff (2 × 10 s, jittered ±50 %)
    await h.core.tick();
    assert.ok(!(await canLogIn(username, password)), 'dropped by the retry');
    assert.equal(await lookupStatus(leaseId), 400);
  });

  it("static roles rotate from core's tick when due, and not while sealed", async () => {
    await ok(
      h.call(
        'update',
        'database/static-roles/periodic',
        { db_name: 'main', username: 'app_periodic', rotation_period: 60 },
        h.rootToken,
      ),
    );
    const password = async (): Promise<string> =>
      (
        (await ok(h.call('read', 'database/static-creds/periodic', {}, h.rootToken))).response!.data as {
          password: string;
        }
      ).password;
    const first = await password();
    h.clock.advance(30_000);
    await h.core.tick();
    assert.equal(await password(), first, 'not due yet');
    h.clock.advance(30_000);
    await h.core.tick();
    const second = await password();
    assert.notEqual(second, first, 'rotated when due');
    assert.ok(await canLogIn('app_periodic', second));
    assert.ok(!(await canLogIn('app_periodic', first)));
    await ok(h.call('update', 'sys/seal', {}, h.rootToken));
    h.clock.advance(120_000);
    await h.core.tick();
    assert.ok(await canLogIn('app_periodic', second), 'a sealed core rotates nothing');
  });
});
