/**
 * `npm run bench:jwt`: JWT logins per second (and p50/p99) against a dev server in a child process
 * at concurrency 1 and 16, with a static RS256 public key (`jwt_validation_pubkeys`) and an ES256
 * key, each login a fresh token (signed ahead of time, so the load generator measures the server:
 * signature check, claims, role read and the token write). The auth engineer's `bench:auth` may
 * absorb this. Env: ARCA_BENCH_PHASE_MS (default 2000) per measurement, bounded by it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { runLoad, send } from './lib/load.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 2000);

interface Server {
  child: ChildProcess;
  port: number;
  token: string;
}

function startArca(): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['dist/src/cli/main.js', 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-log-level=error'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const acc: Partial<Server> = { child };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server did not start in 30 s'));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const addr = /VAULT_ADDR='http:\/\/127\.0\.0\.1:(\d+)'/.exec(line);
      if (addr) acc.port = Number(addr[1]);
      const token = /^Root Token: (\S+)/.exec(line);
      if (token) acc.token = token[1];
      if (acc.port !== undefined && acc.token !== undefined) {
        clearTimeout(timer);
        resolve(acc as Server);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function call(server: Server, method: string, path: string, body: unknown): Promise<void> {
  const agent = new Agent({ keepAlive: false });
  const status = await send(agent, server.port, {
    method,
    path: `/v1/${path}`,
    headers: { 'x-vault-token': server.token },
    body: JSON.stringify(body),
  });
  agent.destroy();
  if (status >= 400) throw new Error(`${method} ${path} answered ${status}`);
}

async function main(): Promise<void> {
  const server = await startArca();
  try {
    await call(server, 'POST', 'sys/auth/jwt', { type: 'jwt' });
    for (const alg of ['RS256', 'ES256'] as const) {
      const keys = await generateKeyPair(alg);
      await call(server, 'POST', 'auth/jwt/config', {
        jwt_validation_pubkeys: [await exportSPKI(keys.publicKey)],
      });
      await call(server, 'POST', 'auth/jwt/role/bench', {
        role_type: 'jwt',
        bound_audiences: ['arca'],
        user_claim: 'sub',
        token_policies: ['default'],
        token_ttl: '10m',
      });
      // Enough distinct tokens for the phase (reused round-robin if the server outruns them).
      const now = Math.floor(Date.now() / 1000);
      const tokens = await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          new SignJWT({ sub: `w${i}`, aud: 'arca', iat: now, exp: now + 3600 })
            .setProtectedHeader({ alg })
            .sign(keys.privateKey),
        ),
      );
      for (const concurrency of [1, 16]) {
        const result = await runLoad({
          port: server.port,
          concurrency,
          durationMs: phaseMs,
          next: (worker, i) => ({
            method: 'POST',
            path: '/v1/auth/jwt/login',
            body: JSON.stringify({ role: 'bench', jwt: tokens[(worker * 7919 + i) % tokens.length] }),
          }),
        });
        console.log(
          `jwt login ${alg} c=${String(concurrency).padStart(2)}: ${result.perSecond.toFixed(0)}/s ` +
            `p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms errors ${result.errors}`,
        );
      }
    }
  } finally {
    await stop(server);
  }
}

await main();
