import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisters } from '../../../chaos/checkers/register.js';
import { checkAll } from '../../../chaos/checkers/check-all.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { HistoryBuilder } from './history-builder.js';

const budget = 10_000;
const now = (): number => performance.now();
const verdictOf = (b: HistoryBuilder): string => checkRegisters(b.history, budget, now)[0].verdict;

test('a sequential write, read, cas and read history is linearizable', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.op({ f: 'read', invokeMs: 20, completeMs: 30, result: { value: 'a', version: 1 } });
  b.op({ f: 'cas', value: 'b', expectVersion: 1, invokeMs: 40, completeMs: 50, result: { version: 2 } });
  b.op({ f: 'read', invokeMs: 60, completeMs: 70, result: { value: 'b', version: 2 } });
  assert.equal(verdictOf(b), 'ok');
});

test('a stale read (an older value after a newer write was acknowledged) is illegal and names the read', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.op({ f: 'write', value: 'b', invokeMs: 20, completeMs: 30, result: { version: 2 } });
  const stale = b.op({
    f: 'read',
    node: 'node3',
    invokeMs: 40,
    completeMs: 50,
    result: { value: 'a', version: 1 },
  });
  const [verdict] = checkRegisters(b.history, budget, now);
  assert.equal(verdict.verdict, 'illegal');
  assert.ok(verdict.blockedOps?.includes(stale.id), JSON.stringify(verdict));
  const all = checkAll(
    b.history,
    {
      earlyMs: 0,
      lateMs: 0,
      maxWindowMs: 1e9,
      skewBoundMs: 1e9,
      fenceGraceMs: 0,
      linearizabilityBudgetMs: budget,
    },
    now,
  );
  assert.equal(all.valid, false);
  assert.equal(all.violations[0].checker, 'linearizability');
  assert.ok(all.violations[0].opIds.includes(stale.id));
});

test('a read concurrent with a write may see either value', () => {
  for (const seen of [null, 'a']) {
    const b = new HistoryBuilder();
    b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 100, result: { version: 1 } });
    b.op({
      f: 'read',
      invokeMs: 10,
      completeMs: 20,
      result: { value: seen, version: seen === null ? 0 : 1 },
    });
    assert.equal(verdictOf(b), 'ok', String(seen));
  }
});

test('an unknown write may take effect or not, but once seen it cannot disappear', () => {
  const applied = new HistoryBuilder();
  applied.op({ f: 'write', value: 'x', invokeMs: 0, completeMs: null });
  applied.op({ f: 'read', invokeMs: 50, completeMs: 60, result: { value: 'x', version: 1 } });
  assert.equal(verdictOf(applied), 'ok');
  const never = new HistoryBuilder();
  never.op({ f: 'write', value: 'x', invokeMs: 0, completeMs: null });
  never.op({ f: 'read', invokeMs: 50, completeMs: 60, result: { value: null, version: 0 } });
  assert.equal(verdictOf(never), 'ok');
  const flicker = new HistoryBuilder();
  flicker.op({ f: 'write', value: 'x', invokeMs: 0, completeMs: null });
  flicker.op({ f: 'read', invokeMs: 50, completeMs: 60, result: { value: 'x', version: 1 } });
  flicker.op({ f: 'read', invokeMs: 70, completeMs: 80, result: { value: null, version: 0 } });
  assert.equal(verdictOf(flicker), 'illegal');
});

test('a lost write shows up as a final read that misses an acknowledged value', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.op({ f: 'read', final: true, invokeMs: 1000, completeMs: 1010, result: { value: null, version: 0 } });
  assert.equal(verdictOf(b), 'illegal');
});

test('a cas that fails although its version matched, with nothing concurrent, is illegal', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.op({ f: 'cas', value: 'b', expectVersion: 1, outcome: 'fail', invokeMs: 20, completeMs: 30 });
  assert.equal(verdictOf(b), 'illegal');
  const ok = new HistoryBuilder();
  ok.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  ok.op({ f: 'cas', value: 'b', expectVersion: 0, outcome: 'fail', invokeMs: 20, completeMs: 30 });
  assert.equal(verdictOf(ok), 'ok');
});

test('two cas ops with the same expected version cannot both succeed', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'cas', value: 'a', expectVersion: 0, invokeMs: 0, completeMs: 100, client: 'c1' });
  b.op({ f: 'cas', value: 'b', expectVersion: 0, invokeMs: 0, completeMs: 100, client: 'c2' });
  assert.equal(verdictOf(b), 'illegal');
});

