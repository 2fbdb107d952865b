/**
 * `npm ci` on the supported Node prints no EBADENGINE warning: every package in the lock file
 * accepts the lowest Node version our own `engines` allows, and the Node running the tests.
 * (cookie 2.x, pulled in by light-my-request 6.8, needs Node 22: the lock pins 6.6 through
 * `overrides` instead.) The range check below covers the npm range syntax the lock file uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

type Version = [number, number, number];

function parse(text: string): { v: Version; parts: number } {
  const nums = text
    .replace(/^v/, '')
    .split('.')
    .filter((p) => p !== '' && p !== 'x' && p !== '*' && p !== 'X');
  const v = [0, 0, 0] as Version;
  nums.slice(0, 3).forEach((n, i) => (v[i] = Number(n)));
  return { v, parts: nums.length };
}

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function satisfiesComparator(version: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|\^|~|=)?(.*)$/.exec(comparator)!;
  const { v, parts } = parse(m[2]);
  const c = cmp(version, v);
  switch (m[1]) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '^':
      return c >= 0 && (v[0] !== 0 ? version[0] === v[0] : version[0] === 0 && version[1] === v[1]);
    case '~':
      return c >= 0 && version[0] === v[0] && (parts < 2 || version[1] === v[1]);
    default: // exact or partial ("20", "6.*", "10.x")
      return version[0] === v[0] && (parts < 2 || version[1] === v[1]) && (parts < 3 || version[2] === v[2]);
  }
}

/** npm range: `||`-separated sets of space-separated comparators (">= 18" is one comparator). */
function satisfies(version: string, range: string): boolean {
  const v = parse(version).v;
  return range.split('||').some((set) =>
    set
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .filter((c) => c !== '')
      .every((c) => satisfiesComparator(v, c)),
  );
}

test('the range check itself', () => {
  assert.ok(satisfies('20.19.0', '>=20.19'));
  assert.ok(!satisfies('20.19.0', '>=22'));
  assert.ok(satisfies('20.19.0', '^18.18.0 || ^20.9.0 || >=21.1.0'));
  assert.ok(satisfies('20.19.0', '^20.12||^22.13||>=24.0'));
  assert.ok(satisfies('20.19.0', '18 || 20 || >=22'));
  assert.ok(!satisfies('19.0.0', '18 || 20 || >=22'));
  assert.ok(satisfies('20.19.0', '6.* || 8.* || >= 10.*'));
  assert.ok(!satisfies('20.19.0', '^20.19.1'));
  assert.ok(satisfies('20.20.2', '>= 20.19.0'));
});

test('every locked package accepts the lowest supported Node and the running one (no EBADENGINE)', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const lowest = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node.trim())?.[1];
  assert.ok(lowest !== undefined, `engines.node should be a lower bound, got ${pkg.engines.node}`);
  assert.ok(
    satisfies(process.version, pkg.engines.node),
    `tests run on an unsupported Node ${process.version}`,
  );
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (range === undefined || path === '') continue;
    for (const node of [lowest, process.version])
      if (!satisfies(node, range)) refused.push(`${path}@${entry.version} needs node ${range}, not ${node}`);
  }
  assert.deepEqual(refused, []);
});
