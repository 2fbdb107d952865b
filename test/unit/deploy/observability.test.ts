import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ArcaMetrics } from '../../../src/lib/metrics.js';

const root = process.cwd();

/** Every series name the registry can export (histograms add _bucket, _sum, _count). */
async function exportedSeriesNames(): Promise<Set<string>> {
  const metrics = new ArcaMetrics();
  metrics.raft();
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

function referencedMetrics(expr: string): string[] {
  return [...expr.matchAll(/\barca_[a-z0-9_]+/g)].map((m) => m[0]);
}

test('alert rules parse, cover the required alerts, and use only exported metrics', async () => {
  const doc = parseYaml(await readFile(join(root, 'deploy/prometheus/arca-alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  const rules = doc.groups.flatMap((g) => g.rules);
  const names = rules.map((r) => r.alert);
  for (const required of [
    'ArcaSealed',
    'ArcaFetchSuccessRateLow',
    'ArcaLatencyP95High',
    'ArcaAuditDeliveryFailures',
    'ArcaRevocationFailures',
    'ArcaHighDeniedRequestRate',
  ]) {
    assert.ok(names.includes(required), `missing alert ${required}`);
  }
  const exported = await exportedSeriesNames();
  for (const rule of rules) {
    const used = referencedMetrics(rule.expr);
    assert.ok(used.length > 0, `${rule.alert} references no arca metric`);
    for (const name of used)
      assert.ok(exported.has(name), `${rule.alert} uses ${name}, which Arca does not export`);
  }
});

test('the Grafana dashboard has executive, on-call and debug rows and uses only exported metrics', async () => {
  const dashboard = JSON.parse(await readFile(join(root, 'deploy/grafana/arca-dashboard.json'), 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
  };
  const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title.toLowerCase());
  for (const want of ['executive', 'on-call', 'debug'])
    assert.ok(
      rows.some((r) => r.startsWith(want)),
      want,
    );
  const exported = await exportedSeriesNames();
  let count = 0;
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    for (const target of panel.targets ?? []) {
      for (const name of referencedMetrics(target.expr)) {
        count++;
        assert.ok(exported.has(name), `panel "${panel.title}" uses ${name}, which Arca does not export`);
      }
    }
  }
  assert.ok(count > 10);
});
