import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AuditEntry } from '../../../../src/core/audit-broker.js';
import { EntryJsonWriter, type RenderOptions } from '../../../../src/core/audit/entry-json.js';
import { AuditHasher } from '../../../../src/core/audit/hasher.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { renderEntry } from '../../../helpers/audit-reference-format.js';

const salt = 'golden-salt-0123456789';
const optionSets: RenderOptions[] = [
  { hmacAccessor: true, logRaw: false },
  { hmacAccessor: false, logRaw: false },
  { hmacAccessor: true, logRaw: true },
  { hmacAccessor: false, logRaw: true },
];

function base(data: Record<string, unknown>, withAuth = true): AuditEntry {
  return {
    type: 'request',
    timeMs: Date.UTC(2026, 11, 6, 15, 4, 5, 678),
    ...(withAuth
      ? {
          auth: {
            clientToken: 'hvs.CAESIJ-token-value',
            accessor: 'accessor-abc',
            displayName: 'token-app',
            policies: ['default', 'app'],
            metadata: { team: 'a "quoted" \u00e9 team' },
            entityId: 'entity-1',
            tokenType: 'batch',
          },
        }
      : {}),
    request: {
      id: 'f1a2b3c4-0000-4000-8000-000000000001',
      operation: 'update',
      path: 'secret/data/app/k1',
      data,
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_0f8fad5b',
      clientToken: 'hvs.CAESIJ-token-value',
      remoteAddress: '127.0.0.1',
      headers: { 'x-vault-token': 'hvs.CAESIJ-token-value' },
    },
  };
}

const kvRead: LogicalResponse = {
  data: {
    data: { value: 'v'.repeat(256), nested: { list: ['a', 1, true, null] } },
    metadata: {
      created_time: '2026-12-06T15:04:05.678901234Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 3,
    },
  },
};

/** Hand-written cases: every branch of the format and JSON.stringify's quirks. */
function corpus(): AuditEntry[] {
  const weird = JSON.parse(
    '{"__proto__":{"x":"y"},"2":"two","1":"one","b\\"k\\n":"\\u0001\\u2028"}',
  ) as Record<string, unknown>;
  const sparse: unknown[] = ['a'];
  sparse[3] = 'd';
  const entries: AuditEntry[] = [
    base({}),
    base({}, false),
    { ...base({ password: 'hunter2', count: 3, ok: true }), wrapTtlSeconds: 60 } as AuditEntry,
    base({ weird, sparse, empty: '', emptyObj: {}, emptyArr: [] }),
    base({
      numbers: [0, -0, 1.5e300, NaN, Infinity, -Infinity, 1e-7],
      skipped: undefined,
      fn: () => 1,
      sym: Symbol('s'),
      inArray: [undefined, () => 1, Symbol('t')],
      bytes: new Uint8Array([0, 1, 2, 250]),
      date: new Date(0),
      map: new Map([['k', 'v']]),
      boxed: new String('ab'),
    }),
    { ...base({ a: 1 }), type: 'response', response: kvRead },
    { ...base({}), type: 'response', response: { data: null, warnings: ['careful "now"'] } },
    { ...base({}), type: 'response', response: {} },
    { ...base({}), type: 'response', error: 'permission denied' },
    { ...base({}), type: 'response', response: kvRead, error: 'late failure' },
    {
      ...base({}),
      type: 'response',
      response: { raw: { status: 404, contentType: 'application/json', body: '{"errors":[]}' } },
    },
    {
      ...base({}),
      type: 'response',
      response: {
        raw: { status: 200, contentType: 'application/pkix-cert', body: new Uint8Array([1, 2, 3]) },
      },
    },
    {
      ...base({}),
      type: 'response',
      response: { data: { username: 'v-user', password: 'p' }, leaseId: 'database/creds/ro/abc' },
    },
    {
      ...base({}),
      type: 'response',
      response: {
        auth: {
          clientToken: 'hvs.new-login-token',
          accessor: 'acc-new',
          policies: ['default'],
          tokenPolicies: ['default'],
          metadata: { role: 'r' },
          leaseDurationSeconds: 3600,
          renewable: true,
          entityId: '',
          tokenType: 'service',
          orphan: true,
          numUses: 0,
        },
      },
    },
    ...['', 'wrapped-acc'].map((wrappedAccessor): AuditEntry => ({
      ...base({}),
      type: 'response',
      response: {
        wrapInfo: {
          token: 'hvs.wrapping-token',
          accessor: 'wrap-acc',
          ttlSeconds: 300,
          creationTimeMs: Date.UTC(2026, 0, 2),
          creationPath: 'sys/wrapping/wrap',
          wrappedAccessor,
        },
      },
    })),
  ];
  // Fields typed as present but missing at run time are left out, as JSON.stringify does.
  const loose = base({});
  (loose.auth as unknown as Record<string, unknown>).displayName = undefined;
  (loose.request as unknown as Record<string, unknown>).id = undefined;
  entries.push(loose);
  return entries;
}

