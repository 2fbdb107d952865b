/**
 * Links survive peer restarts, closes propagate both ways, removed members are cut off, and calls
 * in flight on a lost connection fail fast instead of waiting for their deadline.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { ClusterCallError } from '../../../src/server/cluster/rpc.js';
import { TempDirs, type TestNode, connectAll, startNode, waitFor } from './helpers.js';

const temp = new TempDirs();
after(() => temp.cleanup());

/** Captures a promise's outcome at once (so a rejection during a later await is not unhandled). */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => err,
  );
}

function isConnectionLost(err: unknown): boolean {
  return err instanceof ClusterCallError && err.reason === 'connection_lost';
}

/** Emits 'hang' each time a `hang` call reaches a handler (the call is then in flight there). */
const hangs = new EventEmitter();

function serveEcho(node: TestNode): void {
  node.transport.handle('echo', (_from, payload) => payload);
  node.transport.handle('hang', () => {
    hangs.emit('hang', node.identity.peerId);
    return new Promise(() => undefined);
  });
}

/** Resolves when a `hang` call has reached `node`'s handler. */
async function hangReached(node: TestNode): Promise<void> {
  for (;;) {
    const [peerId] = (await once(hangs, 'hang')) as [string];
    if (peerId === node.identity.peerId) return;
  }
}

test('a peer restart is transparent: the link redials and calls work again', async () => {
  let a = await startNode(temp);
  const b = await startNode(temp);
  try {
    serveEcho(a);
    connectAll(a, b);
    assert.equal(await b.transport.call(a.identity.peerId, 'echo', 1, { timeoutMs: 3_000 }), 1);
    const port = a.transport.address.port;
    await a.transport.close();
    await waitFor(() => !b.transport.isConnected(a.identity.peerId), 'b notices a is gone');
    // Same data dir (same identity) and same port, like a process restart.
    a = await startNode(temp, { dataDir: a.dataDir, port });
    serveEcho(a);
    a.transport.setPeers(new Map([[b.identity.peerId, b.address]]));
    assert.equal(await b.transport.call(a.identity.peerId, 'echo', 2, { timeoutMs: 5_000 }), 2);
    serveEcho(b);
    assert.equal(await a.transport.call(b.identity.peerId, 'echo', 3, { timeoutMs: 5_000 }), 3);
  } finally {
    await a.transport.close();
    await b.transport.close();
  }
});

test('closing either end closes the connection at the other; in-flight calls fail fast', async () => {
  const a = await startNode(temp);
  const b = await startNode(temp);
  const c = await startNode(temp);
  try {
    for (const node of [a, b, c]) serveEcho(node);
    connectAll(a, b, c);
    await waitFor(
      () =>
        [a, b, c].every((x) => [a, b, c].every((y) => x === y || x.transport.isConnected(y.identity.peerId))),
      'full mesh',
    );
    // b closes: a's call into b fails with connection_lost, not with its (far away) deadline.
    const reachedB = hangReached(b);
    const inFlight = outcome(a.transport.call(b.identity.peerId, 'hang', null, { timeoutMs: 60_000 }));
    await reachedB;
    await b.transport.close();
    assert.ok(isConnectionLost(await inFlight));
    await waitFor(
      () => !a.transport.isConnected(b.identity.peerId) && !c.transport.isConnected(b.identity.peerId),
      'a and c see b gone',
    );
    // The other direction: a's call hanging in c fails when c's side of the link is closed by c.
    const reachedC = hangReached(c);
    const inFlight2 = outcome(a.transport.call(c.identity.peerId, 'hang', null, { timeoutMs: 60_000 }));
    await reachedC;
    await c.transport.close();
    assert.ok(isConnectionLost(await inFlight2));
    assert.ok((a.transport.stats().connectionsClosed.remote_closed ?? 0) >= 2);
  } finally {
    await a.transport.close();
    await b.transport.close();
    await c.transport.close();
  }
});

test('removing a member closes its connections and refuses its redials', async () => {
  const a = await startNode(temp);
  const b = await startNode(temp);
  try {
    serveEcho(a);
    connectAll(a, b);
    await waitFor(
      () => a.transport.isConnected(b.identity.peerId) && b.transport.isConnected(a.identity.peerId),
      'connected',
    );
    a.transport.setPeers(new Map()); // b is no longer a member of a's cluster view
    await waitFor(() => !b.transport.isConnected(a.identity.peerId), 'b cut off');
    await waitFor(() => a.logger.refusalReasons().includes('peer_not_allowed'), 'b’s redial refused');
    await assert.rejects(
      b.transport.call(a.identity.peerId, 'echo', 1, { timeoutMs: 300 }),
      ClusterCallError,
    );
    // Re-adding b lets it back in.
    connectAll(a, b);
    assert.equal(await b.transport.call(a.identity.peerId, 'echo', 4, { timeoutMs: 5_000 }), 4);
  } finally {
    await a.transport.close();
    await b.transport.close();
  }
});

test('an allow-list change through the isAllowed hook takes effect on refreshAllowList()', async () => {
  const allowed = new Set<string>();
  const a = await startNode(temp, { isAllowed: (peerId) => allowed.has(peerId) });
  const joiner = await startNode(temp);
  try {
    serveEcho(a);
    allowed.add(joiner.identity.peerId);
    joiner.transport.setPeers(new Map([[a.identity.peerId, a.address]])); // a does not list the joiner
    assert.equal(
      await joiner.transport.call(a.identity.peerId, 'echo', 'join', { timeoutMs: 3_000 }),
      'join',
    );
    allowed.delete(joiner.identity.peerId);
    a.transport.refreshAllowList();
    await waitFor(() => !joiner.transport.isConnected(a.identity.peerId), 'joiner cut off');
  } finally {
    await a.transport.close();
    await joiner.transport.close();
  }
});
