import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committedIndex, majority, quorumActive, voteResult } from '../../../src/raft/quorum.js';

test('a majority is more than half of the voters (§5.2)', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(majority), [1, 2, 2, 3, 3]);
});

test('the committed index is the highest index a majority of voters holds (§5.3)', () => {
  const match: Record<string, number> = { a: 5, b: 3, c: 9, d: 1, e: 7 };
  assert.equal(
    committedIndex(['a', 'b', 'c', 'd', 'e'], (id) => match[id] ?? 0),
    5,
  );
  assert.equal(
    committedIndex(['a', 'b'], (id) => match[id] ?? 0),
    3,
  );
  assert.equal(
    committedIndex([], () => 9),
    0,
  );
  // Unknown voters count as 0 (nothing replicated).
  assert.equal(
    committedIndex(['a', 'x', 'y'], (id) => match[id] ?? 0),
    0,
  );
});

test('an election is won with a majority of grants and lost once a majority is out of reach (§5.2)', () => {
  const voters = ['1', '2', '3', '4', '5'];
  const votes = new Map<string, boolean>([['1', true]]);
  assert.equal(voteResult(voters, votes), 'pending');
  votes.set('2', true).set('9', true); // a non-voter never counts
  assert.equal(voteResult(voters, votes), 'pending');
  votes.set('3', true);
  assert.equal(voteResult(voters, votes), 'won');
  const lost = new Map<string, boolean>([
    ['1', true],
    ['2', false],
    ['3', false],
    ['4', false],
  ]);
  assert.equal(voteResult(voters, lost), 'lost');
});

test('check-quorum counts recently active voters only', () => {
  assert.equal(
    quorumActive(['1', '2', '3'], (id) => id === '1'),
    false,
  );
  assert.equal(
    quorumActive(['1', '2', '3'], (id) => id !== '3'),
    true,
  );
});
