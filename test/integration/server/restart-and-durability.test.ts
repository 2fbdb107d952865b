import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeVault from 'node-vault';
import { startServerProcess, writeLevelConfig } from './server-process.js';

const marker = 'ARCA-PLAINTEXT-MARKER-7f3a9c';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

test('a real server process: node-vault inits 5/3 and unseals; an acknowledged write survives kill -9; restart starts sealed; no plaintext on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-it-server-'));
  const config = await writeLevelConfig(dir);
  let server = await startServerProcess([`-config=${config}`]);
  try {
    const vault = nodeVault({ endpoint: server.address });
    assert.deepEqual(await vault.initialized(), { initialized: false });
    const init = (await vault.init({ secret_shares: 5, secret_threshold: 3 })) as {
      keys: string[];
      root_token: string;
    };
    assert.equal(init.keys.length, 5);
    assert.match(init.root_token, /^hvs\./);
    let status = (await vault.status()) as { sealed: boolean; t: number; n: number; progress: number };
    assert.deepEqual([status.sealed, status.t, status.n, status.progress], [true, 3, 5, 0]);
    await vault.unseal({ key: init.keys[0] });
    status = await vault.unseal({ key: init.keys[1] });
    assert.equal(status.sealed, true);
    status = await vault.unseal({ key: init.keys[2] });
    assert.equal(status.sealed, false);

    vault.token = init.root_token;
    await vault.mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } });
    await vault.write('secret/data/app', { data: { password: marker } });

    // Crash: the write was acknowledged, so it must survive SIGKILL.
    await server.kill9();
    server = await startServerProcess([`-config=${config}`]);
    const again = nodeVault({ endpoint: server.address, token: init.root_token });
    status = await again.status();
    assert.equal(status.sealed, true, 'a restarted node starts sealed');
    await assert.rejects(
      again.read('secret/data/app'),
      (err: { response?: { statusCode: number } }) => err.response?.statusCode === 503,
    );
    for (const key of [init.keys[4], init.keys[2], init.keys[3]]) status = await again.unseal({ key });
    assert.equal(status.sealed, false);
    const read = (await again.read('secret/data/app')) as { data: { data: { password: string } } };
    assert.equal(read.data.data.password, marker);
    await server.stop();

    for (const file of await filesUnder(join(dir, 'data'))) {
      const bytes = await readFile(file);
      assert.equal(bytes.includes(marker), false, `plaintext marker found in ${file}`);
      assert.equal(bytes.includes(init.root_token), false, `root token found in ${file}`);
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the dev server (README command) starts unsealed with a root token and KV v2 at secret/, and removes its temp dir on stop', async () => {
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    '-dev-root-token-id=dev-root',
  ]);
  try {
    const vault = nodeVault({ endpoint: server.address, token: 'dev-root' });
    assert.equal(((await vault.status()) as { sealed: boolean }).sealed, false);
    await vault.write('secret/data/x', { data: { a: '1' } });
    const read = (await vault.read('secret/data/x')) as { data: { data: { a: string } } };
    assert.equal(read.data.data.a, '1');
    assert.ok(server.output.some((l) => l.startsWith('Root Token: dev-root')));
    // This listener does not allow tokenless metrics: the ACL refuses the scrape.
    const scrape = await fetch(`${server.address}/v1/sys/metrics?format=prometheus`);
    assert.equal(scrape.status, 403);
    const authed = await fetch(`${server.address}/v1/sys/metrics?format=prometheus`, {
      headers: { 'x-vault-token': 'dev-root' },
    });
    assert.equal(authed.status, 200);
  } finally {
    await server.stop();
  }
});
