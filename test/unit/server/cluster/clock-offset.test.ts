/**
 * The clock-offset estimate (round trip on the monotonic clock, offset = peer wall − (sent wall +
 * rtt/2)) and the fencing rule: fenced once the clocks that disagree with ours are a majority of
 * the voters; released once a majority (ours included) agrees again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockOffsetTracker } from '../../../../src/server/cluster/clock-offset.js';

/** A sample taken at monotonic `at` with round trip `rttMs` to a peer whose clock is `offsetMs` ahead. */
function sample(t: ClockOffsetTracker, peer: string, at: number, offsetMs: number, rttMs = 2): void {
  const wall = 1_800_000_000_000 + at;
  t.record(peer, {
    sentMonoMs: at,
    receivedMonoMs: at + rttMs,
    sentWallMs: wall,
    peerWallMs: wall + rttMs / 2 + offsetMs,
  });
}

test('the estimate recovers the offset and the uncertainty from the round trip', () => {
  const t = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(t, 'b', 0, 250, 40);
  assert.deepEqual(t.estimate('b', 40), { offsetMs: 250, uncertaintyMs: 20 });
  assert.equal(t.estimate('c', 40), undefined);
});

test('a node far from both peers is fenced; the peers are not', () => {
  const maxClockOffsetMs = 500;
  const a = new ClockOffsetTracker({ maxClockOffsetMs });
  const b = new ClockOffsetTracker({ maxClockOffsetMs });
  // a's clock is 2 s ahead: b and c look 2 s behind from a; a looks 2 s ahead from b.
  sample(a, 'b', 0, -2_000);
  sample(a, 'c', 0, -2_000);
  sample(b, 'a', 0, 2_000);
  sample(b, 'c', 0, 10);
  const sa = a.status(10, 3, false);
  assert.equal(sa.fenced, true);
  assert.equal(Math.round(sa.offsetFromPeersMs), 2_000);
  assert.equal(sa.thresholdMs, 400);
  const sb = b.status(10, 3, false);
  assert.equal(sb.fenced, false);
  assert.equal(sb.peers.a.healthy, false);
  assert.equal(sb.peers.c.healthy, true);
});

test('the bound is 0.8 x max_clock_offset, minus the measurement uncertainty', () => {
  const t = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(t, 'b', 0, -390);
  sample(t, 'c', 0, -390);
  assert.equal(t.status(5, 3, false).fenced, false, '390 ms is within 400 ms');
  const u = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(u, 'b', 0, -420, 2);
  sample(u, 'c', 0, -420, 2);
  assert.equal(u.status(5, 3, false).fenced, true, '420 ± 1 ms is past 400 ms');
  const v = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(v, 'b', 0, -420, 60);
  sample(v, 'c', 0, -420, 60);
  assert.equal(v.status(65, 3, false).fenced, false, '420 ± 30 ms might be within 400 ms');
});

test('one peer of three disagreeing fences nobody; a fenced node keeps its fence until a majority agrees', () => {
  // a (good) and c (skewed) while b is dead: a disagrees with one peer only, not a majority.
  const a = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(a, 'c', 0, 1_000);
  assert.equal(a.status(5, 3, false).fenced, false);
  // c was fenced while b answered; b died (no fresh sample): c stays fenced, a still disagrees.
  const c = new ClockOffsetTracker({ maxClockOffsetMs: 500, sampleMaxAgeMs: 1_000 });
  sample(c, 'a', 0, -1_000);
  sample(c, 'b', 0, -1_000);
  assert.equal(c.status(5, 3, false).fenced, true);
  sample(c, 'a', 2_000, -1_000);
  assert.equal(c.status(2_005, 3, true).fenced, true, 'no majority agrees with c');
  sample(c, 'a', 3_000, 0);
  sample(c, 'a', 3_500, 0);
  assert.equal(c.status(3_505, 3, true).fenced, false, 'a agrees again: c and a are a majority');
  // Five voters: disagreeing with two peers is not enough, with three it is.
  const e = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  for (const p of ['p1', 'p2']) sample(e, p, 0, 900);
  for (const p of ['p3', 'p4']) sample(e, p, 0, 0);
  assert.equal(e.status(5, 5, false).fenced, false);
  sample(e, 'p3', 1, 900);
  sample(e, 'p3', 2, 900);
  assert.equal(e.status(5, 5, false).fenced, true);
});

test('no fresh sample: never fenced; old samples age out; a reset clock is followed', () => {
  const t = new ClockOffsetTracker({ maxClockOffsetMs: 500, sampleMaxAgeMs: 10_000 });
  assert.equal(t.status(0, 3, false).fenced, false);
  for (let i = 0; i < 5; i++) {
    sample(t, 'b', i * 500, -3_000);
    sample(t, 'c', i * 500, -3_000);
  }
  assert.equal(t.status(2_500, 3, false).fenced, true);
  assert.equal(t.status(20_000, 3, false).fenced, false, 'every sample is stale');
  // The clock is fixed: three fresh samples out of five move the median back.
  for (let i = 5; i < 8; i++) {
    sample(t, 'b', i * 500, 0);
    sample(t, 'c', i * 500, 0);
  }
  assert.equal(t.status(4_000, 3, true).fenced, false);
});

test('a round trip slower than the bound says nothing; removed members are forgotten', () => {
  const t = new ClockOffsetTracker({ maxClockOffsetMs: 500 });
  sample(t, 'b', 0, 5_000, 1_200);
  assert.equal(t.estimate('b', 1_200), undefined);
  sample(t, 'c', 0, 5_000);
  t.retain(['b']);
  assert.equal(t.estimate('c', 5), undefined);
  assert.equal(t.status(5, 3, false).fenced, false);
});
