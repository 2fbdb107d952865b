/**
 * Property: through the whole pipeline (real core, real KV v1 mount, policies written through
 * sys/policies/acl, a real token), a request is refused with 403 exactly when a naive model of
 * Vault's rules (vault/acl.go AllowOperation) refuses it: capabilities, then — for read, create,
 * update and patch only — required_parameters, denied_parameters and allowed_parameters, with
 * value lists that may glob (`*` prefix/suffix), `"*"` keys, `[]` = any value, and list values
 * (arrays, comma-separated strings) compared element by element. Two policies for the same path
 * merge as in Vault's NewACL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import type { Operation } from '../../../src/logical/request.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

type Value = unknown;
type Rules = Record<string, Value[]>;

interface GenRule {
  capabilities: string[];
  allowed?: Rules;
  denied?: Rules;
  required?: string[];
}

const target = 'kv1/t';
const patterns = ['kv1/t', 'kv1/t*', 'kv1/+'];

// ---- the naive model, written from Vault's source, sharing no code with src/ ----

/** strutil.GlobbedStringsMatch via a regular expression. */
function globMatch(item: string, value: string): boolean {
  if (item.length < 2) return item === value;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const head = item.startsWith('*');
  const tail = item.endsWith('*');
  const core = item.slice(head ? 1 : 0, tail ? -1 : undefined);
  return new RegExp(`^${head ? '[\\s\\S]*' : ''}${escape(core)}${tail ? '[\\s\\S]*' : ''}$`).test(value);
}

function sameJson(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function matchesAny(value: Value, list: Value[]): boolean {
  return list.some((item) => {
    if (item === null || value === null) return item === value;
    if (typeof item === 'string') return typeof value === 'string' && globMatch(item, value);
    return sameJson(item, value);
  });
}

/** parseutil.ParseCommaStringSlice for strings, the elements for arrays, else nothing. */
function elements(value: Value): Value[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((s) => s.trim());
  return undefined;
}

function allowedValue(value: Value, list: Value[]): boolean {
  if (list.length === 0 || matchesAny(value, list)) return true;
  const parts = elements(value);
  return parts !== undefined && parts.every((p) => matchesAny(p, list));
}

function deniedValue(value: Value, list: Value[]): boolean {
  if (list.length === 0 || matchesAny(value, list)) return true;
  const parts = elements(value);
  return parts !== undefined && parts.some((p) => matchesAny(p, list));
}

function mergeRules(into: Map<string, Value[]> | undefined, add: Rules | undefined) {
  if (add === undefined || Object.keys(add).length === 0) return into;
  const out = new Map(into ?? []);
  for (const [key, list] of Object.entries(add)) {
    const prior = out.get(key);
    out.set(
      key,
      list.length === 0 || (prior !== undefined && prior.length === 0) ? [] : [...list, ...(prior ?? [])],
    );
  }
  return out;
}

function modelAllows(rules: GenRule[], operation: Operation, data: Record<string, Value>): boolean {
  const caps = new Set(rules.flatMap((r) => r.capabilities));
  if (caps.has('deny') || !caps.has(operation)) return false;
  if (!['read', 'create', 'update', 'patch'].includes(operation)) return true;
  let allowed: Map<string, Value[]> | undefined;
  let denied: Map<string, Value[]> | undefined;
  for (const r of rules) {
    allowed = mergeRules(allowed, r.allowed);
    denied = mergeRules(denied, r.denied);
  }
  const required = rules.flatMap((r) => r.required ?? []);
  const keys = Object.keys(data);
  if (required.some((name) => !keys.includes(name.toLowerCase()))) return false;
  if (keys.length === 0) return true;
  if (denied !== undefined && denied.size > 0) {
    if (denied.has('*')) return false;
    for (const key of keys) {
      const list = denied.get(key.toLowerCase());
      if (list !== undefined && deniedValue(data[key], list)) return false;
    }
  }
  if (allowed === undefined || allowed.size === 0) return true;
  if (allowed.has('*') && allowed.size === 1) return true;
  for (const key of keys) {
    const list = allowed.get(key.toLowerCase());
    if (list === undefined) {
      if (!allowed.has('*')) return false;
    } else if (!allowedValue(data[key], list)) {
      return false;
    }
  }
  return true;
}

// ---- generators ----

const policyKey = fc.constantFrom('owner', 'color', 'admin', '*');
const policyItem = fc.constantFrom<Value>('a', 'b', 'a*', '*b', '*a*', '*', 'x', true);
const rulesArb: fc.Arbitrary<Rules> = fc.dictionary(policyKey, fc.array(policyItem, { maxLength: 3 }), {
  maxKeys: 3,
});
const ruleArb: fc.Arbitrary<GenRule> = fc.record(
  {
    capabilities: fc.oneof(
      { weight: 9, arbitrary: fc.subarray(['create', 'read', 'update', 'patch', 'delete', 'list']) },
      { weight: 1, arbitrary: fc.constant<string[]>(['deny', 'read', 'update', 'create']) },
    ),
    allowed: rulesArb,
    denied: rulesArb,
    required: fc.subarray(['owner', 'Owner', 'color']),
  },
  { requiredKeys: ['capabilities'] },
);
const requestKey = fc.constantFrom('owner', 'Owner', 'color', 'admin', 'data', 'wrapTtlSeconds');
const requestValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom('a', 'b', 'ab', 'ba', 'x', '*', '', 'a,b', 'a, x', ' b ,a'),
  fc.constantFrom(true, false, 0, 2, null),
  fc.array(fc.constantFrom('a', 'b', 'x', 'a,b'), { maxLength: 3 }),
  fc.constant({ owner: 'a' }),
);
const caseArb = fc.record({
  pattern: fc.constantFrom(...patterns),
  rules: fc.array(ruleArb, { minLength: 1, maxLength: 2 }),
  kind: fc.constantFrom('read', 'write', 'delete', 'list', 'patch'),
  exists: fc.boolean(),
  data: fc.dictionary(requestKey, requestValue, { maxKeys: 3 }),
});

