/**
 * Startup stays lean (issue 16: first 200 on sys/health under 500 ms): a dev server started through
 * the CLI's own modules must not load the libraries only some requests need — openpgp (PGP
 * ceremonies), pg (database engine), jose (JWT auth), bcryptjs (userpass), node-forge (PKI),
 * @cdktf/hcl2json (HCL config files) and fastify's schema compilers (ajv, fast-json-stringify:
 * no route has a schema). A child process records every bare specifier the loader resolves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const lazy = [
  'openpgp',
  'pg',
  'jose',
  'bcryptjs',
  'node-forge',
  '@cdktf/hcl2json',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
];

const hook = `
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) process.send?.(specifier) ?? process.stderr.write('IMPORT ' + specifier + '\\n');
  return next(specifier, context);
}`;

test('a dev server starts and answers sys/health without loading the lazily used libraries', async () => {
  const cliMain = new URL('../../../src/cli/main.js', import.meta.url).href;
  const serverMain = new URL('../../../src/server/main.js', import.meta.url).href;
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    await import(${JSON.stringify(cliMain)});
    const { startServer } = await import(${JSON.stringify(serverMain)});
    const server = await startServer({ dev: true, devListenAddress: '127.0.0.1:0', logLevel: 'error', print: () => {} });
    const res = await fetch(server.addresses[0] + '/v1/sys/health');
    await res.arrayBuffer();
    await server.stop();
    process.stderr.write('HEALTH ' + res.status + '\\n');
  `;
  const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    timeout: 120_000,
  });
  assert.match(stderr, /HEALTH 200/);
  const imported = new Set([...stderr.matchAll(/^IMPORT (\S+)$/gm)].map((m) => m[1]));
  assert.ok(imported.has('fastify') && imported.has('yargs'), 'the hook saw the startup imports');
  for (const name of lazy) assert.ok(!imported.has(name), `${name} is loaded at startup`);
});
