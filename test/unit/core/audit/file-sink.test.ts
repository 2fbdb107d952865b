/**
 * The file sink writes regular files synchronously, batched per event-loop turn (perf: a thread-pool
 * write per entry halved reads at one connection), while keeping its contract: a write resolves only
 * once its line is in the file, concurrent lines land whole and in call order, a FIFO (which can
 * block) keeps the asynchronous path, and a closed sink refuses writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink } from '../../../../src/core/audit/file-sink.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-file-sink-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a regular file is written synchronously: each line is in the file when its write resolves', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'audit.log');
    const sink = await FileSink.open(path, { fsync: false });
    try {
      assert.equal(sink.writeMode, 'sync');
      for (let i = 0; i < 5; i++) {
        await sink.write(`line ${i}\n`);
        const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
        assert.equal(lines.at(-1), `line ${i}`, 'written before the write resolved');
      }
    } finally {
      await sink.close();
    }
  });
});

test('concurrent writes land whole, in call order, with and without fsync', async () => {
  for (const fsync of [false, true]) {
    await withTempDir(async (dir) => {
      const path = join(dir, 'audit.log');
      const sink = await FileSink.open(path, { fsync });
      try {
        const expected = Array.from({ length: 300 }, (_, i) => `{"n":${i},"pad":"${'p'.repeat(i % 50)}"}`);
        // Several turns' worth: half queued now, half from later turns while flushes are running.
        const first = expected.slice(0, 150).map((line) => sink.write(`${line}\n`));
        await new Promise((resolve) => setImmediate(resolve));
        const second = expected.slice(150).map((line) => sink.write(`${line}\n`));
        await Promise.all([...first, ...second]);
        assert.deepEqual(readFileSync(path, 'utf8').split('\n').filter(Boolean), expected);
      } finally {
        await sink.close();
      }
    });
  }
});

test('a closed sink refuses writes, and a write queued before close fails rather than vanishing', async () => {
  await withTempDir(async (dir) => {
    const sink = await FileSink.open(join(dir, 'audit.log'), { fsync: false });
    const queued = assert.rejects(sink.write('late\n'), /not open/);
    await sink.close();
    await queued;
    await assert.rejects(sink.write('after\n'), /closed/);
  });
});

test('a FIFO keeps the asynchronous write (a stalled reader must not block the event loop)', async (t) => {
  await withTempDir(async (dir) => {
    const fifo = join(dir, 'audit.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) {
      t.skip('mkfifo not available');
      return;
    }
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const sink = await FileSink.open(fifo, { fsync: false });
    try {
      assert.equal(sink.writeMode, 'async');
      await sink.write('through the pipe\n');
    } finally {
      await sink.close();
      closeSync(reader);
    }
  });
});