/** Deterministic pseudo-random nested data (xorshift32), for values the hand-written cases miss. */
function randomData(seed: number): Record<string, unknown> {
  let s = seed || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const pieces = ['', 'a', 'é', '"', '\\', '\n', '\u0000', '\u{1F600}', '</script>', '0', '-1', ' '];
  const word = (): string =>
    Array.from({ length: Math.floor(next() * 4) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.35) return word();
    if (r < 0.45) return Math.floor(next() * 2000) - 1000 + (next() < 0.3 ? 0.25 : 0);
    if (r < 0.5) return next() < 0.5;
    if (r < 0.55) return null;
    if (r < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) o[word() || String(i)] = value(depth + 1);
    return o;
  };
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) out[word() || `k${i}`] = value(0);
  return out;
}

test('the JSON writer is byte-identical to JSON.stringify of the reference formatter', () => {
  const entries = corpus();
  for (let seed = 1; seed <= 300; seed++) {
    const entry = base(randomData(seed * 7919));
    entries.push(
      seed % 2 === 0 ? { ...entry, type: 'response', response: { data: randomData(seed * 104729) } } : entry,
    );
  }
  for (const options of optionSets) {
    const hasher = new AuditHasher(salt);
    const writer = new EntryJsonWriter(hasher, options);
    for (const [i, entry] of entries.entries()) {
      const expected = JSON.stringify(renderEntry(entry, hasher, options, new Map()));
      assert.equal(
        writer.write(entry, new Map()),
        expected,
        `entry ${i}, options ${JSON.stringify(options)}`,
      );
      JSON.parse(expected);
    }
  }
});

test('a request and its response share one memo: the token is HMACed once, and hashed the same', () => {
  let hashes = 0;
  const hasher = new AuditHasher(salt);
  const counting = {
    hash: (value: string): string => {
      hashes += 1;
      return hasher.hash(value);
    },
  } as AuditHasher;
  const writer = new EntryJsonWriter(counting, { hmacAccessor: true, logRaw: false });
  const memo = new Map<string, string>();
  const request = base({});
  const first = writer.write(request, memo);
  assert.equal(hashes, 2, 'token and accessor, each once');
  const second = writer.write({ ...request, type: 'response', response: {} }, memo);
  assert.equal(hashes, 2, 'the response entry reuses them');
  const token = hasher.hash('hvs.CAESIJ-token-value');
  for (const line of [first, second]) {
    assert.ok(line.includes(`"client_token":"${token}"`));
    assert.ok(!line.includes('CAESIJ'), 'no plaintext token');
  }
});

test('a BigInt in the data fails the entry, as JSON.stringify does', () => {
  const hasher = new AuditHasher(salt);
  const writer = new EntryJsonWriter(hasher, { hmacAccessor: true, logRaw: false });
  const entry = base({ n: 10n });
  assert.throws(
    () => JSON.stringify(renderEntry(entry, hasher, { hmacAccessor: true, logRaw: false })),
    TypeError,
  );
  assert.throws(() => writer.write(entry), TypeError);
});

test("AuditHasher is Vault's HMAC-SHA256 with the salt, the (precomputed) empty string included", () => {
  const hasher = new AuditHasher(salt);
  for (const value of ['', 'a', '', 'é'.repeat(3000), 'hvs.token']) {
    const expected = `hmac-sha256:${createHmac('sha256', salt).update(value, 'utf8').digest('hex')}`;
    assert.equal(hasher.hash(value), expected, JSON.stringify(value.slice(0, 10)));
  }
  assert.notEqual(new AuditHasher('other salt').hash(''), hasher.hash(''), 'per salt');
});
