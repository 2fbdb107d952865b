import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from '../../../src/cli/main.js';
import { ArcaClient } from '../../../src/api/client.js';
import { startServer } from '../../../src/server/main.js';
import { LogSink } from '../server/http/test-handler.js';
import { startRealServer, type RealServer } from '../../helpers/real-server.js';
import { runCaptured, type Run } from './run-captured.js';

describe('the CLI end to end over HTTP (real in-memory core)', () => {
  let server: RealServer;
  let home: string;
  let stdin = '';
  let prompted = '';
  let prompts: string[] = [];
  let keys: string[] = [];
  let rootToken = '';

  const cli = (...argv: string[]): Promise<Run> =>
    runCaptured(argv, {
      env: { VAULT_ADDR: server.url },
      homeDir: home,
      readStdin: async () => stdin,
      promptSecret: async (prompt) => {
        prompts.push(prompt);
        return prompted;
      },
    });

  before(async () => {
    server = await startRealServer();
    home = mkdtempSync(join(tmpdir(), 'arca-cli-home-'));
  });
  after(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('status of a sealed server exits 2', async () => {
    const run = await cli('status');
    assert.equal(run.code, 2);
    assert.match(run.out, /Sealed\s+true/);
  });

  test('operator init with vault flags, both -flag and --flag forms, json output', async () => {
    const run = await cli('operator', 'init', '-key-shares=3', '--key-threshold=2', '-format=json');
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(server.last().data, { secret_shares: 3, secret_threshold: 2 });
    const json = JSON.parse(run.out);
    keys = json.unseal_keys_b64;
    rootToken = json.root_token;
    assert.equal(keys.length, 3);
    assert.equal(new Set(keys).size, 3);
    assert.deepEqual(
      json.unseal_keys_hex,
      keys.map((k) => Buffer.from(k, 'base64').toString('hex')),
    );
    assert.match(rootToken, /^hvs\.\S+$/);
    assert.equal(json.unseal_threshold, 2);
  });

  test('operator unseal: key as argument, prompted when absent, -reset; a bad key is an error', async () => {
    let run = await cli('operator', 'unseal', keys[0]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Unseal Progress\s+1\/2/);
    run = await cli('operator', 'unseal', '-reset');
    assert.match(run.out, /Unseal Progress\s+0\/2/);
    run = await cli('operator', 'unseal', 'nonsense');
    assert.equal(run.code, 1);
    assert.match(run.err, /^Error unsealing: PUT \/v1\/sys\/unseal: Code: 400/);
    await cli('operator', 'unseal', keys[0]);
    prompts = [];
    prompted = keys[1];
    run = await cli('operator', 'unseal');
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(prompts, ['Unseal Key (will be hidden): ']);
    assert.equal(server.last().data.key, keys[1]);
    assert.match(run.out, /Sealed\s+false/);
    assert.equal((await cli('status')).code, 0);
  });

  test('without a valid token the server refuses, with the message vault prints', async () => {
    const run = await runCaptured(['read', 'secret/x'], {
      env: { VAULT_ADDR: server.url, VAULT_TOKEN: 'hvs.not-a-token' },
      homeDir: home,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.err,
      /^Error reading secret\/x: GET \/v1\/secret\/x: Code: 403\. Errors:\n\n\* permission denied/,
    );
  });

  test('login checks the token and stores it in ~/.vault-token with mode 0600', async () => {
    stdin = `${rootToken}\n`;
    const run = await cli('login', '-');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Success! You are now authenticated/);
    const file = join(home, '.vault-token');
    assert.equal(readFileSync(file, 'utf8'), rootToken);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await cli('login', 'hvs.wrong')).code, 1);
    assert.equal(readFileSync(file, 'utf8'), rootToken, 'a failed login keeps the stored token');
  });

  test('secrets enable (KV v1 and v2) and list', async () => {
    let run = await cli('secrets', 'enable', '-path=kv1', 'kv');
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, 'Success! Enabled the kv secrets engine at: kv1/\n');
    run = await cli('secrets', 'enable', '-path=secret', '-version=2', 'kv');
    assert.equal(run.out, 'Success! Enabled the kv secrets engine at: secret/\n');
    assert.equal(server.last().path, 'sys/mounts/secret/');
    assert.deepEqual(server.last().data, { type: 'kv', options: { version: '2' } });
    run = await cli('secrets', 'list');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^kv1\/\s+kv\s+kv_\w+/m);
    assert.match(run.out, /^secret\/\s+kv\s+kv_\w+/m);
    assert.equal((await cli('secrets', 'enable', '-path=kv1', 'kv')).code, 1, 'path already in use');
  });

  test('write, read, list, delete with k=v, @file and stdin data', async () => {
    const file = join(home, 'value.txt');
    writeFileSync(file, 'from-file');
    stdin = 'from-stdin\n';
    let run = await cli('write', 'kv1/app/db', 'user=admin', `cert=@${file}`, 'pass=-');
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, 'Success! Data written to: kv1/app/db\n');
    run = await cli('read', '-format=json', 'kv1/app/db');
    assert.deepEqual(JSON.parse(run.out).data, { user: 'admin', cert: 'from-file', pass: 'from-stdin' });
    run = await cli('read', 'kv1/app/db');
    assert.match(run.out, /refresh_interval\s+768h0m0s/);
    assert.match(run.out, /user\s+admin/);
    run = await cli('read', '-field=user', 'kv1/app/db');
    assert.equal(run.out, 'admin\n');
    run = await cli('list', 'kv1/app');
    assert.equal(run.out, 'Keys\n----\ndb\n');
    assert.equal(server.last().operation, 'list');
    assert.equal((await cli('delete', 'kv1/app/db')).code, 0);
    run = await cli('read', 'kv1/app/db');
    assert.equal(run.code, 2);
    assert.equal(run.err, 'No value found at kv1/app/db\n');
  });

  test('kv commands detect v2 and rewrite paths; -mount works; cas errors surface', async () => {
    let run = await cli('kv', 'put', 'secret/app', 'a=1');
    assert.equal(run.code, 0, run.err);
    assert.equal(server.last().path, 'secret/data/app');
    assert.deepEqual(server.last().data, { data: { a: '1' } });
    run = await cli('kv', 'put', '-mount=secret', '-cas=1', 'app', 'a=2');
    assert.equal(run.code, 0, run.err);
    run = await cli('kv', 'put', '-cas=0', 'secret/app', 'a=3');
    assert.equal(run.code, 1);
    assert.match(run.err, /check-and-set parameter did not match/);
    run = await cli('kv', 'get', 'secret/app');
    assert.match(run.out, /====== Data ======[\s\S]*a\s+2/);
    assert.match(run.out, /version\s+2/);
    run = await cli('kv', 'get', '-version=1', '-field=a', 'secret/app');
    assert.equal(run.out, '1\n');
    run = await cli('kv', 'list', 'secret/');
    assert.equal(server.last().path, 'secret/metadata/');
    assert.match(run.out, /app/);
    run = await cli('kv', 'put', 'kv1/plain', 'x=y');
    assert.equal(run.code, 0, run.err);
    assert.equal(server.last().path, 'kv1/plain');
    run = await cli('kv', 'undelete', 'secret/app');
    assert.equal(run.code, 2, 'missing -versions is a usage error');
    assert.equal((await cli('kv', 'delete', 'secret/app')).code, 0);
    assert.equal((await cli('kv', 'get', 'secret/app')).code, 2, 'the latest version is deleted');
    run = await cli('kv', 'undelete', '-versions=2', 'secret/app');
    assert.equal(run.code, 0, run.err);
    assert.equal(server.last().path, 'secret/undelete/app');
    assert.deepEqual(server.last().data, { versions: [2] });
    assert.equal((await cli('kv', 'get', '-field=a', 'secret/app')).out, '2\n');
  });

  test('token create, policy write/read/list/delete', async () => {
    let run = await cli('token', 'create', '-policy=a', '-policy=b', '-ttl=1h', '-orphan', '-format=json');
    assert.equal(run.code, 0, run.err);
    assert.equal(server.last().path, 'auth/token/create-orphan');
    assert.deepEqual(server.last().data, { policies: ['a', 'b'], ttl: '1h' });
    const auth = JSON.parse(run.out).auth;
    assert.match(auth.client_token, /^hvs\.\S+$/);
    assert.deepEqual(auth.policies, ['a', 'b', 'default']);
    assert.equal(auth.lease_duration, 3600);
    assert.equal(auth.orphan, true);
    run = await cli('token', 'create', '-field=token');
    assert.match(run.out, /^hvs\.\S+\n$/);
    assert.notEqual(run.out.trim(), auth.client_token);
    stdin = 'path "secret/*" { capabilities = ["read"] }';
    assert.equal((await cli('policy', 'write', 'reader', '-')).code, 0);
    assert.equal((await cli('policy', 'read', 'reader')).out, `${stdin}\n`);
    assert.equal((await cli('policy', 'list')).out, 'default\nreader\nroot\n');
    assert.equal((await cli('policy', 'delete', 'reader')).code, 0);
    assert.equal((await cli('policy', 'read', 'reader')).code, 2);
  });

  test('operator seal, then status exits 2 again; usage errors exit 2', async () => {
    assert.equal((await cli('operator', 'seal')).code, 0);
    assert.equal((await cli('status')).code, 2);
    assert.equal((await cli('nonsense')).code, 2);
    assert.equal((await cli('status', '-format=yaml')).code, 2);
  });
});

