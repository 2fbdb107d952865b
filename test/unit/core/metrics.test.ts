/**
 * Metrics through core: the scrape parses as strict Prometheus text, counters move with requests
 * (per mount, audit writes per device), the sealed gauge flips, JSON form and access control.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { ArcaMetrics } from '../../../src/lib/metrics.js';
import type { LogicalResponse } from '../../../src/logical/response.js';
import { parsePrometheusText, sumOf } from '../../helpers/prometheus-text.js';
import { unsealedHarness, type Harness } from '../../helpers/core/core-harness.js';

let counter = 0;

async function scrape(h: Harness, token: string): Promise<LogicalResponse> {
  return h.core.handleRequest({
    id: `metrics-${++counter}`,
    operation: 'read',
    path: 'sys/metrics',
    data: { format: 'prometheus' },
    clientToken: token,
    headers: {},
    remoteAddress: '127.0.0.1',
  });
}

async function scrapeParsed(h: Harness, token: string) {
  const response = await scrape(h, token);
  assert.equal(response.raw?.status, 200);
  assert.match(response.raw.contentType, /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(String(response.raw.body));
}

test('scrape is strict Prometheus text; request, audit and token counters move with requests', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-metrics-'));
  try {
    const metrics = new ArcaMetrics();
    const h = await unsealedHarness({ engines: { kv: kvBackendFactory }, metrics });
    await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken);
    await h.call(
      'update',
      'sys/audit/file',
      { type: 'file', options: { file_path: join(dir, 'a.log') } },
      h.rootToken,
    );
    const before = await scrapeParsed(h, h.rootToken);
    assert.equal(sumOf(before, 'arca_core_sealed'), 0);
    for (let i = 0; i < 5; i++) await h.call('update', `kv/k${i}`, { v: String(i) }, h.rootToken);
    for (let i = 0; i < 3; i++) await h.call('read', `kv/k${i}`, {}, h.rootToken);
    await h.call('read', 'kv/missing', {}, h.rootToken);
    await h.call('read', 'kv/k0', {}, 'not-a-token');
    const after = await scrapeParsed(h, h.rootToken);

    const delta = (name: string, labels: Record<string, string> = {}): number =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    assert.equal(delta('arca_requests_total', { mount: 'kv/' }), 10);
    assert.equal(delta('arca_requests_total', { mount: 'kv/', operation: 'update', status: '204' }), 5);
    assert.equal(delta('arca_requests_total', { mount: 'kv/', operation: 'read', status: '200' }), 3);
    assert.equal(delta('arca_requests_total', { mount: 'kv/', status: '404' }), 1);
    assert.equal(delta('arca_requests_total', { mount: 'kv/', status: '403' }), 1);
    assert.equal(delta('arca_request_duration_seconds_count', { mount: 'kv/' }), 10);
    assert.equal(delta('arca_requests_denied_total', { reason: 'invalid_token' }), 1);
    // 9 authenticated kv requests audited as request + response each (the denied one is not).
    assert.equal(delta('arca_audit_writes_total', { device: 'file/' }), 18);
    assert.equal(delta('arca_audit_failures_total'), 0);
    assert.equal(delta('arca_token_lookups_total', { result: 'invalid' }), 1);
    assert.ok(delta('arca_token_lookups_total', { result: 'valid' }) >= 9);
    assert.ok(delta('arca_barrier_operation_duration_seconds_count', { operation: 'put' }) >= 5);
    assert.ok(delta('arca_storage_operation_duration_seconds_count') > 0);
    assert.ok(sumOf(after, 'arca_token_creations_total', { kind: 'root' }) >= 1);

    await h.call('update', 'auth/token/create', { policies: ['default'] }, h.rootToken);
    const created = await scrapeParsed(h, h.rootToken);
    assert.equal(sumOf(created, 'arca_token_creations_total', { kind: 'child' }), 1);

    await h.call('update', 'sys/seal', {}, h.rootToken);
    const sealed = await h.core.renderMetrics('prometheus');
    assert.equal(sumOf(parsePrometheusText(String(sealed.body)), 'arca_core_sealed'), 1);
    await h.core.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a device that cannot write is counted as an audit failure', async () => {
  const metrics = new ArcaMetrics({ processMetrics: false });
  const h = await unsealedHarness({ metrics });
  await h.call(
    'update',
    'sys/audit/full',
    { type: 'file', options: { file_path: '/dev/full' } },
    h.rootToken,
  );
  assert.equal((await h.call('read', 'sys/mounts', {}, h.rootToken)).status, 500);
  const text = String((await h.core.renderMetrics('prometheus')).body);
  const families = parsePrometheusText(text);
  assert.ok(sumOf(families, 'arca_audit_failures_total', { device: 'full/', reason: 'error' }) >= 1);
  assert.equal(sumOf(families, 'arca_requests_total', { mount: 'sys/', status: '500' }), 1);
  await h.core.close();
});

test('sys/metrics: JSON by default (Vault shape), needs read on sys/metrics, bad format is 400', async () => {
  const h = await unsealedHarness({ metrics: new ArcaMetrics({ processMetrics: false }) });
  const json = await h.call('read', 'sys/metrics', {}, h.rootToken);
  assert.equal(json.status, 200);
  assert.ok(Array.isArray(json.body!.Counters) && Array.isArray(json.body!.Gauges));
  assert.equal(typeof json.body!.Timestamp, 'string');
  const created = await h.call('update', 'auth/token/create', { policies: ['default'] }, h.rootToken);
  const token = created.response!.auth!.clientToken;
  await assert.rejects(scrape(h, token), (e: unknown) => (e as { httpStatus?: number }).httpStatus === 403);
  await h.call(
    'update',
    'sys/policies/acl/scraper',
    { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    h.rootToken,
  );
  const scraper = await h.call('update', 'auth/token/create', { policies: ['scraper'] }, h.rootToken);
  parsePrometheusText(String((await scrape(h, scraper.response!.auth!.clientToken)).raw!.body));
  assert.equal((await h.call('read', 'sys/metrics', { format: 'xml' }, h.rootToken)).status, 400);
  await h.core.close();
});

test('core without metrics: sys/metrics is a 400, requests still work', async () => {
  const h = await unsealedHarness();
  assert.equal((await h.call('read', 'sys/metrics', { format: 'prometheus' }, h.rootToken)).status, 400);
  assert.equal((await h.call('read', 'sys/mounts', {}, h.rootToken)).status, 200);
  await h.core.close();
});
