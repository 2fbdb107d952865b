/**
 * WriteDeadlines on faked time: node:test's mock timers stand in for setTimeout and a FakeClock
 * for the monotonic reading, moved together by `advance`. Nothing here depends on how fast the
 * machine is: each assertion is about which waits have ended at a given fake instant.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { WriteDeadlines, type WriteOutcome } from '../../../../src/core/audit/write-deadlines.js';
import { FakeClock } from '../../../../src/lib/clock.js';

/** Lets every promise reaction queued so far run (setImmediate is not faked here). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function fakeTime(t: TestContext): {
  deadlines: (timeoutMs: number) => WriteDeadlines;
  advance(ms: number): Promise<void>;
} {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const clock = new FakeClock();
  return {
    deadlines: (timeoutMs) => new WriteDeadlines(timeoutMs, () => clock.monotonicMs()),
    async advance(ms) {
      for (let i = 0; i < ms; i++) {
        clock.advance(1);
        t.mock.timers.tick(1);
        await settle();
      }
    },
  };
}

/** Records a bounded write's outcome as soon as it is known. */
function track(wait: Promise<WriteOutcome>): { outcome?: WriteOutcome } {
  const box: { outcome?: WriteOutcome } = {};
  void wait.then((o) => (box.outcome = o));
  return box;
}

test('WriteDeadlines: ok and error pass through; a hanging write times out exactly at its deadline', async (t) => {
  const time = fakeTime(t);
  const deadlines = time.deadlines(40);
  assert.equal(await deadlines.bound(Promise.resolve()), 'ok');
  assert.equal(await deadlines.bound(Promise.reject(new Error('x'))), 'error');
  let finishQuick!: () => void;
  const hanging = track(deadlines.bound(new Promise(() => undefined)));
  const quick = track(deadlines.bound(new Promise<void>((resolve) => (finishQuick = resolve))));
  await time.advance(5);
  finishQuick();
  await settle();
  assert.equal(quick.outcome, 'ok');
  await time.advance(34);
  assert.equal(hanging.outcome, undefined, 'still pending 1 ms before its deadline');
  await time.advance(1);
  assert.equal(hanging.outcome, 'timeout');
});

test('WriteDeadlines: staggered hanging writes each time out at their own deadline, not earlier', async (t) => {
  const time = fakeTime(t);
  const deadlines = time.deadlines(30);
  const waits: { outcome?: WriteOutcome }[] = [];
  for (let i = 0; i < 5; i++) {
    waits.push(track(deadlines.bound(new Promise(() => undefined))));
    // Settled writes between them must not disturb the pending ones (and exercise compaction).
    for (let j = 0; j < 1500; j++) await deadlines.bound(Promise.resolve());
    await time.advance(3);
  }
  // Write i started at 3*i ms and must end at exactly 3*i + 30 ms; the clock is now at 15 ms.
  for (let nowMs = 15; nowMs <= 45; nowMs++) {
    const ended = waits.map((w) => w.outcome !== undefined);
    const expected = waits.map((_, i) => nowMs >= 3 * i + 30);
    assert.deepEqual(ended, expected, `at ${nowMs} ms`);
    await time.advance(1);
  }
  assert.ok(waits.every((w) => w.outcome === 'timeout'));
  // Once nothing is pending, a new bounded write still ends (the timer is re-armed).
  const late = track(deadlines.bound(new Promise(() => undefined)));
  await time.advance(30);
  assert.equal(late.outcome, 'timeout');
});
