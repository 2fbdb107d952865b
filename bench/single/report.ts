/**
 * Turns the cells of an interleaved `bench:single` run into summaries (median and range per
 * server, op and connection count) and per-round ratios (Arca/etcd, Arca/fastify, audit/no audit,
 * arca-b/arca), and prints them as Markdown tables. Pure apart from the printing.
 */
import type { ServerName } from './options.js';
import type { ProbeWindow } from './probe-summary.js';
import { fmt, fmtSummary, perRoundRatios, summarize, type Summary } from './stats.js';
import type { WrkResult } from './wrk-output.js';

/** One measured cell: one server, one op, one connection count, one round. */
export interface CellRecord {
  round: number;
  server: ServerName;
  op: 'put' | 'get';
  conns: number;
  startMs: number;
  endMs: number;
  loadavgStart: number;
  loadavgEnd: number;
  wrk: WrkResult;
  /** Server CPU (utime + stime, all threads) during the cell, per request. */
  cpuUsPerRequest: number;
  /** Server CPU seconds per wall second during the cell (1.0 = one core busy). */
  cpuCores: number;
  rssKiB: number;
  probe?: ProbeWindow;
}

/** Summary of one server × op × connection count over the rounds. */
export interface CellSummary {
  server: ServerName;
  op: 'put' | 'get';
  conns: number;
  rps: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
  cpuUsPerRequest: Summary;
  cpuCores: Summary;
  errors: number;
}

/** A ratio a/b summarised over the rounds in which both were measured. */
export interface RatioSummary {
  label: string;
  op: 'put' | 'get';
  conns: number;
  metric: 'req/s' | 'p99' | 'CPU/req';
  ratio: Summary;
}

function series(cells: readonly CellRecord[], server: ServerName, op: string, conns: number): CellRecord[] {
  return cells
    .filter((c) => c.server === server && c.op === op && c.conns === conns)
    .sort((a, b) => a.round - b.round);
}

/** Median and range of every server × op × conns group, in a stable order. */
export function summarizeCells(cells: readonly CellRecord[]): CellSummary[] {
  const keys = new Map<string, { server: ServerName; op: 'put' | 'get'; conns: number }>();
  for (const c of cells)
    keys.set(`${c.op}|${c.conns}|${c.server}`, { server: c.server, op: c.op, conns: c.conns });
  return [...keys.values()].map(({ server, op, conns }) => {
    const s = series(cells, server, op, conns);
    return {
      server,
      op,
      conns,
      rps: summarize(s.map((c) => c.wrk.requestsPerSecond)),
      p50Ms: summarize(s.map((c) => c.wrk.p50Ms)),
      p99Ms: summarize(s.map((c) => c.wrk.p99Ms)),
      cpuUsPerRequest: summarize(s.map((c) => c.cpuUsPerRequest)),
      cpuCores: summarize(s.map((c) => c.cpuCores)),
      errors: s.reduce((n, c) => n + c.wrk.non2xx + c.wrk.socketErrors, 0),
    };
  });
}

/** The ratios issue 16 asks for, each a per-round ratio of two servers measured back to back. */
export function computeRatios(cells: readonly CellRecord[], conns: readonly number[]): RatioSummary[] {
  const out: RatioSummary[] = [];
  const add = (a: ServerName, b: ServerName, op: 'put' | 'get', metric: RatioSummary['metric']): void => {
    for (const c of conns) {
      const sa = series(cells, a, op, c);
      const sb = series(cells, b, op, c);
      if (sa.length === 0 || sb.length === 0) continue;
      const pick = (r: CellRecord): number =>
        metric === 'req/s' ? r.wrk.requestsPerSecond : metric === 'p99' ? r.wrk.p99Ms : r.cpuUsPerRequest;
      const byRound = (s: CellRecord[]): number[] => {
        const m = new Map(s.map((r) => [r.round, pick(r)]));
        return [...new Set([...sa, ...sb].map((r) => r.round))]
          .sort((x, y) => x - y)
          .map((r) => m.get(r) ?? NaN);
      };
      const label = `${a === 'audit' ? 'audit / no audit' : `${a} / ${b}`} ${op === 'put' ? 'writes' : 'reads'}`;
      out.push({ label, op, conns: c, metric, ratio: summarize(perRoundRatios(byRound(sa), byRound(sb))) });
    }
  };
  add('arca', 'etcd', 'put', 'req/s');
  add('arca', 'fastify', 'get', 'req/s');
  add('arca', 'etcd', 'get', 'req/s');
  add('arca', 'fastify', 'put', 'req/s');
  add('audit', 'arca', 'put', 'req/s');
  add('audit', 'arca', 'get', 'req/s');
  add('arca', 'etcd', 'put', 'p99');
  add('arca', 'etcd', 'get', 'p99');
  add('arca', 'fastify', 'get', 'p99');
  add('arca', 'etcd', 'put', 'CPU/req');
  add('floor-writes', 'etcd', 'put', 'req/s');
  add('arca', 'floor-writes', 'put', 'req/s');
  add('floor-writes', 'etcd', 'put', 'CPU/req');
  add('arca', 'floor-writes', 'put', 'CPU/req');
  add('arca', 'etcd', 'get', 'CPU/req');
  add('arca', 'fastify', 'get', 'CPU/req');
  add('floor-reads', 'fastify', 'get', 'CPU/req');
  add('arca', 'floor-reads', 'get', 'CPU/req');
  for (const op of ['put', 'get'] as const)
    for (const metric of ['req/s', 'p99', 'CPU/req'] as const) {
      add('arca-b', 'arca', op, metric);
      add('audit-b', 'audit', op, metric);
    }
  return out;
}

