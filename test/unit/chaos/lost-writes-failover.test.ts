import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLostWrites } from '../../../chaos/checkers/lost-writes.js';
import { checkFailover } from '../../../chaos/checkers/failover.js';
import { HistoryBuilder } from './history-builder.js';

const bounds = { maxWindowMs: 5_000, skewBoundMs: 500, fenceGraceMs: 2_000 };

test('lost writes: an acknowledged version missing or overwritten on a node is reported per node', () => {
  const b = new HistoryBuilder();
  const w1 = b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  const w2 = b.op({
    f: 'cas',
    value: 'b',
    expectVersion: 1,
    invokeMs: 20,
    completeMs: 30,
    result: { version: 2 },
  });
  b.op({ f: 'write', value: 'z', invokeMs: 40, completeMs: null }); // unknown: not required anywhere
  b.history.finals = [
    { node: 'node1', key: 'k', currentVersion: 2, versions: { '1': 'a', '2': 'b' } },
    { node: 'node2', key: 'k', currentVersion: 1, versions: { '1': 'a' } },
    { node: 'node3', key: 'k', currentVersion: 2, versions: { '1': 'a', '2': 'y' } },
  ];
  const r = checkLostWrites(b.history);
  assert.equal(r.ackedWrites, 2);
  assert.deepEqual(
    r.lost.map((l) => [l.opId, l.node]),
    [
      [w2.id, 'node2'],
      [w2.id, 'node3'],
    ],
  );
  assert.ok(!r.lost.some((l) => l.opId === w1.id));
  b.history.finals = [];
  assert.deepEqual(checkLostWrites(b.history).unverifiedKeys, ['k']);
});

test('lost writes: a version whose read failed every retry is unverified, not lost (seed 102); one answered empty is lost', () => {
  const b = new HistoryBuilder();
  const w = b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.history.finals = [
    { node: 'node1', key: 'k', currentVersion: 1, versions: {}, unreadable: { '1': 'timeout' } },
    { node: 'node2', key: 'k', currentVersion: 1, versions: { '1': null } },
  ];
  const r = checkLostWrites(b.history);
  assert.deepEqual(
    r.lost.map((l) => [l.opId, l.node]),
    [[w.id, 'node2']],
  );
  assert.equal(r.unreadableChecks, 1);
});

test('failover: the window runs from the fault to the first acknowledged write invoked after it', () => {
  const b = new HistoryBuilder();
  b.event({ atMs: 1_000, kind: 'fault-start', nemesis: 'kill', nodes: ['node1'], detail: 'kill node1' });
  b.op({ f: 'write', value: 'a', invokeMs: 900, completeMs: 1_100 }); // began before the fault
  b.op({ f: 'write', value: 'b', invokeMs: 1_200, completeMs: null });
  b.op({ f: 'write', value: 'c', invokeMs: 1_300, completeMs: 2_600 });
  const r = checkFailover(b.history, bounds);
  assert.equal(r.faults, 1);
  assert.equal(r.windows[0].windowMs, 1_600);
  assert.equal(r.medianWindowMs, 1_600);
  assert.deepEqual(r.violations, []);
});

test('failover: no write after a fault, or too long a window, is a liveness violation', () => {
  const b = new HistoryBuilder();
  b.event({ atMs: 1_000, kind: 'fault-start', nemesis: 'partition', detail: 'isolate leader' });
  b.op({ f: 'write', value: 'a', invokeMs: 1_100, completeMs: 9_000 });
  b.event({ atMs: 10_000, kind: 'fault-start', nemesis: 'pause', detail: 'pause node2' });
  const r = checkFailover(b.history, bounds);
  assert.deepEqual(
    r.violations.map((v) => v.rule),
    ['liveness', 'liveness'],
  );
  assert.equal(r.windows[1].windowMs, null);
});

test('elections are counted from changes of the observed leader', () => {
  const b = new HistoryBuilder();
  for (const [atMs, leader] of [
    [0, 'node1'],
    [100, undefined],
    [200, 'node2'],
    [300, 'node2'],
    [400, 'node1'],
  ] as const) {
    b.event({ atMs, kind: 'leader', nodes: leader === undefined ? [] : [leader], detail: '' });
  }
  assert.equal(checkFailover(b.history, bounds).elections, 2);
});

test('fence: a node skewed past the bound that keeps leading is reported; one that steps down is not', () => {
  const skewed = new HistoryBuilder();
  skewed.event({ atMs: 0, kind: 'leader', nodes: ['node1'], detail: '' });
  skewed.event({
    atMs: 1_000,
    kind: 'fault-start',
    nemesis: 'clock',
    offsetsMs: { node1: 5_000, node2: 100 },
    detail: '',
  });
  skewed.event({ atMs: 9_000, kind: 'fault-stop', nemesis: 'clock', detail: '' });
  const r = checkFailover(skewed.history, bounds);
  assert.deepEqual(
    r.violations.map((v) => v.rule),
    ['liveness', 'fence'],
  );
  const fenced = new HistoryBuilder();
  fenced.history.events.push(...skewed.history.events.slice(0, 2));
  fenced.event({ atMs: 1_500, kind: 'leader', nodes: ['node2'], detail: '' });
  fenced.event({ atMs: 9_000, kind: 'fault-stop', nemesis: 'clock', detail: '' });
  fenced.op({ f: 'write', value: 'a', invokeMs: 1_600, completeMs: 1_700 });
  assert.deepEqual(checkFailover(fenced.history, bounds).violations, []);
});