test('the search gives the explicit verdict "unknown" when its budget runs out', () => {
  const b = new HistoryBuilder();
  for (let i = 0; i < 2100; i++)
    b.op({ f: 'write', value: `v${i}`, invokeMs: i * 10, completeMs: i * 10 + 5 });
  let t = 0;
  const [verdict] = checkRegisters(b.history, 1, () => (t += 1));
  assert.equal(verdict.verdict, 'unknown');
});

test('a generated concurrent linearizable history passes, and corrupting one read makes it illegal', () => {
  const rng = new SeededRng(11);
  const b = new HistoryBuilder();
  let version = 0;
  let value: string | null = null;
  // 4 single-in-flight clients; each op takes effect at a point inside its [invoke, complete] window.
  const clientFree = [0, 0, 0, 0];
  const pending: { at: number; apply: () => void }[] = [];
  for (let i = 0; i < 400; i++) {
    const c = rng.intBelow(4);
    const invokeMs = clientFree[c] + rng.intBelow(5);
    const completeMs = invokeMs + 1 + rng.intBelow(30);
    const at = invokeMs + rng.nextFloat() * (completeMs - invokeMs);
    clientFree[c] = completeMs + 1;
    const kind = rng.intBelow(3);
    const op = b.op({
      f: kind === 0 ? 'read' : kind === 1 ? 'write' : 'cas',
      client: `c${c}`,
      invokeMs,
      completeMs,
    });
    if (op.f !== 'read') op.value = `v${i}`;
    pending.push({
      at,
      apply: () => {
        if (op.f === 'read') op.result = { value, version };
        else if (op.f === 'write') {
          version += 1;
          value = op.value!;
          op.result = { version };
        } else {
          op.expectVersion = rng.intBelow(2) === 0 ? version : version + 1;
          if (op.expectVersion === version) {
            version += 1;
            value = op.value!;
            op.result = { version };
          } else op.outcome = 'fail';
        }
      },
    });
  }
  pending.sort((x, y) => x.at - y.at).forEach((p) => p.apply());
  assert.equal(verdictOf(b), 'ok');
  const read = b.history.ops.filter((o) => o.f === 'read' && (o.result?.version ?? 0) > 2)[5];
  read.result = { value: 'never-written', version: read.result!.version };
  assert.equal(verdictOf(b), 'illegal');
});

test('a cas that never executed (refused connection) proves nothing about the version', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  const refused = b.op({
    f: 'cas',
    value: 'b',
    expectVersion: 1,
    outcome: 'fail',
    invokeMs: 20,
    completeMs: 30,
  });
  assert.equal(verdictOf(b), 'illegal');
  refused.notExecuted = true;
  assert.equal(verdictOf(b), 'ok');
});

test('unknown writes are resolved from the committed versions: a read of a never-committed value is illegal', () => {
  const b = new HistoryBuilder();
  b.op({ f: 'write', value: 'a', invokeMs: 0, completeMs: 10, result: { version: 1 } });
  b.op({ f: 'write', value: 'x', invokeMs: 20, completeMs: null });
  b.op({ f: 'read', invokeMs: 30, completeMs: 40, result: { value: 'x', version: 2 } });
  b.history.finals = [{ node: 'node1', key: 'k', currentVersion: 2, versions: { '1': 'a', '2': 'x' } }];
  assert.equal(verdictOf(b), 'ok');
  // The cluster says 'x' never committed (version 2 holds 'y'), yet a client read it: a dirty read.
  b.op({ f: 'write', value: 'y', invokeMs: 50, completeMs: 60, result: { version: 2 } });
  b.history.finals = [{ node: 'node1', key: 'k', currentVersion: 2, versions: { '1': 'a', '2': 'y' } }];
  assert.equal(verdictOf(b), 'illegal');
});

test('many unknown writes are decided quickly once patched from the committed versions', () => {
  const b = new HistoryBuilder();
  const versions: Record<string, string> = {};
  for (let i = 0; i < 600; i++) {
    const t = i * 10;
    // Every third write times out; all of them committed, in order.
    b.op({
      f: 'write',
      value: `v${i}`,
      invokeMs: t,
      completeMs: i % 3 === 0 ? null : t + 5,
      result: i % 3 === 0 ? undefined : { version: i + 1 },
    });
    b.op({
      f: 'read',
      client: 'c1',
      invokeMs: t + 6,
      completeMs: t + 8,
      result: { value: `v${i}`, version: i + 1 },
    });
    versions[String(i + 1)] = `v${i}`;
  }
  b.history.finals = [{ node: 'node1', key: 'k', currentVersion: 600, versions }];
  const [verdict] = checkRegisters(b.history, 5_000, now);
  assert.equal(verdict.verdict, 'ok');
});