test('server command: a real dev server on -dev-listen-address serves the dev root token, stores it, stops on shutdown', async () => {
  const home = mkdtempSync(join(tmpdir(), 'arca-cli-server-'));
  try {
    let err = '';
    let address = '';
    let banner = '';
    const code = await runCli(
      ['server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:0'],
      {
        io: { stdout: () => undefined, stderr: (t) => (err += t), env: {}, homeDir: home },
        // The real server; only its log lines and banner are captured instead of printed.
        startServer: (options) =>
          startServer({ ...options, logDestination: new LogSink(), print: (t) => (banner += t) }),
        // Runs while the server is up: use it through the API, then let the command shut it down.
        waitForShutdown: async () => {
          address = /started on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1] ?? '';
          const client = new ArcaClient({ address, token: 'root' });
          try {
            await client.write('secret/data/app', { data: { k: 'v' } });
            assert.deepEqual((await client.read('secret/data/app'))?.data?.data, { k: 'v' });
          } finally {
            client.close();
          }
        },
      },
    );
    assert.equal(code, 0, err);
    assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(address, /:0$/, 'port 0 was resolved to the real port');
    assert.match(banner, /Root Token: root/);
    assert.equal(readFileSync(join(home, '.vault-token'), 'utf8'), 'root');
    assert.match(err, /Shutting down/);
    await assert.rejects(fetch(`${address}/v1/sys/health`), 'the listener is closed after shutdown');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the package bin runs as a process and returns vault exit codes', async () => {
  const server = await startRealServer();
  try {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], {
          env: { PATH: process.env.PATH, HOME: tmpdir(), VAULT_ADDR: server.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill(), 60_000); // bound for a hung child, not a speed target
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const sealed = await run(['status', '-format=json']);
    assert.equal(sealed.code, 2);
    assert.equal(JSON.parse(sealed.out).sealed, true);
    assert.equal((await run(['read'])).code, 2);
    assert.ok(readFileSync('dist/src/cli/main.js', 'utf8').startsWith('#!/usr/bin/env node\n'));
  } finally {
    await server.close();
  }
});
