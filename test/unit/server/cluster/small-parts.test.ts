import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../../../src/lib/rng.js';
import { formatPeerAddress, parsePeerAddress } from '../../../../src/server/cluster/address.js';
import { reconnectDelayMs } from '../../../../src/server/cluster/backoff.js';
import { ProtocolViolation, parseEnvelope } from '../../../../src/server/cluster/envelope.js';
import type { ClusterLogger } from '../../../../src/server/cluster/logger.js';
import { pino } from 'pino';

test('reconnect delays grow exponentially with jitter in [cap/2, cap] and replay from the seed', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 5_000 };
  const a = new SeededRng(42);
  const b = new SeededRng(42);
  for (let attempt = 0; attempt < 40; attempt++) {
    const cap = Math.min(5_000, 100 * 2 ** attempt);
    const delay = reconnectDelayMs(attempt, policy, a);
    assert.ok(delay >= cap / 2 && delay <= cap, `attempt ${attempt}: ${delay} outside [${cap / 2}, ${cap}]`);
    assert.equal(reconnectDelayMs(attempt, policy, b), delay);
  }
});

test('peer addresses parse strictly', () => {
  assert.deepEqual(parsePeerAddress('127.0.0.1:8201'), { host: '127.0.0.1', port: 8201 });
  assert.deepEqual(parsePeerAddress('[::1]:8201'), { host: '::1', port: 8201 });
  assert.deepEqual(parsePeerAddress('node-a.internal:1'), { host: 'node-a.internal', port: 1 });
  for (const bad of ['', 'host', 'host:', 'host:0', 'host:65536', '::1:80', 'a b:1', 'host:80x']) {
    assert.equal(parsePeerAddress(bad), undefined, bad);
  }
  assert.equal(formatPeerAddress({ host: '::1', port: 80 }), '[::1]:80');
});

test('envelopes are validated strictly', () => {
  assert.deepEqual(parseEnvelope([0, 'raft', { a: 1 }]), [0, 'raft', { a: 1 }]);
  assert.deepEqual(parseEnvelope([1, 5, 'forward', null]), [1, 5, 'forward', null]);
  assert.deepEqual(parseEnvelope([3, 5, 'timeout', ['x']]), [3, 5, 'timeout', ['x']]);
  for (const bad of [
    null,
    'x',
    {},
    [],
    [0, 'raft'],
    [0, '', 1],
    [0, 'x'.repeat(129), 1],
    [1, 0, 'm', 1],
    [1, 1.5, 'm', 1],
    [1, 1, 'm'],
    [2, -1, 1],
    [3, 1, 'code', [1]],
    [9, 1, 1],
  ]) {
    assert.throws(() => parseEnvelope(bad), ProtocolViolation, JSON.stringify(bad));
  }
});

test('a pino logger can be injected as the cluster logger', () => {
  const lines: string[] = [];
  const logger: ClusterLogger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  logger.warn({ peerId: '12D3KooWx', reason: 'peer_not_allowed' }, 'cluster connection refused');
  assert.match(lines[0] ?? '', /peer_not_allowed/);
});
