/**
 * The fault proxies' link impairments: delay within delay ± jitter, and a "lost" chunk waits for
 * TCP retransmission timeouts (200 ms, doubling) instead of being dropped; healing clears them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkTable } from '../../../chaos/nemesis/fault-proxy.js';
import { SeededRng } from '../../../src/lib/rng.js';

test('delay stays within delay ± jitter; an unimpaired link adds nothing', () => {
  const rng = new SeededRng(3);
  const links = new LinkTable(() => rng.nextUint32() / 2 ** 32);
  links.impair('a', 'b', { delayMs: 75, jitterMs: 50, lossFraction: 0 });
  const delays = Array.from({ length: 500 }, () => links.chunkDelay('a', 'b'));
  assert.ok(delays.every((d) => d.delayMs >= 25 && d.delayMs <= 125 && !d.lost));
  assert.ok(Math.max(...delays.map((d) => d.delayMs)) - Math.min(...delays.map((d) => d.delayMs)) > 50);
  assert.deepEqual(links.chunkDelay('b', 'a'), { delayMs: 0, lost: false }, 'one direction only');
  links.healAll();
  assert.deepEqual(links.chunkDelay('a', 'b'), { delayMs: 0, lost: false });
});

test('loss: about the given fraction of chunks waits at least one retransmission timeout', () => {
  const rng = new SeededRng(5);
  const links = new LinkTable(() => rng.nextUint32() / 2 ** 32);
  links.impair('a', 'b', { delayMs: 0, jitterMs: 0, lossFraction: 0.4 });
  const delays = Array.from({ length: 2_000 }, () => links.chunkDelay('a', 'b'));
  const lost = delays.filter((d) => d.lost);
  assert.ok(lost.length > 0.3 * delays.length && lost.length < 0.5 * delays.length, `${lost.length} lost`);
  assert.ok(
    lost.every((d) => d.delayMs >= 200),
    'a lost chunk waits for the retransmission',
  );
  assert.ok(
    lost.some((d) => d.delayMs >= 600),
    'repeated losses back off (200 + 400 ms)',
  );
  assert.ok(delays.filter((d) => !d.lost).every((d) => d.delayMs === 0));
});
