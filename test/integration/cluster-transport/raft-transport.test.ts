import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../../src/raft/types.js';
import { raftChannel, raftTransport } from '../../../src/server/cluster/raft-transport.js';
import { TempDirs, connectAll, startNode, waitFor } from './helpers.js';

function appendEntries(from: string, to: string, index: number): Message {
  return {
    type: 'MsgApp',
    from,
    to,
    term: 2,
    logTerm: 2,
    index,
    entries: [{ term: 2, index: index + 1, type: 0, data: new Uint8Array([1, 2, 3]) }],
    commit: index,
    reject: false,
    rejectHint: 0,
  };
}

test('Raft messages cross the cluster channel; a member cannot speak for another', async () => {
  const temp = new TempDirs();
  const a = await startNode(temp);
  const b = await startNode(temp);
  try {
    const got: Message[] = [];
    raftTransport(a.transport, a.logger).onMessage((m) => got.push(m));
    const fromB = raftTransport(b.transport, b.logger);
    connectAll(a, b);
    await waitFor(() => b.transport.isConnected(a.identity.peerId), 'connected');
    const aId = a.identity.peerId;
    const bId = b.identity.peerId;
    fromB.send([
      appendEntries(bId, aId, 10),
      appendEntries('someone-else', aId, 11),
      appendEntries(bId, aId, 12),
    ]);
    // Frames from the right sender but of the wrong shape never reach Raft (the raw channel
    // carries whatever a peer sends; before the shape check, only type/term/from were looked at).
    const good = appendEntries(bId, aId, 13);
    for (const bad of [
      { ...good, entries: 'not a list' },
      { ...good, index: -1 },
      { ...good, entries: [{ term: 2, index: 14, type: 0, data: 'not bytes' }] },
      { ...good, commit: undefined },
      { ...good, type: 'MsgHup' },
    ])
      b.transport.send(aId, raftChannel, bad);
    // One link delivers in order: once a later sentinel arrives, everything sent before it has
    // been handled (accepted or dropped), so the list below is final.
    fromB.send([appendEntries(bId, aId, 99)]);
    await waitFor(() => got.some((m) => m.index === 99), 'the sentinel');
    assert.deepEqual(
      got.map((m) => m.index),
      [10, 12, 99],
    );
    assert.deepEqual(Buffer.from(got[0].entries[0].data), Buffer.from([1, 2, 3]));
    assert.ok(a.logger.text().includes('raft message dropped: not from its sender'));
    assert.ok(a.logger.text().includes('raft message dropped: malformed'));
  } finally {
    await a.transport.close();
    await b.transport.close();
    await temp.cleanup();
  }
});
