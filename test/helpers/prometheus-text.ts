/**
 * A small STRICT parser for the Prometheus text exposition format 0.0.4, for tests: every sample
 * must belong to a family declared by `# TYPE` before it, names/labels/values must be well formed,
 * series may not repeat, and histograms must have cumulative buckets ending in `+Inf` = `_count`.
 * Throws with the line number on the first violation.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Values as Prometheus reads them (Go's ParseFloat: NaN/Inf in any case; prom-client writes `Nan`). */
function parseValue(text: string, lineNo: number): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${lineNo}: bad value "${text}"`);
  return Number(text);
}

function parseLabels(text: string, lineNo: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${lineNo}: label without '='`);
    const name = text.slice(i, eq).trim();
    if (!labelName.test(name)) throw new Error(`line ${lineNo}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${lineNo}: duplicate label "${name}"`);
    if (text[eq + 1] !== '"') throw new Error(`line ${lineNo}: label value must be quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`line ${lineNo}: bad escape "\\${next}"`);
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`line ${lineNo}: unterminated label value`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${lineNo}: expected ',' or '}' after label`);
  }
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || family.type === 'summary')) return family;
  }
  return undefined;
}

function checkHistograms(families: Map<string, Family>): void {
  for (const f of families.values()) {
    if (f.type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of f.samples.filter((s) => s.name === `${f.name}_bucket`)) {
      if (s.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      let previous = -Infinity;
      let count = 0;
      for (const b of buckets) {
        if (parseValue(b.labels.le, 0) < previous) throw new Error(`${f.name}: buckets out of order`);
        if (b.value < count) throw new Error(`${f.name}: buckets not cumulative`);
        previous = parseValue(b.labels.le, 0);
        count = b.value;
      }
      if (previous !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
      const total = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(s.labels) === key);
      if (total?.value !== count) throw new Error(`${f.name}: +Inf bucket != _count`);
    }
  }
}

/** Parses a scrape; throws on any violation of the format. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m;
      if (!metricName.test(name)) throw new Error(`line ${lineNo}: bad metric name "${name}"`);
      const family = families.get(name) ?? { name, type: 'untyped' as const, samples: [] };
      if (kind === 'TYPE') {
        if (!types.has(rest)) throw new Error(`line ${lineNo}: bad type "${rest}"`);
        if (family.samples.length > 0) throw new Error(`line ${lineNo}: TYPE after samples`);
        family.type = rest as Family['type'];
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`line ${lineNo}: bad sample line`);
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), lineNo));
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) {
      throw new Error(`line ${lineNo}: expected ' value [timestamp]'`);
    }
    const value = parseValue(parts[0], lineNo);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${lineNo}: bad timestamp`);
    const family = familyOf(name, families);
    if (!family) throw new Error(`line ${lineNo}: sample "${name}" has no # TYPE`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(id)) throw new Error(`line ${lineNo}: duplicate series ${id}`);
    seen.add(id);
    family.samples.push({ name, labels, value });
  });
  checkHistograms(families);
  return families;
}

/** Sum of the samples named `name` whose labels include `match`. */
export function sumOf(
  families: Map<string, Family>,
  name: string,
  match: Record<string, string> = {},
): number {
  let total = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}
