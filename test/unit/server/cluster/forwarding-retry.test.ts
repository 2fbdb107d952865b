import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayRetryForwarded } from '../../../../src/server/cluster/forwarding.js';

test('a forwarded request that never left the standby may go to whichever node is active now', () => {
  assert.equal(mayRetryForwarded('not_connected', 'old', 'new'), true);
  assert.equal(mayRetryForwarded('queue_full', 'old', 'new'), true);
});

test('a forwarded request possibly delivered to a dead leader is not re-run on a new active node', () => {
  // The new active node has no (client id, sequence) memory of it: a retry could apply it twice.
  for (const reason of ['connection_lost', 'timeout', 'aborted', 'closed'] as const) {
    assert.equal(mayRetryForwarded(reason, 'old', 'new'), false, reason);
    assert.equal(mayRetryForwarded(reason, 'same', 'same'), true, `${reason}: same node dedupes`);
  }
});

test("the active node's own failure is relayed, never retried", () => {
  assert.equal(mayRetryForwarded('remote_error', 'a', 'a'), false);
});
