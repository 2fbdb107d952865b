import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from '../../../src/cli/main.js';
import type { RunningServer, StartServerOptions } from '../../../src/server/main.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';
import { FakeVault } from './fake-vault.js';
import { runCaptured, type Run } from './run-captured.js';

describe('the CLI end to end over HTTP (fake core)', () => {
  let server: RunningApp;
  let vault: FakeVault;
  let home: string;
  let stdin = '';
  let prompts: string[] = [];

  const cli = (...argv: string[]): Promise<Run> =>
    runCaptured(argv, {
      env: { VAULT_ADDR: server.url },
      homeDir: home,
      readStdin: async () => stdin,
      promptSecret: async (prompt) => {
        prompts.push(prompt);
        return 'b64-prompted';
      },
    });

  before(async () => {
    server = await startTestApp();
    vault = new FakeVault();
    server.handler.fallback = (req) => vault.handleRequest(req);
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
    assert.deepEqual(vault.requests.at(-1)?.data, { secret_shares: 3, secret_threshold: 2 });
    const json = JSON.parse(run.out);
    assert.deepEqual(json.unseal_keys_b64, ['b640', 'b641', 'b642']);
    assert.equal(json.root_token, 'hvs.root');
    assert.equal(json.unseal_threshold, 2);
  });

  test('operator unseal: key as argument, prompted when absent, -reset; a bad key is an error', async () => {
    let run = await cli('operator', 'unseal', 'b640');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Unseal Progress\s+1\/2/);
    run = await cli('operator', 'unseal', '-reset');
    assert.match(run.out, /Unseal Progress\s+0\/2/);
    run = await cli('operator', 'unseal', 'nonsense');
    assert.equal(run.code, 1);
    assert.match(run.err, /^Error unsealing: PUT \/v1\/sys\/unseal: Code: 400/);
    await cli('operator', 'unseal', 'b640');
    prompts = [];
    run = await cli('operator', 'unseal');
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(prompts, ['Unseal Key (will be hidden): ']);
    assert.equal(vault.requests.at(-1)?.data.key, 'b64-prompted');
    assert.equal(vault.sealed, false);
    assert.equal((await cli('status')).code, 0);
  });

  test('without a token the server refuses, with the message vault prints', async () => {
    const run = await cli('read', 'kv1/x');
    assert.equal(run.code, 1);
    assert.match(
      run.err,
      /^Error reading kv1\/x: GET \/v1\/kv1\/x: Code: 403\. Errors:\n\n\* permission denied\n\* invalid token/,
    );
  });

  test('login checks the token and stores it in ~/.vault-token with mode 0600', async () => {
    stdin = 'hvs.root\n';
    const run = await cli('login', '-');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Success! You are now authenticated/);
    const file = join(home, '.vault-token');
    assert.equal(readFileSync(file, 'utf8'), 'hvs.root');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await cli('login', 'hvs.wrong')).code, 1);
    assert.equal(readFileSync(file, 'utf8'), 'hvs.root', 'a failed login keeps the stored token');
  });

  test('write, read, list, delete with k=v, @file and stdin data', async () => {
    const file = join(home, 'value.txt');
    writeFileSync(file, 'from-file');
    stdin = 'from-stdin\n';
    let run = await cli('write', 'kv1/app/db', 'user=admin', `cert=@${file}`, 'pass=-');
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, 'Success! Data written to: kv1/app/db\n');
    assert.deepEqual(vault.kv1.get('app/db'), { user: 'admin', cert: 'from-file', pass: 'from-stdin' });
    run = await cli('read', 'kv1/app/db');
    assert.match(run.out, /refresh_interval\s+768h0m0s/);
    assert.match(run.out, /user\s+admin/);
    run = await cli('read', '-field=user', 'kv1/app/db');
    assert.equal(run.out, 'admin\n');
    run = await cli('read', '--format=json', 'kv1/app/db');
    assert.equal(JSON.parse(run.out).data.cert, 'from-file');
    run = await cli('list', 'kv1/app');
    assert.equal(run.out, 'Keys\n----\ndb\n');
    assert.equal(vault.requests.at(-1)?.operation, 'list');
    assert.equal((await cli('delete', 'kv1/app/db')).code, 0);
    run = await cli('read', 'kv1/app/db');
    assert.equal(run.code, 2);
    assert.equal(run.err, 'No value found at kv1/app/db\n');
  });

  test('kv commands detect v2 and rewrite paths; -mount works; cas errors surface', async () => {
    let run = await cli('kv', 'put', 'secret/app', 'a=1');
    assert.equal(run.code, 0, run.err);
    assert.equal(vault.requests.at(-1)?.path, 'secret/data/app');
    assert.deepEqual(vault.requests.at(-1)?.data, { data: { a: '1' } });
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
    assert.equal(vault.requests.at(-1)?.path, 'secret/metadata/');
    assert.match(run.out, /app/);
    run = await cli('kv', 'put', 'kv1/plain', 'x=y');
    assert.equal(run.code, 0, run.err);
    assert.equal(vault.requests.at(-1)?.path, 'kv1/plain');
    run = await cli('kv', 'undelete', 'secret/app');
    assert.equal(run.code, 2, 'missing -versions is a usage error');
    run = await cli('kv', 'undelete', '-versions=1', 'secret/app');
    assert.equal(run.code, 0, run.err);
    assert.equal(vault.requests.at(-1)?.path, 'secret/undelete/app');
    assert.deepEqual(vault.requests.at(-1)?.data, { versions: [1] });
  });

  test('token create, policy write/read/list/delete, secrets enable/list', async () => {
    let run = await cli('token', 'create', '-policy=a', '-policy=b', '-ttl=1h', '-orphan', '-format=json');
    assert.equal(run.code, 0, run.err);
    assert.equal(vault.requests.at(-1)?.path, 'auth/token/create-orphan');
    assert.deepEqual(vault.requests.at(-1)?.data, { policies: ['a', 'b'], ttl: '1h' });
    assert.equal(JSON.parse(run.out).auth.client_token, 'hvs.child');
    run = await cli('token', 'create', '-field=token');
    assert.equal(run.out, 'hvs.child\n');
    stdin = 'path "secret/*" { capabilities = ["read"] }';
    assert.equal((await cli('policy', 'write', 'reader', '-')).code, 0);
    assert.equal((await cli('policy', 'read', 'reader')).out, `${stdin}\n`);
    assert.equal((await cli('policy', 'list')).out, 'default\nreader\n');
    assert.equal((await cli('policy', 'delete', 'reader')).code, 0);
    assert.equal((await cli('policy', 'read', 'reader')).code, 2);
    run = await cli('secrets', 'enable', '-path=apps', '-version=2', 'kv');
    assert.equal(run.out, 'Success! Enabled the kv secrets engine at: apps/\n');
    assert.equal(vault.requests.at(-1)?.path, 'sys/mounts/apps/');
    assert.deepEqual(vault.requests.at(-1)?.data, { type: 'kv', options: { version: '2' } });
    run = await cli('secrets', 'list');
    assert.match(run.out, /secret\/\s+kv\s+kv_1\s+kv/);
  });

  test('operator seal, then status exits 2 again; usage errors exit 2', async () => {
    assert.equal((await cli('operator', 'seal')).code, 0);
    assert.equal((await cli('status')).code, 2);
    assert.equal((await cli('nonsense')).code, 2);
    assert.equal((await cli('status', '-format=yaml')).code, 2);
  });
});

