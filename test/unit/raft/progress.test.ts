import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights } from '../../../src/raft/inflights.js';
import { Progress } from '../../../src/raft/progress.js';

test('inflights are bounded by message count and by bytes, and freed in order', () => {
  const inf = new Inflights(3, 100);
  inf.add(1, 10);
  inf.add(2, 10);
  assert.equal(inf.full(), false);
  inf.add(3, 10);
  assert.equal(inf.full(), true);
  inf.freeLE(2);
  assert.equal(inf.count, 1);
  assert.equal(inf.bytes, 10);
  inf.add(4, 95);
  assert.equal(inf.full(), true, 'byte bound reached');
  inf.freeLE(10);
  assert.equal(inf.count, 0);
  assert.equal(inf.bytes, 0);
});

test('progress match is monotone and stale rejections are ignored (raft-and-chaos §1.5 #5)', () => {
  const pr = new Progress(6, 10, 0, false);
  assert.equal(pr.maybeUpdate(4), true);
  assert.equal(pr.maybeUpdate(3), false, 'an older ack does not move match back');
  assert.equal(pr.match, 4);
  pr.becomeReplicate();
  pr.sentEntries(3, 30); // sends 5..7
  assert.equal(pr.next, 8);
  assert.equal(pr.maybeDecrTo(4, 4), false, 'rejection at or below match is stale');
  assert.equal(pr.maybeDecrTo(6, 5), true);
  assert.equal(pr.next, 5);
});

test('a probing follower gets one message at a time until it answers', () => {
  const pr = new Progress(1, 10, 0, false);
  assert.equal(pr.isPaused(), false);
  pr.sentEntries(1, 1);
  assert.equal(pr.isPaused(), true);
  // The rejection hint skips back but never below match + 1.
  pr.maybeUpdate(2);
  pr.next = 10;
  assert.equal(pr.maybeDecrTo(9, 0), true);
  assert.equal(pr.next, 3);
  assert.equal(pr.isPaused(), false);
});
