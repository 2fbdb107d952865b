/**
 * Startup stays lean (issue 16: first 200 on sys/health under 500 ms): `arca server -dev`, run as
 * the real process, must not load the libraries only some requests or commands need — openpgp (PGP
 * ceremonies), pg (database engine), jose (JWT auth), bcryptjs (userpass), node-forge (PKI),
 * fastify's schema compilers (ajv, fast-json-stringify: no route has a schema), @opentelemetry/api
 * (prom-client's index pulls it in for exemplars), yargs and the other CLI commands (a plain
 * `server` start skips them), the engines a fresh node does not mount (loaded on their first
 * mount), the CLI's HTTP client and prompt (only other commands use them), node:zlib (the web UI's
 * files are gzipped on first demand) and prom-client's process metrics (node:v8; registered once
 * the node serves). A loader hook records every module the process loads; on SIGUSR2 the process
 * lists the built-in modules it has loaded (`process.moduleLoadList`, which also sees CommonJS
 * requires).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnDevServer } from './dev-process.js';

const lazyPackages = [
  'openpgp',
  'pg',
  'jose',
  'bcryptjs',
  'node-forge',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  'yargs',
  '@opentelemetry/api',
];
/** Arca modules (under dist/src/) that a dev server's first health check must not need. */
const lazyModules = [
  'cli/cli-tree.js',
  'cli/commands/kv.js',
  'cli/commands/operator.js',
  'engines/transit/index.js',
  'engines/totp/index.js',
  'engines/pki/index.js',
  'engines/database/index.js',
  'engines/auth/jwt/index.js',
  'engines/auth/userpass/index.js',
  'engines/auth/approle/index.js',
  'api/client.js',
  'cli/prompt.js',
];
/** Node built-ins a dev server's first health check must not need. */
// v8: prom-client's heap-space metric; the process metrics are registered once the node serves.
const lazyBuiltins = ['zlib', 'readline', 'v8'];

const hook = `
export async function load(url, context, next) {
  process.stderr.write('LOAD ' + url + '\\n');
  return next(url, context);
}`;
const listBuiltins = `process.on('SIGUSR2', () => process.stderr.write('BUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));`;
const preload = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)})); ${listBuiltins}`;

test('arca server -dev answers sys/health without loading the lazily used libraries and modules', async () => {
  const { child, stop } = spawnDevServer(preload, 'arca-startup-imports-');
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address in 120 s:\n${stderr}`)), 120_000);
      const check = (): void => {
        const m = /started on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stderr.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${stderr}`));
      });
    });
    const res = await fetch(`${address}/v1/sys/health`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    const builtins = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no built-in list in 60 s:\n${stderr}`)), 60_000);
      const check = (): void => {
        const m = /^BUILTINS (.*)\n/m.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].split(' '));
        }
      };
      child.stderr.on('data', check);
      child.kill('SIGUSR2');
    });
    assert.ok(builtins.includes('http'), 'the list names the loaded built-ins');
    const loaded = [...stderr.matchAll(/^LOAD (\S+)$/gm)].map((m) => m[1]);
    const has = (fragment: string): boolean => loaded.some((url) => url.includes(fragment));
    assert.ok(
      has('/node_modules/fastify/') && has('/dist/src/core/core.js'),
      'the hook saw the startup modules',
    );
    assert.match(stdout, /Root Token: /);
    for (const name of lazyPackages)
      assert.ok(!has(`/node_modules/${name}/`), `${name} is loaded at startup`);
    for (const path of lazyModules) assert.ok(!has(`/dist/src/${path}`), `${path} is loaded at startup`);
    for (const name of lazyBuiltins) assert.ok(!builtins.includes(name), `node:${name} is loaded at startup`);
  } finally {
    await stop('SIGTERM');
  }
});