function policyJson(pattern: string, rule: GenRule | undefined): string {
  if (rule === undefined) return JSON.stringify({ path: { 'unrelated/*': { capabilities: ['read'] } } });
  const body: Record<string, unknown> = { capabilities: rule.capabilities };
  if (rule.allowed !== undefined) body.allowed_parameters = rule.allowed;
  if (rule.denied !== undefined) body.denied_parameters = rule.denied;
  if (rule.required !== undefined) body.required_parameters = rule.required;
  return JSON.stringify({ path: { [pattern]: body } });
}

test('property: the pipeline refuses (403) exactly when the naive model of Vault parameter rules does', async () => {
  const h = await unsealedHarness({ engines: { kv: kvBackendFactory } });
  const root = h.rootToken;
  assert.equal((await h.call('update', 'sys/mounts/kv1', { type: 'kv' }, root)).status, 204);
  for (const name of ['p1', 'p2']) {
    const policy = policyJson(target, undefined);
    assert.equal((await h.call('update', `sys/policies/acl/${name}`, { policy }, root)).status, 204);
  }
  const created = await h.call('update', 'auth/token/create', { policies: ['p1', 'p2'] }, root);
  const token = created.response!.auth!.clientToken;

  await fc.assert(
    fc.asyncProperty(caseArb, async ({ pattern, rules, kind, exists, data }) => {
      for (const [i, name] of ['p1', 'p2'].entries()) {
        const policy = policyJson(pattern, rules[i]);
        const out = await h.call('update', `sys/policies/acl/${name}`, { policy }, root);
        assert.equal(out.status, 204, out.error?.message);
      }
      if (exists) await h.call('update', target, { seeded: 'yes' }, root);
      else await h.call('delete', target, {}, root);

      const sent: Operation = kind === 'write' ? 'update' : kind === 'list' ? 'list' : kind;
      const resolved: Operation = kind === 'write' ? (exists ? 'update' : 'create') : sent;
      const path = kind === 'list' ? `${target}/` : target;
      const outcome = await h.call(sent, path, data, token);
      const expected = modelAllows(rules, resolved, data);
      assert.ok(outcome.status < 500, `no server error: ${outcome.status} ${outcome.error?.message}`);
      assert.equal(
        outcome.status !== 403,
        expected,
        `${resolved} ${JSON.stringify(data)} under ${JSON.stringify(rules)}: got ${outcome.status}`,
      );
    }),
    { numRuns: 150 },
  );
});
