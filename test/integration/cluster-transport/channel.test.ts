/**
 * The cluster channel between known peers: mutual authentication, ordered one-way messages, RPC
 * semantics (results, typed remote errors, timeouts, cancellation), a 20 MiB message, and what
 * happens at the per-peer queue bound.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { ArcaError } from '../../../src/lib/errors.js';
import { ClusterCallError } from '../../../src/server/cluster/rpc.js';
import { TempDirs, type TestNode, connectAll, startNode, waitFor } from './helpers.js';

const temp = new TempDirs();
let a: TestNode;
let b: TestNode;
const receivedByA: { from: string; message: unknown }[] = [];
/** Emits 'entered' when a `hang` call reaches a handler. */
const hangs = new EventEmitter();

before(async () => {
  a = await startNode(temp);
  b = await startNode(temp);
  for (const node of [a, b]) {
    node.transport.handle('echo', (_from, payload) => payload);
    node.transport.handle('whoami', (from) => from);
    node.transport.handle('hang', (_from, _payload, signal) => {
      hangs.emit('entered');
      return new Promise((r) => signal.addEventListener('abort', r));
    });
    node.transport.handle('fail', () => {
      throw new ArcaError('permission_denied');
    });
    node.transport.handle('crash', () => {
      throw new Error('secret detail that must not travel');
    });
  }
  a.transport.onMessage('raft', (from, message) => receivedByA.push({ from, message }));
  connectAll(a, b);
  await waitFor(
    () => a.transport.isConnected(b.identity.peerId) && b.transport.isConnected(a.identity.peerId),
    'mutual connection',
  );
});

after(async () => {
  await a.transport.close();
  await b.transport.close();
  await temp.cleanup();
});

test('known peers authenticate each other: each side sees the other’s peer id', async () => {
  assert.equal(
    await b.transport.call(a.identity.peerId, 'whoami', null, { timeoutMs: 3_000 }),
    b.identity.peerId,
  );
  assert.equal(
    await a.transport.call(b.identity.peerId, 'whoami', null, { timeoutMs: 3_000 }),
    a.identity.peerId,
  );
});

test('one-way messages arrive in order with the sender’s authenticated id', async () => {
  receivedByA.length = 0;
  const count = 20_000;
  for (let seq = 0; seq < count; seq++) {
    assert.equal(
      b.transport.send(a.identity.peerId, 'raft', { seq, term: 3, data: Buffer.alloc(50, seq % 256) }),
      true,
    );
  }
  await waitFor(() => receivedByA.length === count, `${count} messages`, 10_000);
  receivedByA.forEach((got, i) => {
    assert.equal(got.from, b.identity.peerId);
    assert.equal((got.message as { seq: number }).seq, i);
  });
});

test('a 20 MiB message round-trips intact', async () => {
  const data = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
  const echoed = (await b.transport.call(a.identity.peerId, 'echo', { data }, { timeoutMs: 20_000 })) as {
    data: Uint8Array;
  };
  assert.equal(echoed.data.length, data.length);
  assert.ok(Buffer.from(echoed.data).equals(data));
});

test('a handler’s ArcaError comes back with its code; other errors become a bare internal error', async () => {
  await assert.rejects(
    b.transport.call(a.identity.peerId, 'fail', null, { timeoutMs: 3_000 }),
    (err: unknown) =>
      err instanceof ClusterCallError && err.code === 'permission_denied' && err.reason === 'remote_error',
  );
  await assert.rejects(
    b.transport.call(a.identity.peerId, 'crash', null, { timeoutMs: 3_000 }),
    (err: unknown) =>
      err instanceof ClusterCallError && err.code === 'internal' && !err.message.includes('secret detail'),
  );
  await assert.rejects(
    b.transport.call(a.identity.peerId, 'no-such-method', null, { timeoutMs: 3_000 }),
    (err: unknown) => err instanceof ClusterCallError && err.code === 'unsupported_operation',
  );
});

test('calls time out and can be cancelled; nothing stays pending', async () => {
  await assert.rejects(
    b.transport.call(a.identity.peerId, 'hang', null, { timeoutMs: 100 }),
    (err: unknown) => err instanceof ClusterCallError && err.reason === 'timeout' && err.httpStatus === 504,
  );
  const controller = new AbortController();
  const entered = once(hangs, 'entered');
  const call = b.transport.call(a.identity.peerId, 'hang', null, {
    timeoutMs: 60_000,
    signal: controller.signal,
  });
  await entered; // abort a call that is really in flight at the other end
  controller.abort();
  await assert.rejects(call, (err: unknown) => err instanceof ClusterCallError && err.reason === 'aborted');
  assert.equal(b.transport.stats().pendingCalls, 0);
  await assert.rejects(
    b.transport.call('12D3KooWNotAMember', 'echo', null, { timeoutMs: 100 }),
    (err: unknown) => err instanceof ClusterCallError && err.reason === 'not_connected',
  );
});

test('at the queue bound one-way messages are dropped and counted, calls fail fast', async () => {
  const temp2 = new TempDirs();
  const slowQueue = await startNode(temp2, { peerQueueBytesMax: 64 * 1024 });
  const sink = await startNode(temp2);
  try {
    const got: number[] = [];
    sink.transport.onMessage('raft', (_from, m) => got.push((m as { seq: number }).seq));
    sink.transport.handle('echo', (_from, p) => p);
    connectAll(slowQueue, sink);
    await waitFor(() => slowQueue.transport.isConnected(sink.identity.peerId), 'connection');
    // Everything below is queued in one event-loop turn, before the sender can flush.
    const accepted: number[] = [];
    for (let seq = 0; seq < 200; seq++) {
      if (slowQueue.transport.send(sink.identity.peerId, 'raft', { seq, data: Buffer.alloc(1024) }))
        accepted.push(seq);
    }
    assert.ok(accepted.length > 0 && accepted.length < 200, `accepted ${accepted.length}`);
    assert.equal(slowQueue.transport.stats().messagesDropped, 200 - accepted.length);
    await assert.rejects(
      slowQueue.transport.call(sink.identity.peerId, 'echo', Buffer.alloc(1024), { timeoutMs: 3_000 }),
      (err: unknown) =>
        err instanceof ClusterCallError && err.reason === 'queue_full' && err.httpStatus === 503,
    );
    await waitFor(() => got.length === accepted.length, 'accepted messages');
    assert.deepEqual(got, accepted);
    // Once the queue drained the link works again.
    assert.equal(await slowQueue.transport.call(sink.identity.peerId, 'echo', 7, { timeoutMs: 3_000 }), 7);
  } finally {
    await slowQueue.transport.close();
    await sink.transport.close();
    await temp2.cleanup();
  }
});

test('a throwing message handler is logged and does not close the connection', async () => {
  let calls = 0;
  a.transport.onMessage('explode', () => {
    calls++;
    throw new Error('handler bug');
  });
  b.transport.send(a.identity.peerId, 'explode', 1);
  b.transport.send(a.identity.peerId, 'explode', 2);
  await waitFor(() => calls === 2, 'both messages handled');
  assert.ok(a.logger.text().includes('cluster message handler threw'));
  assert.equal(await b.transport.call(a.identity.peerId, 'echo', 'ok', { timeoutMs: 3_000 }), 'ok');
});
