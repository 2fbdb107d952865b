/**
 * Bad input on the cluster port. Each case is refused with a logged, secret-free reason, and a
 * good peer keeps working afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../../src/server/cluster/identity.js';
import {
  HandshakeError,
  SecureChannel,
  type SecureConnection,
} from '../../../src/server/cluster/secure-channel.js';
import { encodeFrame } from '../../../src/server/cluster/framing.js';
import { ClusterCallError } from '../../../src/server/cluster/rpc.js';
import { limits } from '../../../src/lib/limits.js';
import { TempDirs, type TestNode, connectAll, startNode, waitFor } from './helpers.js';

const temp = new TempDirs();
let a: TestNode;
let good: TestNode;
/** An identity `a` admits (through `isAllowed`) that the tests drive by hand. */
let rogue: NodeIdentity;
// Long enough that a good peer's Noise handshake completes on a busy 2-core box (400 ms did not),
// short enough to keep the silent-client case quick.
const handshakeTimeoutMs = 1_500;

before(async () => {
  rogue = await loadOrCreateNodeIdentity(await temp.make());
  a = await startNode(temp, { handshakeTimeoutMs, isAllowed: (peerId) => peerId === rogue.peerId });
  good = await startNode(temp);
  a.transport.handle('echo', (_from, payload) => payload);
  connectAll(a, good);
  await waitFor(() => good.transport.isConnected(a.identity.peerId), 'good peer connected');
});

after(async () => {
  await a.transport.close();
  await good.transport.close();
  await temp.cleanup();
});

/** The good peer still gets answers from `a`. */
async function goodPeerStillServed(): Promise<void> {
  assert.equal(
    await good.transport.call(a.identity.peerId, 'echo', 'still here', { timeoutMs: 3_000 }),
    'still here',
  );
}

/** Opens a raw TCP connection to `a`, optionally writes bytes, and resolves when the server closes it. */
function rawClient(bytes?: Buffer): Promise<{ received: number; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = 0;
    const socket: Socket = connect(a.transport.address.port, '127.0.0.1', () => {
      if (bytes !== undefined) socket.write(bytes);
    });
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, closedAfterMs: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('server did not close the connection'));
    }, 5_000).unref();
  });
}

function secureChannel(identity: NodeIdentity, clusterId = 'test-cluster'): SecureChannel {
  return new SecureChannel({ identity, clusterId, handshakeTimeoutMs: 2_000 });
}

async function waitForRefusal(node: TestNode, reason: string, from: number): Promise<void> {
  await waitFor(() => node.logger.refusalReasons().slice(from).includes(reason), `refusal ${reason}`);
}

test('a silent client is dropped at the handshake deadline', async () => {
  const before = a.logger.refusalReasons().length;
  const result = await rawClient();
  assert.equal(result.received, 0);
  assert.ok(result.closedAfterMs >= handshakeTimeoutMs - 50, `closed after ${result.closedAfterMs} ms`);
  await waitForRefusal(a, 'handshake_timeout', before);
  await goodPeerStillServed();
});

test('an HTTP request to the cluster port gets no answer and is dropped', async () => {
  const before = a.logger.refusalReasons().length;
  const result = await rawClient(Buffer.from('GET /v1/sys/health HTTP/1.1\r\nHost: node\r\n\r\n'));
  assert.equal(result.received, 0, 'nothing, in particular no HTTP response, comes back');
  await waitFor(() => a.logger.refusalReasons().length > before, 'a logged refusal');
  await goodPeerStillServed();
});

test('garbage bytes are refused', async () => {
  for (const garbage of [
    randomBytes(3000),
    Buffer.from([0, 5, 1, 2, 3, 4, 5]),
    Buffer.from([0, 32, ...randomBytes(32)]),
  ]) {
    const before = a.logger.refusalReasons().length;
    await rawClient(garbage);
    await waitFor(() => a.logger.refusalReasons().length > before, 'a logged refusal');
  }
  await goodPeerStillServed();
});

test('an unknown key is rejected after the handshake and never served', async () => {
  const stranger = await startNode(temp);
  try {
    const before = a.logger.refusalReasons().length;
    stranger.transport.setPeers(new Map([[a.identity.peerId, a.address]]));
    await waitForRefusal(a, 'peer_not_allowed', before);
    await assert.rejects(
      stranger.transport.call(a.identity.peerId, 'echo', 'let me in', { timeoutMs: 300 }),
      ClusterCallError,
    );
    const refusal = a.logger.entries.find(
      (e) => (e.obj as { reason?: string }).reason === 'peer_not_allowed',
    );
    assert.ok(refusal !== undefined);
  } finally {
    await stranger.transport.close();
  }
  await goodPeerStillServed();
});

