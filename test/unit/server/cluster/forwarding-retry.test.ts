import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayRetryForwarded } from '../../../../src/server/cluster/forwarding.js';

test('a forwarded request that never left the standby may go to whichever node is active now', () => {
  assert.equal(mayRetryForwarded('not_connected', 'old', 'new'), true);
  assert.equal(mayRetryForwarded('queue_full', 'old', 'new'), true);
});

test('a forwarded request possibly delivered to a dead leader is retried on the new active node', () => {
  // Its writes carry (client id, sequence) into the replicated dedupe table, so the new active
  // node recognises it if the old one applied it (test/unit/storage/raft-storage-failover-dedupe).
  for (const reason of ['connection_lost', 'timeout', 'aborted', 'closed'] as const) {
    assert.equal(mayRetryForwarded(reason, 'old', 'new'), true, reason);
    assert.equal(mayRetryForwarded(reason, 'old', undefined), true, `${reason}: now active here`);
    assert.equal(mayRetryForwarded(reason, 'same', 'same'), true, `${reason}: same node dedupes`);
  }
});

test("the active node's own failure is relayed, never retried", () => {
  assert.equal(mayRetryForwarded('remote_error', 'a', 'a'), false);
});
