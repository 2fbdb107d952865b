import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteDeadlines } from '../../../../src/core/audit/write-deadlines.js';

test('WriteDeadlines: ok and error pass through; a hanging write times out at its deadline', async () => {
  const deadlines = new WriteDeadlines(40);
  assert.equal(await deadlines.bound(Promise.resolve()), 'ok');
  assert.equal(await deadlines.bound(Promise.reject(new Error('x'))), 'error');
  const started = performance.now();
  const hanging = deadlines.bound(new Promise(() => undefined));
  const quick = deadlines.bound(new Promise((resolve) => setTimeout(resolve, 5)));
  assert.equal(await quick, 'ok');
  assert.equal(await hanging, 'timeout');
  const waitedMs = performance.now() - started;
  assert.ok(waitedMs >= 39 && waitedMs < 2000, `waited ${waitedMs} ms`);
});

test('WriteDeadlines: each of many staggered hanging writes times out no earlier than its own deadline', async () => {
  const deadlines = new WriteDeadlines(30);
  const waits: Promise<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    waits.push(
      deadlines.bound(new Promise(() => undefined)).then((o) => {
        assert.equal(o, 'timeout');
        return performance.now() - started;
      }),
    );
    // Settled writes between them must not disturb the pending ones.
    for (let j = 0; j < 1500; j++) await deadlines.bound(Promise.resolve());
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  for (const waitedMs of await Promise.all(waits))
    assert.ok(waitedMs >= 29 && waitedMs < 2000, `${waitedMs}`);
  // Once nothing is pending, a new bounded write still resolves (the timer is re-armed).
  assert.equal(await deadlines.bound(new Promise(() => undefined)), 'timeout');
});
