/**
 * `npm run bench:auth`: logins per second through HTTP against an Arca dev server in a child
 * process, at 1 and 16 connections — userpass (dominated by the bcrypt comparison: its cost and
 * the measured time of one comparison are reported) and AppRole (an unlimited secret id: HMAC
 * lookups, no password hash). Every login mints a real service token (storage write, TTL) as core
 * does for any login. Each phase runs for ARCA_BENCH_PHASE_MS (default 3000) and is bounded by it.
 * Env: ARCA_BENCH_CONCURRENCY (default "1,16").
 */
import { Agent, request } from 'node:http';
import bcrypt from 'bcryptjs';
import { bcryptCost } from '../src/engines/auth/userpass/password-hash.js';
import { startArca, stopChild, type Server } from './lib/arca-child.js';
import { runLoad, send, type LoadRequest } from './lib/load.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 3000);
const levels = (process.env['ARCA_BENCH_CONCURRENCY'] ?? '1,16').split(',').map(Number);

/** One request as root; returns the parsed JSON body (throws on >= 400). */
async function api(
  server: Server,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const r = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: {
          'x-vault-token': server.token,
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (out += chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400)
            reject(new Error(`${method} ${path} answered ${res.statusCode}: ${out}`));
          else resolve(out === '' ? {} : (JSON.parse(out) as Record<string, unknown>));
        });
      },
    );
    r.on('error', reject);
    r.end(text);
  });
}

/** Mean time of one bcrypt comparison at the configured cost, in this process (ms). */
async function bcryptCompareMs(): Promise<number> {
  const hash = await bcrypt.hash('benchmark-password', bcryptCost);
  const runs = 10;
  const start = performance.now();
  for (let i = 0; i < runs; i++) await bcrypt.compare('benchmark-password', hash);
  return (performance.now() - start) / runs;
}

async function phase(server: Server, name: string, next: () => LoadRequest): Promise<void> {
  // Untimed warm-up: a fresh process needs a few requests before the hot path is optimised.
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < 5; i++) await send(agent, server.port, next());
  agent.destroy();
  for (const concurrency of levels) {
    const r = await runLoad({ port: server.port, concurrency, durationMs: phaseMs, next: () => next() });
    if (r.errors > 0) throw new Error(`${r.errors} ${name} logins failed at concurrency ${concurrency}`);
    console.log(
      `${name.padEnd(10)} c=${String(concurrency).padEnd(3)} ${r.perSecond.toFixed(1).padStart(8)} logins/s   p50 ${r.p50Ms.toFixed(1)} ms   p99 ${r.p99Ms.toFixed(1)} ms   (${r.requests} logins)`,
    );
  }
}

async function main(): Promise<void> {
  const compareMs = await bcryptCompareMs();
  console.log(
    `userpass password hash: bcrypt (bcryptjs, pure JS), cost ${bcryptCost} = 2^${bcryptCost} rounds; one comparison ${compareMs.toFixed(1)} ms in this process`,
  );
  const server = await startArca();
  try {
    await api(server, 'POST', '/v1/sys/auth/userpass', { type: 'userpass' });
    await api(server, 'POST', '/v1/auth/userpass/users/bench', {
      password: 'benchmark-password',
      token_ttl: '1h',
    });
    await api(server, 'POST', '/v1/sys/auth/approle', { type: 'approle' });
    await api(server, 'POST', '/v1/auth/approle/role/bench', { token_ttl: '1h' });
    const roleId = (
      (await api(server, 'GET', '/v1/auth/approle/role/bench/role-id')).data as { role_id: string }
    ).role_id;
    const secretId = (
      (await api(server, 'POST', '/v1/auth/approle/role/bench/secret-id')).data as { secret_id: string }
    ).secret_id;
    const userpassBody = JSON.stringify({ password: 'benchmark-password' });
    await phase(server, 'userpass', () => ({
      method: 'POST',
      path: '/v1/auth/userpass/login/bench',
      body: userpassBody,
    }));
    const approleBody = JSON.stringify({ role_id: roleId, secret_id: secretId });
    await phase(server, 'approle', () => ({
      method: 'POST',
      path: '/v1/auth/approle/login',
      body: approleBody,
    }));
  } finally {
    await stopChild(server);
  }
}

await main();
