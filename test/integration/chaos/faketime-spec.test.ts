/**
 * The harness's libfaketime specs on a real process: a child node process under libfaketime
 * prints its wall clock; the test drifts it at x2, then resets it, and the child's clock must be
 * back on time. Regression: the reset spec "+0.000" (no rate) left libfaketime's previous rate in
 * force, so every clock the gameday "healed" after a drift kept drifting (tens of seconds later).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { faketimeSpec, findFaketime } from '../../../chaos/cluster/node-process.js';

test('a drifted clock reset by the harness reads true time again', { timeout: 60_000 }, async (t) => {
  const library = findFaketime();
  if (library === undefined) {
    t.skip('libfaketime is not installed (.ci/run installs the faketime package)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'arca-faketime-'));
  const clockFile = join(dir, 'clock');
  await writeFile(clockFile, `${faketimeSpec(0, 1, 0)}\n`);
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['-e', 'setInterval(() => console.log(Date.now()), 50)'], {
    env: {
      ...process.env,
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      NODE_TEST_CONTEXT: undefined,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Each line: the child's wall clock minus ours when it arrived (its offset, plus a little delay).
  const offsets: number[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    offsets.push(Number(line) - Date.now());
    for (const w of waiters.splice(0)) w();
  });
  /** Resolves with the offsets of the next `n` lines the child prints. */
  const next = async (n: number): Promise<number[]> => {
    const from = offsets.length;
    while (offsets.length < from + n) await new Promise<void>((r) => waiters.push(r));
    return offsets.slice(from, from + n);
  };
  try {
    await next(5);
    await writeFile(clockFile, `${faketimeSpec(0, 2, performance.now() - spawnedAt)}\n`);
    const drifting = await next(20); // about a second at x2
    assert.ok(drifting.at(-1)! > drifting[0] + 300, `x2 did not drift: ${drifting.join(',')}`);
    await writeFile(clockFile, `${faketimeSpec(0, 1, performance.now() - spawnedAt)}\n`);
    await next(2); // the spec is re-read on the next clock reading
    const after = await next(20);
    assert.ok(
      after.every((o) => Math.abs(o) < 250),
      `the reset clock is still off: ${after.map(Math.round).join(',')}`,
    );
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
