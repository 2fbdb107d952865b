/**
 * Connection configs, roles validation, rotate-root and static roles against a real PostgreSQL:
 * a read never shows the root password, bad input is a 400 with Vault's message and stores
 * nothing, rotate-root leaves the old root password useless, and static roles rotate at creation,
 * on schedule (fake clock + the periodic hook) and on demand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isArcaError } from '../../../../src/lib/errors.js';
import { postgresSkipReason, TestPostgres } from '../../../helpers/postgres.js';
import type { EngineHarness } from '../../../helpers/engine-harness.js';
import {
  adminPassword,
  adminUser,
  authFor,
  configBody,
  mountWithConfig,
  prepareDatabase,
  rejection,
} from './fixture.js';

describe(
  'database config, rotate-root and static roles against PostgreSQL',
  { skip: postgresSkipReason() },
  () => {
    let pg: TestPostgres;
    let h: EngineHarness;

    before(async () => {
      pg = await TestPostgres.start();
      await prepareDatabase(pg);
      await pg.query("CREATE ROLE app_static WITH LOGIN PASSWORD 'initial-Pass-1'");
      h = await mountWithConfig(pg);
    });

    after(async () => {
      await h?.backend.cleanup?.();
      await pg?.destroy();
    });

    async function badRequest(
      path: string,
      data: Record<string, unknown>,
      message: string | RegExp,
    ): Promise<void> {
      const err = await rejection(h.call('write', path, { data }));
      assert.ok(isArcaError(err) && err.httpStatus === 400, `${path}: ${String(err)}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      assert.ok(!err.message.includes(adminPassword));
    }

    it('a config read never shows the root password; a literal one in the URL is masked and warned about', async () => {
      const read = await h.call('read', 'config/main');
      const text = JSON.stringify(read);
      assert.ok(!text.includes(adminPassword), text);
      assert.deepEqual(read.data, {
        plugin_name: 'postgresql-database-plugin',
        plugin_version: '',
        connection_details: {
          connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/postgres?sslmode=disable`,
          username: adminUser,
        },
        allowed_roles: ['*'],
        root_credentials_rotate_statements: [],
        password_policy: '',
        verify_connection: true,
      });
      const literal = `postgresql://${adminUser}:${adminPassword}@127.0.0.1:${pg.port}/postgres`;
      const written = await h.call('write', 'config/literal', {
        data: { plugin_name: 'postgresql-database-plugin', connection_url: literal },
      });
      assert.match(written.warnings?.[0] ?? '', /^Password found in connection_url/);
      const shown = await h.call('read', 'config/literal');
      assert.ok(!JSON.stringify(shown).includes(adminPassword));
      assert.equal(
        (shown.data?.connection_details as { connection_url: string }).connection_url,
        `postgresql://${adminUser}:*****@127.0.0.1:${pg.port}/postgres`,
      );
      assert.deepEqual((await h.call('list', 'config/')).data, { keys: ['literal', 'main'] });
      await h.call('delete', 'config/literal');
      await assert.rejects(h.call('read', 'config/literal'), (e) => isArcaError(e, 'not_found'));
    });

    it('an update merges into the stored config (allowed_roles alone keeps the connection)', async () => {
      await h.call('write', 'config/main', { data: { allowed_roles: 'a,b' } });
      assert.deepEqual((await h.call('read', 'config/main')).data?.allowed_roles, ['a', 'b']);
      await h.call('write', 'config/main', { data: { allowed_roles: '*' } });
    });

    it('bad config input is a 400 with Vault messages, and nothing is stored', async () => {
      const body = configBody(pg);
      await badRequest('config/x', { ...body, plugin_name: '' }, 'empty plugin name');
      await badRequest(
        'config/x',
        { ...body, plugin_name: 'mysql-database-plugin' },
        /^error creating database object: plugin "mysql-database-plugin" is not supported/,
      );
      await badRequest('config/x', { ...body, connection_url: '' }, 'connection_url cannot be empty');
      await badRequest(
        'config/x',
        { ...body, password_authentication: 'md5' },
        "error creating database object: 'md5' is not a valid password authentication type",
      );
      await badRequest(
        'config/x',
        { ...body, password: 'wrong-Password-9' },
        /^error creating database object: error verifying connection: .*password authentication failed/,
      );
      await badRequest(
        'config/x',
        { ...body, connection_url: 'host=127.0.0.1 user=x' },
        /must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      await assert.rejects(h.call('read', 'config/x'), (e) => isArcaError(e, 'not_found'));
      // verify_connection=false stores without connecting.
      await h.call('write', 'config/unverified', {
        data: { ...body, password: 'wrong-Password-9', verify_connection: false },
      });
      assert.equal((await h.call('read', 'config/unverified')).data?.verify_connection, false);
    });

    it('bad role input is a 400 with Vault messages', async () => {
      const create = ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\''];
      await badRequest('roles/r', { creation_statements: create }, 'database name is required');
      await badRequest('roles/r', { db_name: 'main' }, 'empty creation statements');
      await badRequest(
        'roles/r',
        { db_name: 'main', creation_statements: create, default_ttl: '2h', max_ttl: '1h' },
        'ttl cannot be greater than max_ttl',
      );
      await badRequest(
        'roles/r',
        { db_name: 'main', creation_statements: 42 },
        'creation_statements must be a string or a list of strings',
      );
      await h.call('write', 'roles/r', {
        data: { db_name: 'main', creation_statements: create[0], default_ttl: 60 },
      });
      assert.deepEqual((await h.call('read', 'roles/r')).data, {
        db_name: 'main',
        creation_statements: create,
        revocation_statements: [],
        rollback_statements: [],
        renew_statements: [],
        default_ttl: 60,
        max_ttl: 0,
        credential_type: 'password',
      });
      await badRequest(
        'static-roles/r',
        { db_name: 'main', username: 'app_static', rotation_period: 60 },
        'Role and Static Role names must be unique',
      );
      await badRequest(
        'static-roles/s',
        { db_name: 'main', rotation_period: 60 },
        'username is a required field to create a static account',
      );
      await badRequest(
        'static-roles/s',
        { db_name: 'main', username: 'app_static' },
        'rotation_period is required to create static accounts',
      );
      await badRequest(
        'static-roles/s',
        { db_name: 'main', username: 'app_static', rotation_period: 2 },
        'rotation_period must be 5 seconds or more',
      );
      await badRequest(
        'static-roles/s',
        { db_name: 'main', username: 'no_such_user', rotation_period: 60 },
        /does not exist/,
      );
      await assert.rejects(h.call('read', 'static-roles/s'), (e) => isArcaError(e, 'not_found'));
    });

    it('static roles: rotated at creation, on schedule by the periodic hook, and by rotate-role', async () => {
      await h.call('write', 'static-roles/app', {
        data: { db_name: 'main', username: 'app_static', rotation_period: '1h' },
      });
      await assert.rejects(pg.connect('app_static', 'initial-Pass-1'), /password authentication failed/);
      const first = (await h.call('read', 'static-creds/app')).data as Record<string, unknown>;
      assert.equal(first.username, 'app_static');
      assert.equal(first.rotation_period, 3600);
      assert.equal(first.ttl, 3600);
      assert.equal(first.last_vault_rotation, new Date(h.clock.wallMs()).toISOString());
      await (await pg.connect('app_static', String(first.password))).end();

      const periodic = (): Promise<void> =>
        h.backend.periodic!({ storage: h.storage, mountPoint: 'secret/' });
      h.clock.advance(3599_000);
      await periodic();
      assert.equal(
        ((await h.call('read', 'static-creds/app')).data as Record<string, unknown>).password,
        first.password,
      );
      h.clock.advance(1_000);
      await periodic();
      const second = (await h.call('read', 'static-creds/app')).data as Record<string, unknown>;
      assert.notEqual(second.password, first.password);
      assert.equal(second.ttl, 3600);
      await assert.rejects(
        pg.connect('app_static', String(first.password)),
        /password authentication failed/,
      );
      await (await pg.connect('app_static', String(second.password))).end();

      await h.call('write', 'rotate-role/app');
      const third = (await h.call('read', 'static-creds/app')).data as Record<string, unknown>;
      assert.notEqual(third.password, second.password);
      await (await pg.connect('app_static', String(third.password))).end();
      const missing = await rejection(h.call('write', 'rotate-role/nope'));
      assert.equal(missing.message, 'no static role found for role name');
      assert.deepEqual((await h.call('list', 'static-roles/')).data, { keys: ['app'] });
      const read = await h.call('read', 'static-roles/app');
      assert.ok(!JSON.stringify(read).includes(String(third.password)));
    });

    it('rotate-root: the old root password stops working and the engine keeps working with the new one', async () => {
      await pg.query("CREATE ROLE arca_rotating WITH SUPERUSER LOGIN PASSWORD 'rotating-Pass-7'");
      await h.call('write', 'config/rot', {
        data: { ...configBody(pg), username: 'arca_rotating', password: 'rotating-Pass-7' },
      });
      await h.call('write', 'rotate-root/rot');
      await assert.rejects(pg.connect('arca_rotating', 'rotating-Pass-7'), /password authentication failed/);
      assert.ok(!JSON.stringify(await h.call('read', 'config/rot')).includes('rotating-Pass-7'));
      await h.call('write', 'roles/after-rotate', {
        data: {
          db_name: 'rot',
          creation_statements: 'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\'',
        },
      });
      const creds = (await h.call('read', 'creds/after-rotate', { auth: authFor() })).data as Record<
        string,
        string
      >;
      await (await pg.connect(creds.username, creds.password)).end();
      await h.call('write', 'config/lit', {
        data: {
          plugin_name: 'postgresql-database-plugin',
          connection_url: `postgresql://${adminUser}:${adminPassword}@127.0.0.1:${pg.port}/postgres`,
        },
      });
      const literal = await rejection(h.call('write', 'rotate-root/lit'));
      assert.ok(isArcaError(literal, 'invalid_request'));
      assert.equal(literal.message, 'unable to rotate root credentials: no username in configuration');
    });
  },
);
