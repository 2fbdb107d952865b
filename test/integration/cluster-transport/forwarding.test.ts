import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ArcaError } from '../../../src/lib/errors.js';
import {
  forwardMethod,
  RequestForwarding,
  isLocallyAnswered,
  type ForwardedRequest,
} from '../../../src/server/cluster/forwarding.js';
import { clusterHttpGate, type HaView } from '../../../src/server/cluster/http-gate.js';
import { pollUntil } from '../../../src/lib/poll.js';
import { injectInto } from '../../../src/server/cluster/inject.js';
import { currentForwardedWrite, forwardedClientId } from '../../../src/storage/raft/write-identity.js';
import { readJson, startTestApp, type RunningApp } from '../../unit/server/http/test-handler.js';
import { connectAll, startNode, TempDirs, type TestNode } from './helpers.js';

/** A two-node setup: `standby` forwards to `active` over real Noise connections and real HTTP apps. */
describe('request forwarding from a standby to the active node', () => {
  const temp = new TempDirs();
  let standbyNode: TestNode;
  let activeNode: TestNode;
  let standby: RunningApp;
  let active: RunningApp;
  const standbyView: { mode: ReturnType<HaView['mode']>; active: ReturnType<HaView['active']> } = {
    mode: 'standby',
    active: undefined,
  };
  let activeIsActive = true;
  let activeIsActivating = false;
  let activatingAsked = 0;
  let standbyForwarding: RequestForwarding;
  /** (client id/seq) the active node's replicated dedupe table reports as applied. */
  const appliedElsewhere = new Set<string>();

  before(async () => {
    standbyNode = await startNode(temp);
    activeNode = await startNode(temp);
    connectAll(standbyNode, activeNode);
    standbyForwarding = new RequestForwarding({
      transport: standbyNode.transport,
      logger: standbyNode.logger,
      timeoutMs: 5_000,
      dedupeEntriesMax: 100,
      connectWaitMs: 2_000,
    });
    const activeForwarding = new RequestForwarding({
      transport: activeNode.transport,
      logger: activeNode.logger,
      timeoutMs: 5_000,
      dedupeEntriesMax: 100,
      connectWaitMs: 2_000,
      forwardedRequestApplied: (clientId, seq) => appliedElsewhere.has(`${clientId}/${seq}`),
    });
    const view: HaView = { mode: () => standbyView.mode, active: () => standbyView.active };
    standby = await startTestApp({ intercept: clusterHttpGate(view, standbyForwarding) });
    const activeView: HaView = { mode: () => 'active', active: () => undefined };
    active = await startTestApp({ intercept: clusterHttpGate(activeView, activeForwarding) });
    activeForwarding.serve(
      injectInto(active.app),
      () => activeIsActive,
      () => {
        activatingAsked++;
        return activeIsActivating;
      },
    );
    standbyView.active = { peerId: activeNode.identity.peerId, apiAddr: active.url };
  });
  after(async () => {
    await Promise.allSettled([standby?.close(), active?.close()]);
    await Promise.allSettled([standbyNode?.transport.close(), activeNode?.transport.close()]);
    await temp.cleanup();
  });

  test('a write on the standby is served once by the active node and relayed unchanged', async () => {
    active.handler.reply({ data: { written: true }, warnings: ['from active'] });
    const before = standby.handler.requests.length;
    const res = await fetch(`${standby.url}/v1/secret/data/a?x=1`, {
      method: 'POST',
      headers: { 'X-Vault-Token': 'hvs.tok', 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { k: 'v' } }),
    });
    assert.equal(res.status, 200);
    const body = await readJson(res);
    assert.deepEqual(body.data, { written: true });
    assert.deepEqual(body.warnings, ['from active']);
    assert.equal(body.request_id, active.handler.last.id, 'the request id is the active node’s');
    assert.equal(standby.handler.requests.length, before, 'the standby’s handler never ran');
    const served = active.handler.last;
    assert.equal(served.path, 'secret/data/a');
    assert.equal(served.operation, 'update');
    assert.equal(served.clientToken, 'hvs.tok');
    assert.deepEqual(served.data, { data: { k: 'v' } });
    assert.equal(served.remoteAddress, '127.0.0.1', 'the client’s address reaches the active node');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('error statuses and bodies come back as the active node gave them', async () => {
    active.handler.reply(new ArcaError('permission_denied'));
    const res = await fetch(`${standby.url}/v1/secret/data/b`);
    assert.equal(res.status, 403);
    assert.deepEqual(await readJson(res), { errors: ['permission denied'] });
  });

  test('LIST is forwarded as a list', async () => {
    active.handler.reply({ data: { keys: ['a'] } });
    const res = await fetch(`${standby.url}/v1/secret/metadata/?list=true`);
    assert.equal(res.status, 200);
    assert.equal(active.handler.last.operation, 'list');
  });

  test('locally answered paths (sys/health, sys/seal-status, sys/unseal, ...) are not forwarded', async () => {
    for (const path of ['sys/health', 'sys/seal-status', 'sys/leader', 'sys/init']) {
      assert.equal(isLocallyAnswered(path), true, path);
      const activeBefore = active.handler.requests.length;
      const res = await fetch(`${standby.url}/v1/${path}`);
      assert.equal(res.status, 200);
      assert.equal(standby.handler.last.path, path);
      assert.equal(active.handler.requests.length, activeBefore, `${path} must not reach the active node`);
    }
    for (const path of ['sys/step-down', 'sys/ha-status', 'sys/storage/raft/configuration', 'secret/x'])
      assert.equal(isLocallyAnswered(path), false, path);
  });

  test('X-Vault-No-Request-Forwarding gets a 307 to the active api_addr with path and query', async () => {
    const res = await fetch(`${standby.url}/v1/secret/data/a?version=2`, {
      headers: { 'X-Vault-No-Request-Forwarding': 'true' },
      redirect: 'manual',
    });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), `${active.url}/v1/secret/data/a?version=2`);
  });

  test('a sealed node answers 503 at once: it neither serves nor forwards (local paths still work)', async () => {
    standbyView.mode = 'sealed';
    try {
      const activeBefore = active.handler.requests.length;
      const standbyBefore = standby.handler.requests.length;
      const res = await fetch(`${standby.url}/v1/secret/data/a`);
      assert.equal(res.status, 503);
      assert.deepEqual(await readJson(res), { errors: ['Vault is sealed'] });
      assert.equal(active.handler.requests.length, activeBefore, 'not forwarded');
      assert.equal(standby.handler.requests.length, standbyBefore, 'not handed to core either');
      const status = await fetch(`${standby.url}/v1/sys/seal-status`);
      assert.equal(status.status, 200);
      assert.equal(standby.handler.last.path, 'sys/seal-status');
    } finally {
      standbyView.mode = 'standby';
    }
  });

  test('no known active node: 503 with Vault’s message', async () => {
    const saved = standbyView.active;
    standbyView.active = undefined;
    try {
      const res = await fetch(`${standby.url}/v1/secret/data/a`);
      assert.equal(res.status, 503);
      assert.deepEqual(await readJson(res), {
        errors: ['local node not active but active cluster node not found'],
      });
    } finally {
      standbyView.active = saved;
    }
  });

  test('a request waiting for a dead leader is served here once this node is activated (no connect-wait timeout)', async () => {
    // A failover often elects the standby that holds the request. The wait is long (60 s) so the
    // request can only succeed by noticing the activation, never by a timer running out.
    const patient = new RequestForwarding({
      transport: standbyNode.transport,
      logger: standbyNode.logger,
      timeoutMs: 5_000,
      dedupeEntriesMax: 100,
      connectWaitMs: 60_000,
    });
    let mode: 'standby' | 'active' = 'standby';
    let asked = 0;
    let polling!: () => void;
    const isPolling = new Promise<void>((resolve) => (polling = resolve));
    const view: HaView = {
      mode: () => mode,
      active: () => {
        if (++asked === 2) polling();
        return mode === 'active' ? undefined : { peerId: 'the-killed-leader', apiAddr: 'http://127.0.0.1:1' };
      },
    };
    const electable = await startTestApp({ intercept: clusterHttpGate(view, patient) });
    try {
      electable.handler.reply({ data: { served: 'here' } });
      const activeBefore = active.handler.requests.length;
      const pending = fetch(`${electable.url}/v1/secret/data/failover`, {
        method: 'POST',
        headers: { 'X-Vault-Token': 'hvs.tok', 'Content-Type': 'application/json' },
        body: JSON.stringify({ data: { k: 'v' } }),
      });
      await isPolling; // the gate is waiting for the unreachable leader
      mode = 'active';
      const res = await pending;
      assert.equal(res.status, 200);
      assert.deepEqual((await readJson(res)).data, { served: 'here' });
      assert.equal(electable.handler.last.path, 'secret/data/failover');
      assert.deepEqual(electable.handler.last.data, { data: { k: 'v' } });
      assert.equal(active.handler.requests.length, activeBefore, 'nothing was forwarded');
    } finally {
      await electable.close();
    }
  });

  test('a node that is no longer active refuses forwarded requests (no forwarding loops)', async () => {
    activeIsActive = false;
    try {
      const activeBefore = active.handler.requests.length;
      const res = await fetch(`${standby.url}/v1/secret/data/a`);
      assert.equal(res.status, 503);
      assert.equal(active.handler.requests.length, activeBefore);
    } finally {
      activeIsActive = true;
    }
  });

  test('a newly elected node still activating holds forwarded requests until it is active (no 503 bounce)', async () => {
    activeIsActive = false;
    activeIsActivating = true;
    let served = 0;
    active.handler.reply(() => {
      served++;
      return { data: { after: 'activation' } };
    });
    try {
      const before = active.handler.requests.length;
      const askedBefore = activatingAsked;
      const pending = fetch(`${standby.url}/v1/secret/data/held`);
      // The request reached the activating node and is waiting there (not answered, not served).
      let settled = false;
      void pending.finally(() => (settled = true));
      await pollUntil('the request to wait at the activating node', async () => {
        return activatingAsked >= askedBefore + 2 || settled;
      });
      assert.equal(settled, false, 'not answered while the node is activating');
      assert.equal(active.handler.requests.length, before);
      activeIsActivating = false;
      activeIsActive = true;
      const res = await pending;
      assert.equal(res.status, 200);
      assert.deepEqual((await readJson(res)).data, { after: 'activation' });
      assert.equal(served, 1);
    } finally {
      activeIsActive = true;
      activeIsActivating = false;
    }
  });

  test('a repeated (client id, sequence) is applied once and answered from memory', async () => {
    let served = 0;
    active.handler.reply(() => {
      served++;
      return { data: { n: served } };
    });
    const request: ForwardedRequest = {
      method: 'PUT',
      url: '/v1/secret/data/once',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"data":{}}'),
      remoteAddress: '10.0.0.9',
      clientId: 'retrying-standby',
      seq: 7,
    };
    const call = () =>
      standbyNode.transport.call(activeNode.identity.peerId, forwardMethod, request, { timeoutMs: 5_000 });
    const first = (await call()) as { status: number; body: Uint8Array };
    const second = (await call()) as { status: number; body: Uint8Array };
    assert.equal(served, 1);
    assert.equal(first.status, 200);
    assert.deepEqual(Buffer.from(second.body), Buffer.from(first.body));
    assert.equal(active.handler.last.remoteAddress, '10.0.0.9');
  });

  test('the active node serves a forwarded request under its (client id, sequence, floor)', async () => {
    let seen: ReturnType<typeof currentForwardedWrite>;
    active.handler.reply(() => {
      seen = currentForwardedWrite();
      return { data: {} };
    });
    const request: ForwardedRequest = {
      method: 'PUT',
      url: '/v1/secret/data/identity',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"data":{}}'),
      remoteAddress: '10.0.0.9',
      clientId: 'standby-x',
      seq: 12,
      floor: 10,
    };
    await standbyNode.transport.call(activeNode.identity.peerId, forwardMethod, request, {
      timeoutMs: 5_000,
    });
    assert.deepEqual(
      { ...seen, ended: false },
      { clientId: forwardedClientId('standby-x'), seq: 12, floor: 10, parts: 0, ended: false },
    );
    assert.equal(seen?.ended, true, 'the identity ends with the request');
  });

  test('a retry whose writes a previous active node applied is not run again: 409 already_applied', async () => {
    let served = 0;
    active.handler.reply(() => {
      served++;
      return { data: {} };
    });
    appliedElsewhere.add('failed-over-standby/3');
    const request: ForwardedRequest = {
      method: 'PUT',
      url: '/v1/secret/data/counter',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"data":{}}'),
      remoteAddress: '10.0.0.9',
      clientId: 'failed-over-standby',
      seq: 3,
      floor: 3,
    };
    const answer = (await standbyNode.transport.call(activeNode.identity.peerId, forwardMethod, request, {
      timeoutMs: 5_000,
    })) as { status: number; body: Uint8Array };
    assert.equal(served, 0);
    assert.equal(answer.status, 409);
    assert.match(Buffer.from(answer.body).toString(), /already applied by the previous active node/);
    // The next request of the same standby runs.
    await standbyNode.transport.call(
      activeNode.identity.peerId,
      forwardMethod,
      { ...request, seq: 4, floor: 4 },
      { timeoutMs: 5_000 },
    );
    assert.equal(served, 1);
  });

  test('a client cannot forge the internal forwarded marker', async () => {
    active.handler.reply({ data: { via: 'active' } });
    const activeBefore = active.handler.requests.length;
    const res = await fetch(`${standby.url}/v1/secret/data/a`, {
      headers: { 'x-arca-internal-forwarded': 'guess' },
    });
    assert.equal(res.status, 200);
    assert.equal(active.handler.requests.length, activeBefore + 1, 'still forwarded');
  });
});