/** Prints the per-cell table and the ratio table (Markdown). */
export function printReport(cells: readonly CellRecord[], conns: readonly number[]): void {
  console.log(
    '\n| op | conns | server | req/s median (range) | p50 ms | p99 ms median (range) | server CPU µs/req | server cores | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const s of summarizeCells(cells)) {
    console.log(
      `| ${s.op} | ${s.conns} | ${s.server} | ${fmtSummary(s.rps)} | ${fmt(s.p50Ms.median)} | ${fmtSummary(s.p99Ms)} | ${fmtSummary(s.cpuUsPerRequest)} | ${fmt(s.cpuCores.median)} | ${s.errors} |`,
    );
  }
  console.log(
    '\n| ratio (per round, median (range)) | metric | ' + conns.map((c) => `c${c}`).join(' | ') + ' |',
  );
  console.log('|---|---|' + conns.map(() => '---').join('|') + '|');
  const ratios = computeRatios(cells, conns);
  const rows = new Map<string, RatioSummary[]>();
  for (const r of ratios)
    rows.set(`${r.label}|${r.metric}`, [...(rows.get(`${r.label}|${r.metric}`) ?? []), r]);
  for (const [key, rs] of rows) {
    const [label, metric] = key.split('|');
    const byConns = conns.map((c) => {
      const r = rs.find((x) => x.conns === c);
      return r ? fmtSummary(r.ratio) : '—';
    });
    console.log(`| ${label} | ${metric} | ${byConns.join(' | ')} |`);
  }
  const loads = cells.flatMap((c) => [c.loadavgStart, c.loadavgEnd]);
  if (loads.length > 0) {
    const l = summarize(loads);
    console.log(
      `\nLoad average (1 min) during the cells: median ${fmt(l.median)}, range ${fmt(l.min)}–${fmt(l.max)}`,
    );
  }
}

/** Per-cell probe table (only cells with probe data): where the tail came from. */
export function printProbe(cells: readonly CellRecord[]): void {
  const probed = cells.filter((c) => c.probe !== undefined && c.probe.samples > 0);
  if (probed.length === 0) return;
  console.log(
    '\n| round | op | conns | server | wrk p50 / p99 ms | server-side p50 / p99 ms (bucket) | longest stall ms | stall ms/s: GC / run queue / running | GC ms/s minor / major | longest minor / major ms | main thread run / run-queue wait | process cores |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of probed) {
    const p = c.probe!;
    const gc = (k: string, r: Record<string, number>): string => fmt(r[k] ?? 0);
    console.log(
      `| ${c.round} | ${c.op} | ${c.conns} | ${c.server} | ${fmt(c.wrk.p50Ms)} / ${fmt(c.wrk.p99Ms)} | ${fmt(p.serverP50Ms)} / ${fmt(p.serverP99Ms)} | ${fmt(p.stallMaxMs)} | ${fmt(p.stallMsPerSecond.gc)} / ${fmt(p.stallMsPerSecond.runQueue)} / ${fmt(p.stallMsPerSecond.running)} | ${gc('minor', p.gcMsPerSecond)} / ${gc('major', p.gcMsPerSecond)} | ${gc('minor', p.gcMaxMs)} / ${gc('major', p.gcMaxMs)} | ${(p.mainRunShare * 100).toFixed(0)}% / ${(p.mainWaitShare * 100).toFixed(0)}% | ${fmt(p.processCores)} |`,
    );
  }
}
