/**
 * A device that hangs (a FIFO whose reader stops reading: writes block once the pipe buffer is
 * full) is bounded: the request fails closed with 500 after the write timeout, the value is not
 * written, and the timeout is counted in arca_audit_failures_total{reason="timeout"}.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { ArcaMetrics } from '../../../../src/lib/metrics.js';
import { parsePrometheusText, sumOf } from '../../../helpers/prometheus-text.js';
import { unsealedHarness } from '../../../helpers/core/core-harness.js';

test('a hanging device: bounded wait, then 500, nothing written, counted as a timeout', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-audit-hang-'));
  const fifo = join(dir, 'audit.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) {
    t.skip('mkfifo not available');
    await rm(dir, { recursive: true, force: true });
    return;
  }
  // A reader that never reads: the writer can open the FIFO, and blocks once its buffer is full.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const metrics = new ArcaMetrics({ processMetrics: false });
  const h = await unsealedHarness({ engines: { kv: kvBackendFactory }, metrics, auditWriteTimeoutMs: 200 });
  try {
    await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken);
    const enabled = await h.call(
      'update',
      'sys/audit/pipe',
      { type: 'file', options: { file_path: fifo } },
      h.rootToken,
    );
    assert.equal(enabled.status, 204, enabled.error?.message);
    const padding = 'x'.repeat(2000);
    let failedAt = -1;
    for (let i = 0; i < 400 && failedAt < 0; i++) {
      const out = await h.call('update', `kv/k${i}`, { padding }, h.rootToken);
      if (out.status === 500) failedAt = i;
      else assert.equal(out.status, 204);
    }
    assert.ok(failedAt > 0, 'writes block once the pipe buffer is full');
    const families = parsePrometheusText(String((await h.core.renderMetrics('prometheus')).body));
    assert.ok(sumOf(families, 'arca_audit_failures_total', { device: 'pipe/', reason: 'timeout' }) >= 1);
    closeSync(reader);
    assert.equal((await h.call('delete', 'sys/audit/pipe', {}, h.rootToken)).status, 204);
    assert.equal((await h.call('read', `kv/k${failedAt}`, {}, h.rootToken)).status, 404, 'not written');
  } finally {
    try {
      closeSync(reader);
    } catch {
      // already closed
    }
    await h.core.close();
    await rm(dir, { recursive: true, force: true });
  }
});