test('server command: flags reach startServer, dev root token is stored, stops on shutdown', async () => {
  const home = mkdtempSync(join(tmpdir(), 'arca-cli-server-'));
  try {
    let received: StartServerOptions | undefined;
    let stopped = false;
    let err = '';
    const code = await runCli(
      ['server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:0'],
      {
        io: { stdout: () => undefined, stderr: (t) => (err += t), env: {}, homeDir: home },
        startServer: async (options) => {
          received = options;
          return {
            addresses: ['http://127.0.0.1:1234'],
            devCredentials: { unsealKey: 'k', rootToken: 'root' },
            stop: async () => {
              stopped = true;
            },
          } as unknown as RunningServer;
        },
        waitForShutdown: async () => undefined,
      },
    );
    assert.equal(code, 0, err);
    assert.equal(received?.dev, true);
    assert.equal(received?.devRootTokenId, 'root');
    assert.equal(received?.devListenAddress, '127.0.0.1:0');
    assert.equal(stopped, true);
    assert.equal(readFileSync(join(home, '.vault-token'), 'utf8'), 'root');
    assert.match(err, /started on http:\/\/127\.0\.0\.1:1234/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the package bin runs as a process and returns vault exit codes', async () => {
  const server = await startTestApp();
  const vault = new FakeVault();
  server.handler.fallback = (req) => vault.handleRequest(req);
  try {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], {
          env: { PATH: process.env.PATH, HOME: tmpdir(), VAULT_ADDR: server.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill(), 10_000);
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
