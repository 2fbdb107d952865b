/**
 * What a network observer sees: a logging TCP proxy between two nodes records every byte in both
 * directions; neither a plaintext marker nor any identity key (private or public, raw or protobuf)
 * nor a peer id may appear in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { publicKeyToProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromString } from '@libp2p/peer-id';
import { TempDirs, startNode, waitFor } from './helpers.js';

const marker = 'ARCA-MARKER-7f3a9c-TOP-SECRET-PLAINTEXT';

/** Forwards 127.0.0.1:<own port> to `targetPort`, recording everything that passes. */
async function startLoggingProxy(
  targetPort: number,
): Promise<{ server: Server; port: number; captured: Buffer[] }> {
  const captured: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      captured.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      captured.push(Buffer.from(d));
      client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address !== 'string');
  return { server, port: address.port, captured };
}

test('a logging proxy between two nodes sees no plaintext and no identity keys', async () => {
  const temp = new TempDirs();
  const a = await startNode(temp);
  const b = await startNode(temp);
  const proxy = await startLoggingProxy(a.transport.address.port);
  try {
    a.transport.handle('echo', (_from, payload) => payload);
    const received: unknown[] = [];
    a.transport.onMessage('raft', (_from, m) => received.push(m));
    // b reaches a only through the proxy; a's answers come back through it too.
    b.transport.setPeers(new Map([[a.identity.peerId, `127.0.0.1:${proxy.port}`]]));
    a.transport.setPeers(new Map([[b.identity.peerId, b.address]]));
    await waitFor(() => b.transport.isConnected(a.identity.peerId), 'b connected through the proxy');
    for (let i = 0; i < 50; i++) b.transport.send(a.identity.peerId, 'raft', { i, text: `${marker} #${i}` });
    const big = marker.repeat(5_000); // ~200 KB, spans several Noise messages
    const echoed = await b.transport.call(a.identity.peerId, 'echo', { big }, { timeoutMs: 5_000 });
    assert.deepEqual(echoed, { big });
    await waitFor(() => received.length === 50, 'all messages');

    const wire = Buffer.concat(proxy.captured);
    assert.ok(wire.length > big.length, 'the proxy really carried the traffic');
    const forbidden: [string, Uint8Array][] = [
      ['marker', Buffer.from(marker)],
      ['marker prefix', Buffer.from(marker.slice(0, 8))],
    ];
    for (const [name, node] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const key = node.identity.privateKey;
      forbidden.push(
        [`${name} private key`, key.raw],
        [`${name} private key seed`, key.raw.subarray(0, 32)],
        [`${name} private key protobuf`, privateKeyToProtobuf(key)],
        [`${name} public key`, key.publicKey.raw],
        [`${name} public key protobuf`, publicKeyToProtobuf(key.publicKey)],
        [`${name} peer id text`, Buffer.from(node.identity.peerId)],
        [`${name} peer id bytes`, peerIdFromString(node.identity.peerId).toMultihash().bytes],
      );
    }
    for (const [name, bytes] of forbidden) {
      assert.equal(wire.indexOf(Buffer.from(bytes)), -1, `${name} visible on the wire`);
    }
    for (const node of [a, b]) assert.ok(!node.logger.text().includes(marker), 'payloads are never logged');
  } finally {
    await a.transport.close();
    await b.transport.close();
    await new Promise((resolve) => proxy.server.close(resolve));
    await temp.cleanup();
  }
});