test('a pinned peer id mismatch fails before the dialler reveals its identity', async () => {
  const dialler = await loadOrCreateNodeIdentity(await temp.make());
  const impostorExpectation = rogue.peerId; // we expect rogue at a's address: a is not rogue
  const before = a.logger.refusalReasons().length;
  await assert.rejects(
    secureChannel(dialler).dial(a.transport.address, impostorExpectation),
    (err: unknown) => err instanceof HandshakeError && err.reason === 'pinned_peer_mismatch',
  );
  await waitFor(() => a.logger.refusalReasons().length > before, 'responder saw the aborted handshake');
  assert.ok(!a.logger.refusalReasons().slice(before).includes('peer_not_allowed'));
  assert.ok(!a.logger.text().includes(dialler.peerId), 'the responder never learned who dialled');
  await goodPeerStillServed();
});

test('a node of another cluster (different prologue) cannot complete a handshake', async () => {
  const before = a.logger.refusalReasons().length;
  await assert.rejects(
    secureChannel(rogue, 'another-cluster').dial(a.transport.address, a.identity.peerId),
    (err: unknown) => err instanceof HandshakeError && err.reason === 'handshake_failed',
  );
  await waitFor(() => a.logger.refusalReasons().length > before, 'a logged refusal');
  await goodPeerStillServed();
});

/** An admitted peer writes raw plaintext frames; resolves when `a` closes the connection. */
async function sendRawAsAdmittedPeer(bytes: Buffer): Promise<void> {
  const secure: SecureConnection = await secureChannel(rogue).dial(a.transport.address, a.identity.peerId);
  const closed = new Promise<void>((resolve) => secure.stream.addEventListener('close', () => resolve()));
  secure.stream.send(bytes);
  await Promise.race([
    closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('connection not closed')), 3_000).unref()),
  ]);
  secure.socket.destroy();
}

function frameRefusals(reason: string): number {
  return a.logger.entries.filter(
    (e) =>
      e.msg === 'cluster connection refused a frame; closing it' &&
      (e.obj as { reason: string }).reason === reason,
  ).length;
}

test('an oversized frame is refused from its length prefix and closes only that connection', async () => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(limits.clusterFrameBytesMax + 1, 0);
  await sendRawAsAdmittedPeer(header);
  assert.equal(frameRefusals('frame_too_large'), 1);
  await goodPeerStillServed();
});

test('an undecodable frame and a frame that is not an envelope close the connection', async () => {
  await sendRawAsAdmittedPeer(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
  assert.equal(frameRefusals('frame_undecodable'), 1);
  await sendRawAsAdmittedPeer(encodeFrame({ hello: 'world' }));
  assert.equal(frameRefusals('protocol_violation'), 1);
  await goodPeerStillServed();
});

test('refusal logs carry reasons, never key material', () => {
  const text = a.logger.text();
  for (const key of [rogue.privateKey, good.identity.privateKey, a.identity.privateKey]) {
    assert.ok(!text.includes(Buffer.from(key.raw).toString('hex')));
    assert.ok(!text.includes(Buffer.from(key.raw).toString('base64')));
    assert.ok(!text.includes(Buffer.from(key.publicKey.raw).toString('hex')));
  }
  assert.ok(!text.includes('let me in'));
});

test('connections beyond the pending-handshake bound are dropped at accept', async () => {
  const temp2 = new TempDirs();
  const guarded = await startNode(temp2, { pendingHandshakesMax: 2, handshakeTimeoutMs: 2_000 });
  const friend = await startNode(temp2);
  const silent: Socket[] = [];
  try {
    guarded.transport.handle('echo', (_from, payload) => payload);
    const closedEarly: Promise<void>[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = connect(guarded.transport.address.port, '127.0.0.1');
      socket.on('error', () => undefined);
      silent.push(socket);
      if (i >= 2) closedEarly.push(new Promise((resolve) => socket.on('close', () => resolve())));
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    await Promise.all(closedEarly); // the 3rd and 4th silent clients are dropped at once
    assert.equal(guarded.logger.refusalReasons().filter((r) => r === 'too_many_handshakes').length, 2);
    // Once the silent ones time out, a member gets in.
    connectAll(guarded, friend);
    assert.equal(await friend.transport.call(guarded.identity.peerId, 'echo', 1, { timeoutMs: 5_000 }), 1);
  } finally {
    silent.forEach((s) => s.destroy());
    await guarded.transport.close();
    await friend.transport.close();
    await temp2.cleanup();
  }
});
