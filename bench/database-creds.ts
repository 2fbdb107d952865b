/**
 * `npm run bench:database`: `database/creds` requests per second through a real `arca server -dev`
 * process over HTTP, against a throwaway local PostgreSQL (test/helpers/postgres.ts), with 1 and
 * 16 concurrent clients. Each request creates a user (CREATE ROLE + GRANT in one transaction, a
 * generated password) and registers a lease. Then `sys/leases/revoke-prefix` drops every issued
 * user (the default revocation: revoke privileges, end sessions, DROP ROLE) and its rate is
 * reported too. The pool is `max_open_connections=16`. Each load phase runs ARCA_BENCH_PHASE_MS
 * (default 5000) and is bounded by it.
 */
import { runLoad, type LoadResult } from './lib/load.js';
import { startServerProcess } from '../test/integration/server/server-process.js';
import { TestPostgres } from '../test/helpers/postgres.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 5000);
const token = 'bench-database';

async function main(): Promise<void> {
  const pg = await TestPostgres.start();
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    `-dev-root-token-id=${token}`,
  ]);
  try {
    const port = Number(new URL(server.address).port);
    const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
      const response = await fetch(`${server.address}/v1/${path}`, {
        method,
        headers: { 'X-Vault-Token': token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status >= 400)
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response;
    };
    await pg.query("CREATE ROLE bench_admin WITH SUPERUSER LOGIN PASSWORD 'bench-Admin-1'");
    await pg.query('CREATE TABLE public.items (id int PRIMARY KEY)');
    await call('POST', 'sys/mounts/database', { type: 'database' });
    await call('POST', 'database/config/main', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/postgres?sslmode=disable`,
      username: 'bench_admin',
      password: 'bench-Admin-1',
      allowed_roles: '*',
      max_open_connections: 16,
    });
    await call('POST', 'database/roles/bench', {
      db_name: 'main',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";',
      ],
      default_ttl: '1h',
    });
    const request = { method: 'GET', path: '/v1/database/creds/bench', headers: { 'X-Vault-Token': token } };
    await runLoad({ port, concurrency: 4, durationMs: 500, next: () => request }); // warm-up
    const results: Array<[string, LoadResult]> = [];
    for (const concurrency of [1, 16]) {
      results.push([
        `creds c=${concurrency}`,
        await runLoad({ port, concurrency, durationMs: phaseMs, next: () => request }),
      ]);
    }
    const users = Number(
      (await pg.query("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE 'v-%'")).rows[0]?.n ?? 0,
    );
    const t0 = performance.now();
    await call('PUT', 'sys/leases/revoke-prefix/database/creds/bench');
    const revokeMs = performance.now() - t0;
    const left = Number(
      (await pg.query("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE 'v-%'")).rows[0]?.n ?? 0,
    );

    console.log(`database/creds against local PostgreSQL (phase ${phaseMs} ms)`);
    console.log('phase           req/s    p50 ms   p99 ms   requests  errors');
    for (const [name, r] of results) {
      console.log(
        `${name.padEnd(14)} ${r.perSecond.toFixed(0).padStart(6)} ${r.p50Ms.toFixed(1).padStart(9)} ${r.p99Ms.toFixed(1).padStart(8)} ${String(r.requests).padStart(10)} ${String(r.errors).padStart(7)}`,
      );
    }
    console.log(
      `revoke-prefix: ${users} users dropped in ${revokeMs.toFixed(0)} ms (${((users / revokeMs) * 1000).toFixed(0)}/s), ${left} left`,
    );
  } finally {
    await server.stop();
    await pg.destroy();
  }
}

await main();
