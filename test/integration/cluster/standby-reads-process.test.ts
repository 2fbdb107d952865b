import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditApi } from '../../../src/api/audit.js';
import { ArcaClient } from '../../../src/api/client.js';
import { isApiError } from '../../../src/api/errors.js';
import { healthStatus, initCluster, waitUntil } from '../../../src/devcluster/launcher.js';
import { ChaosCluster } from '../../../chaos/cluster/cluster.js';
import { TestCluster } from './helpers.js';

/** Audit entries of `file` (a node's own audit log) for `path`, as their types in file order. */
async function auditTypesFor(file: string, path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; request?: { path?: string } })
    .filter((e) => e.request?.path === path)
    .map((e) => e.type);
}

/** Runs `fn` with a client of `address` (token optional), closing it afterwards. */
async function withClient<T>(
  address: string,
  token: string | undefined,
  fn: (c: ArcaClient) => Promise<T>,
): Promise<T> {
  const client = new ArcaClient({ address, token, timeoutMs: 30_000 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The HTTP status of `fn`'s request: 200 when it succeeded, the error's status otherwise. */
async function statusOf(fn: () => Promise<unknown>): Promise<number> {
  try {
    await fn();
    return 200;
  } catch (err) {
    if (isApiError(err)) return err.status;
    throw err;
  }
}

describe('standby reads (standby_reads = true), real processes on loopback', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let token: string;
  let active = '';
  let standbys: string[] = [];
  const ids = ['node1', 'node2', 'node3'];
  const auditFile = (id: string): string => join(cluster.dir, id, 'audit.log');

  const write = (id: string, path: string, data: Record<string, unknown>, as = token): Promise<unknown> =>
    withClient(cluster.api(id), as, (c) => c.write(`secret/data/${path}`, { data }));
  const read = (id: string, path: string, as = token): Promise<Record<string, unknown> | undefined> =>
    withClient(cluster.api(id), as, async (c) => {
      const secret = await c.read<{ data: Record<string, unknown> }>(`secret/data/${path}`);
      return secret?.data?.data;
    });

  before(async () => {
    cluster = await TestCluster.create();
    for (const id of ids) (await cluster.define(id)).standbyReads = true;
    await Promise.all(ids.map((id) => cluster.start(id)));
    const init = await initCluster(ids.map((id) => cluster.api(id)));
    token = init.rootToken;
    active = await cluster.activeNode();
    standbys = ids.filter((id) => id !== active);
    await withClient(cluster.api(active), token, async (c) => {
      await c.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
      // A relative file_path: every node (each runs in its own directory) writes its own file.
      await new AuditApi(c).enable('file', { type: 'file', options: { file_path: 'audit.log' } });
    });
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('a write on the active node is read back at once on every standby, served by the standby', async () => {
    for (let i = 0; i < 20; i++) {
      const reader = standbys[i % standbys.length];
      await write(active, 'ryw', { n: i });
      assert.deepEqual(await read(reader, 'ryw'), { n: i }, `read ${i} on ${reader}`);
    }
    // Served there: the read is in the standby's own audit log, once, and not in the active's.
    const marker = `served-here-${randomUUID()}`;
    await write(active, marker, { v: 1 });
    const standby = standbys[0];
    assert.deepEqual(await read(standby, marker), { v: 1 });
    const path = `secret/data/${marker}`;
    const onStandby = await auditTypesFor(auditFile(standby), path);
    const onActive = await auditTypesFor(auditFile(active), path);
    assert.deepEqual(onStandby, ['request', 'response'], 'the standby audited its read once');
    assert.deepEqual(onActive, ['request', 'response'], 'the active node audited only the write');
  });

  test('a token revoked on the active node is refused by a standby immediately', async () => {
    const standby = standbys[0];
    await write(active, 'revoked', { v: 1 });
    const created = await withClient(cluster.api(active), token, (c) =>
      c.tokens.create({ policies: ['root'] }),
    );
    const child = created!.auth!.client_token;
    assert.deepEqual(
      await read(standby, 'revoked', child),
      { v: 1 },
      'valid (and now cached) on the standby',
    );
    await withClient(cluster.api(active), token, (c) => c.tokens.revokeAccessor(created!.auth!.accessor));
    assert.equal(await statusOf(() => read(standby, 'revoked', child)), 403);
  });

  test('a policy changed on the active node is honoured by a standby immediately', async () => {
    const standby = standbys[1];
    await write(active, 'policy-target', { v: 1 });
    const allow = 'path "secret/data/policy-target" { capabilities = ["read"] }';
    const deny = 'path "secret/data/elsewhere" { capabilities = ["read"] }';
    const admin = (fn: (c: ArcaClient) => Promise<unknown>): Promise<unknown> =>
      withClient(cluster.api(active), token, fn);
    await admin((c) => c.sys.writePolicy('standby-reader', allow));
    const created = (await admin((c) => c.tokens.create({ policies: ['standby-reader'] }))) as {
      auth: { client_token: string };
    };
    const reader = created.auth.client_token;
    assert.deepEqual(await read(standby, 'policy-target', reader), { v: 1 });
    await admin((c) => c.sys.writePolicy('standby-reader', deny));
    assert.equal(await statusOf(() => read(standby, 'policy-target', reader)), 403, 'narrowed at once');
    await admin((c) => c.sys.writePolicy('standby-reader', allow));
    assert.deepEqual(await read(standby, 'policy-target', reader), { v: 1 }, 'widened at once');
  });

  test('a num_uses token on a standby is forwarded: each use counted once, audited once, on the active node', async () => {
    const standby = standbys[0];
    const marker = `uses-${randomUUID()}`;
    await write(active, marker, { v: 1 });
    const created = await withClient(cluster.api(active), token, (c) =>
      c.tokens.create({ policies: ['root'], num_uses: 2 }),
    );
    const limited = created!.auth!.client_token;
    const accessor = created!.auth!.accessor;
    assert.deepEqual(await read(standby, marker, limited), { v: 1 });
    const after = await withClient(cluster.api(active), token, (c) => c.tokens.lookupAccessor(accessor));
    assert.equal((after?.data as { num_uses: number }).num_uses, 1, 'one use spent by one read');
    const path = `secret/data/${marker}`;
    assert.deepEqual(await auditTypesFor(auditFile(active), path), [
      'request',
      'response',
      'request',
      'response',
    ]);
    assert.deepEqual(await auditTypesFor(auditFile(standby), path), [], 'nothing audited on the standby');
    assert.deepEqual(await read(standby, marker, limited), { v: 1 }, 'the last use');
    assert.equal(await statusOf(() => read(standby, marker, limited)), 403, 'used up');
  });

  test('a mount enabled on the active node is served by a standby at once (its mounts reload)', async () => {
    const standby = standbys[1];
    await withClient(cluster.api(active), token, async (c) => {
      await c.sys.enableMount('late', { type: 'kv', options: { version: '2' } });
      await c.write('late/data/k', { data: { v: 'late' } });
    });
    const got = await withClient(cluster.api(standby), token, (c) =>
      c.read<{ data: { v: string } }>('late/data/k'),
    );
    assert.equal(got?.data?.data?.v, 'late');
    assert.deepEqual(await auditTypesFor(auditFile(standby), 'late/data/k'), ['request', 'response']);
    assert.deepEqual(await auditTypesFor(auditFile(active), 'late/data/k'), ['request', 'response']);
  });

  test('writes sent to a standby are still forwarded', async () => {
    const standby = standbys[1];
    await write(standby, 'via-standby', { from: standby });
    assert.deepEqual(await read(active, 'via-standby'), { from: standby });
    assert.equal(await healthStatus(cluster.api(standby)), 429, 'still a standby');
  });
});

describe('standby reads under a partition (fault proxies on the cluster links)', { timeout: 300_000 }, () => {
  let dir: string;
  let cluster: ChaosCluster | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arca-standby-partition-'));
    cluster = await ChaosCluster.start({ nodes: 3, dir, proxies: true, clock: false, standbyReads: true });
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a partitioned standby never serves a stale read', async () => {
    const c = cluster!;
    let active = '';
    await waitUntil(
      'an active node',
      async () => {
        for (const m of c.members) if ((await c.health(m.id)) === 200) active = m.id;
        return active !== '';
      },
      60_000,
    );
    const [isolated, other] = c.members.map((m) => m.id).filter((id) => id !== active);
    const kv = (id: string): ArcaClient => c.client(id, 15_000);
    const onActive = kv(active);
    const onIsolated = kv(isolated);
    try {
      await onActive.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
      await onActive.write('secret/data/fresh', { data: { v: 'old' } });
      const readIsolated = async (): Promise<string | number> => {
        try {
          const s = await onIsolated.read<{ data: { v: string } }>('secret/data/fresh');
          return s?.data?.data?.v ?? 404;
        } catch (err) {
          // An error status, or no answer in time: either way nothing stale.
          return isApiError(err) ? err.status : 'no answer';
        }
      };
      assert.equal(await readIsolated(), 'old', 'served before the partition');
      // One way first: the isolated standby still reaches the leader (and, until its election
      // timeout, still believes in it), but nothing comes back: no entry, no ReadIndex answer.
      c.links.cutOneWay(active, isolated);
      c.links.cutOneWay(other, isolated);
      // Committed by the two connected voters; the isolated standby cannot have applied it.
      await onActive.write('secret/data/fresh', { data: { v: 'new' } });
      const seen = new Set<string | number>([await readIsolated()]);
      // Then both ways.
      c.links.cutOneWay(isolated, active);
      c.links.cutOneWay(isolated, other);
      seen.add(await readIsolated());
      assert.ok(!seen.has('old'), `the isolated standby answered ${[...seen].join(', ')}`);
      for (const answer of seen)
        assert.ok(
          answer === 'new' || answer === 'no answer' || (typeof answer === 'number' && answer >= 500),
        );
      c.links.healAll();
      await waitUntil(
        'the healed standby to serve the new value',
        async () => (await readIsolated()) === 'new',
        60_000,
      );
    } finally {
      onActive.close();
      onIsolated.close();
    }
  });
});
