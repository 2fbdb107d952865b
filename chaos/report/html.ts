/**
 * The operator's report: one self-contained HTML file (no scripts or assets fetched) with the
 * verdict, the replay command, every violation linked to the operations involved, the fault and
 * leader timeline, failover windows, and latency and errors per node.
 */
import type { CheckResults } from '../checkers/check-all.js';
import type { History, Op } from '../history.js';

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const ms = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `${Math.round(v)} ms`;

function percentile(sorted: number[], p: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function perNode(ops: Op[]): string {
  const nodes = [...new Set(ops.map((o) => o.node))].sort();
  const rows = nodes.map((node) => {
    const mine = ops.filter((o) => o.node === node);
    const lat = mine
      .filter((o) => o.outcome === 'ok' && o.completeMs !== null)
      .map((o) => o.completeMs! - o.invokeMs)
      .sort((a, b) => a - b);
    const count = (x: string): number => mine.filter((o) => o.outcome === x).length;
    return `<tr><td>${esc(node)}</td><td>${mine.length}</td><td>${count('ok')}</td><td>${count('fail')}</td><td>${count('unknown')}</td><td>${ms(percentile(lat, 0.5))}</td><td>${ms(percentile(lat, 0.99))}</td><td>${ms(lat[lat.length - 1])}</td></tr>`;
  });
  return `<table><tr><th>node</th><th>ops</th><th>ok</th><th>fail</th><th>unknown</th><th>p50</th><th>p99</th><th>max</th></tr>${rows.join('')}</table>`;
}

/** Renders the report. `involved` ops get anchors `#op-<id>`. */
export function renderReport(input: {
  title: string;
  replay: string;
  history: History;
  results: CheckResults;
  meta: Record<string, unknown>;
}): string {
  const { history, results } = input;
  const involved = new Set(results.violations.flatMap((v) => v.opIds));
  const opRow = (o: Op): string =>
    `<tr id="op-${o.id}" class="${involved.has(o.id) ? 'bad' : ''}"><td>${o.id}</td><td>${esc(o.client)}</td><td>${esc(o.node)}</td><td>${esc(o.f)}</td><td>${esc(o.key)}</td><td>${esc(o.value ?? o.expectVersion ?? o.ttlSeconds ?? '')}${o.expectVersion !== undefined ? ` (cas ${o.expectVersion})` : ''}</td><td>${Math.round(o.invokeMs)}</td><td>${o.completeMs === null ? '∞' : Math.round(o.completeMs)}</td><td>${o.outcome}</td><td>${esc(JSON.stringify(o.result ?? ''))}</td><td>${esc(o.error ?? '')}</td></tr>`;
  const violationRows = results.violations
    .map(
      (v) =>
        `<tr class="bad"><td>${esc(v.checker)}</td><td>${esc(v.rule)}</td><td>${esc(v.detail)}</td><td>${v.opIds.map((id) => `<a href="#op-${id}">#${id}</a>`).join(' ')}</td></tr>`,
    )
    .join('');
  const events = [...history.events]
    .sort((a, b) => a.atMs - b.atMs)
    .map(
      (e) =>
        `<tr class="${e.kind}"><td>${Math.round(e.atMs)}</td><td>${esc(e.kind)}</td><td>${esc(e.nemesis ?? '')}</td><td>${esc(e.detail)}</td></tr>`,
    )
    .join('');
  const windows = results.failover.windows
    .map(
      (w) =>
        `<tr><td>${Math.round(w.atMs)}</td><td>${esc(w.nemesis)}</td><td>${esc(w.detail)}</td><td>${ms(w.windowMs)}</td><td>${w.opId === undefined ? '' : `<a href="#op-${w.opId}">#${w.opId}</a>`}</td></tr>`,
    )
    .join('');
  const shownOps = history.ops.filter(
    (o) => involved.has(o.id) || o.final === true || history.ops.length <= 5_000,
  );
  const registers = results.registers
    .map(
      (r) =>
        `<tr class="${r.verdict === 'illegal' ? 'bad' : ''}"><td>${esc(r.key)}</td><td>${r.ops}</td><td>${r.verdict}</td><td>${r.steps}</td></tr>`,
    )
    .join('');
  const verdict = results.valid ? (results.undecided ? 'PASS (some keys undecided)' : 'PASS') : 'FAIL';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(input.title)}</title><style>
body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
.bad{background:#fdd}.fault-start{background:#ffe9c7}.fault-stop{background:#e5f5e0}.leader{background:#e6eefc}code{background:#eee;padding:2px 4px}
</style></head><body>
<h1>${esc(input.title)}: ${verdict}</h1>
<p>Replay: <code>${esc(input.replay)}</code></p>
<table>${Object.entries(input.meta)
    .map(
      ([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
    )
    .join('')}</table>
<h2>Summary</h2><table>
<tr><th>operations</th><td>${results.operations.total} (ok ${results.operations.ok}, fail ${results.operations.fail}, unknown ${results.operations.unknown})</td></tr>
<tr><th>faults</th><td>${results.failover.faults}</td></tr>
<tr><th>failover window</th><td>median ${ms(results.failover.medianWindowMs)}, max ${ms(results.failover.maxWindowMs)}</td></tr>
<tr><th>elections observed</th><td>${results.failover.elections} (leaders: ${esc(results.failover.leaders.join(' → '))})</td></tr>
<tr><th>acknowledged writes</th><td>${results.lostWrites.ackedWrites}, lost ${results.lostWrites.lost.length}, unverified keys ${esc(results.lostWrites.unverifiedKeys.join(', ') || '—')}</td></tr>
<tr><th>tokens</th><td>${results.tokens.tokens} tokens, ${results.tokens.observations} observations, lateness unchecked ${results.tokens.lateUnchecked}, L4 unverified ${results.tokens.finalUnverified}</td></tr>
<tr><th>violations</th><td>${results.violations.length}</td></tr></table>
<h2>Violations</h2>${results.violations.length === 0 ? '<p>none</p>' : `<table><tr><th>checker</th><th>rule</th><th>detail</th><th>ops</th></tr>${violationRows}</table>`}
<h2>Registers (linearizability per key)</h2><table><tr><th>key</th><th>ops</th><th>verdict</th><th>search steps</th></tr>${registers}</table>
<h2>Failover windows</h2><table><tr><th>at (ms)</th><th>nemesis</th><th>fault</th><th>window</th><th>first write</th></tr>${windows}</table>
<h2>Latency and errors per node</h2>${perNode(history.ops)}
<h2>Timeline (faults, leader changes)</h2><table><tr><th>at (ms)</th><th>kind</th><th>nemesis</th><th>detail</th></tr>${events}</table>
<h2>Operations${shownOps.length < history.ops.length ? ` (the ${shownOps.length} involved in violations or final; all in history.jsonl)` : ''}</h2>
<table><tr><th>id</th><th>client</th><th>node</th><th>f</th><th>key</th><th>input</th><th>invoke</th><th>complete</th><th>outcome</th><th>result</th><th>error</th></tr>${shownOps.map(opRow).join('')}</table>
</body></html>
`;
}
