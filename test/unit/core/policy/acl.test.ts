import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Acl } from '../../../../src/core/policy/acl.js';
import {
  allCapabilities,
  parsePolicy,
  type Capability,
  type Policy,
} from '../../../../src/core/policy/policy.js';
import type { Operation } from '../../../../src/logical/request.js';

async function aclOf(...texts: string[]): Promise<Acl> {
  return new Acl(await Promise.all(texts.map((text, i) => parsePolicy(`p${i}`, text))));
}

const operations: Operation[] = ['read', 'create', 'update', 'patch', 'delete', 'list'];

// ---------------------------------------------------------------------------------------------
// A naive reference: every pattern becomes a regular expression, every matching pattern is ranked
// by the documented precedence with one full sort, and the capabilities of identical patterns
// are unioned (deny wins).
// ---------------------------------------------------------------------------------------------
interface NaiveRule {
  pattern: string;
  capabilities: Capability[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function naiveRegex(pattern: string): RegExp {
  const isPrefix = pattern.endsWith('*');
  const body = (isPrefix ? pattern.slice(0, -1) : pattern)
    .split('/')
    .map((part) => (part === '+' ? '[^/]*' : escapeRegex(part)))
    .join('/');
  return new RegExp(`^${body}${isPrefix ? '.*' : ''}$`);
}

function naiveRank(pattern: string): [number, number, number, number, string] {
  const isPrefix = pattern.endsWith('*');
  const withoutGlob = isPrefix ? pattern.slice(0, -1) : pattern;
  const plus = pattern.indexOf('+');
  const firstWildcard = plus >= 0 ? plus : withoutGlob.length;
  const wildcards = withoutGlob.split('/').filter((part) => part === '+').length;
  return [firstWildcard, isPrefix ? 0 : 1, -wildcards, withoutGlob.length, withoutGlob];
}

function compareRank(a: ReturnType<typeof naiveRank>, b: ReturnType<typeof naiveRank>): number {
  for (let i = 0; i < 4; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a[4] < b[4] ? -1 : a[4] > b[4] ? 1 : 0;
}

function naiveGoverning(rules: NaiveRule[], path: string, operation: Operation): Set<Capability> | undefined {
  const merged = new Map<string, Set<Capability>>();
  for (const rule of rules) {
    const set = merged.get(rule.pattern) ?? new Set<Capability>();
    for (const c of rule.capabilities) set.add(c);
    merged.set(rule.pattern, set);
  }
  const normalise = (set: Set<Capability>) => (set.has('deny') ? new Set<Capability>(['deny']) : set);
  const isExact = (p: string) => !p.includes('+') && !p.endsWith('*');
  const exactHit =
    merged.get(path) !== undefined && isExact(path)
      ? merged.get(path)
      : operation === 'list' && path.endsWith('/') && isExact(path.slice(0, -1))
        ? merged.get(path.slice(0, -1))
        : undefined;
  if (exactHit !== undefined) return normalise(exactHit);
  const nonExact = (p: string): Set<Capability> | undefined => {
    const matching = [...merged.keys()].filter((q) => !isExact(q) && naiveRegex(q).test(p));
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => compareRank(naiveRank(a), naiveRank(b)));
    return normalise(merged.get(matching[matching.length - 1]) as Set<Capability>);
  };
  // Vault: a LIST of `a/b/` first tries the non-exact rules for `a/b`.
  const folder = operation === 'list' && path.endsWith('/') ? nonExact(path.slice(0, -1)) : undefined;
  return folder ?? nonExact(path);
}

function naiveAllowed(rules: NaiveRule[], path: string, operation: Operation): boolean {
  const caps = naiveGoverning(rules, path, operation);
  return caps !== undefined && !caps.has('deny') && caps.has(operation);
}

function policiesFrom(groups: NaiveRule[][]): Policy[] {
  return groups.map((rules, i) => ({ name: `p${i}`, text: '', rules: rules.map((r) => ({ ...r })) }));
}

const segment = fc.constantFrom('a', 'b', 'ab', '+', '');
const patternArb = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '*', 'a*'))
  .map(([parts, tail]) => {
    const joined = parts.join('/');
    if (tail === '') return joined;
    if (tail === '*') return `${joined}*`;
    return `${joined}/${tail}`;
  })
  .filter((pattern) => !pattern.includes('+*')); // the parser rejects '+*', as Vault does
const pathArb = fc
  .array(fc.constantFrom('a', 'b', 'ab', 'abc', 'x', ''), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('/'));
const capsArb = fc.subarray([...allCapabilities], { minLength: 0, maxLength: 3 });
const ruleArb = fc.record({ pattern: patternArb, capabilities: capsArb });
const groupsArb = fc.array(fc.array(ruleArb, { maxLength: 6 }), { minLength: 1, maxLength: 3 });

test('property: allowOperation agrees with a naive regex-and-sort reference', () => {
  fc.assert(
    fc.property(
      groupsArb,
      pathArb,
      fc.constantFrom(...operations),
      fc.boolean(),
      (groups, path, op, slash) => {
        const requestPath = slash ? `${path}/` : path;
        const acl = new Acl(policiesFrom(groups));
        const rules = groups.flat();
        const decision = acl.allowOperation(requestPath, op);
        assert.equal(decision.allowed, naiveAllowed(rules, requestPath, op));
        const governing = naiveGoverning(rules, requestPath, op);
        assert.equal(
          decision.sudo,
          governing !== undefined && !governing.has('deny') && governing.has('sudo'),
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: capabilities() is the sorted governing set, or deny', () => {
  fc.assert(
    fc.property(groupsArb, pathArb, fc.boolean(), (groups, bare, slash) => {
      const path = slash ? `${bare}/` : bare;
      const acl = new Acl(policiesFrom(groups));
      const governing = naiveGoverning(groups.flat(), path, 'list');
      const expected =
        governing === undefined || governing.size === 0 || governing.has('deny')
          ? ['deny']
          : [...governing].sort();
      assert.deepEqual(acl.capabilities(path), expected);
    }),
    { numRuns: 2000 },
  );
});

test('property: splitting rules across policies never changes a decision (merging is per pattern)', () => {
  fc.assert(
    fc.property(groupsArb, pathArb, fc.constantFrom(...operations), (groups, path, op) => {
      const split = new Acl(policiesFrom(groups)).allowOperation(path, op);
      const joined = new Acl(policiesFrom([groups.flat()])).allowOperation(path, op);
      assert.deepEqual(split, joined);
    }),
    { numRuns: 1000 },
  );
});

test('property: adding a deny rule for a path never grants anything there', () => {
  fc.assert(
    fc.property(groupsArb, pathArb, fc.constantFrom(...operations), (groups, path, op) => {
      const acl = new Acl(policiesFrom([...groups, [{ pattern: path, capabilities: ['deny'] }]]));
      assert.equal(acl.allowOperation(path, op).allowed, false);
      assert.deepEqual(acl.capabilities(path), ['deny']);
    }),
    { numRuns: 1000 },
  );
});

// ---------------------------------------------------------------------------------------------
// Vault's documented examples.
// ---------------------------------------------------------------------------------------------
test('deny by default: no policy, no rule, nothing allowed', async () => {
  const acl = await aclOf('');
  assert.deepEqual(acl.allowOperation('secret/foo', 'read'), {
    allowed: false,
    sudo: false,
    capabilities: [],
  });
  assert.deepEqual(acl.capabilities('secret/foo'), ['deny']);
  assert.equal(new Acl([]).allowOperation('x', 'read').allowed, false);
});

test('root grants everything, with sudo, and reports ["root"]', async () => {
  const acl = new Acl([{ name: 'root', text: '', rules: [] }]);
  assert.equal(acl.allowOperation('sys/raw/anything', 'delete').allowed, true);
  assert.equal(acl.allowOperation('sys/raw/anything', 'delete').sudo, true);
  assert.deepEqual(acl.capabilities('anything'), ['root']);
});

test('an exact path beats a glob: secret/foo is read-only under secret/*', async () => {
  const acl = await aclOf(
    'path "secret/*" { capabilities = ["create"] }\npath "secret/foo" { capabilities = ["read"] }',
  );
  assert.equal(acl.allowOperation('secret/foo', 'read').allowed, true);
  assert.equal(acl.allowOperation('secret/foo', 'create').allowed, false);
  assert.equal(acl.allowOperation('secret/bar', 'create').allowed, true);
  assert.equal(acl.allowOperation('secret/bar', 'read').allowed, false);
});

test('a trailing * is a prefix match, not only a segment match', async () => {
  const acl = await aclOf('path "secret/zip-*" { capabilities = ["read"] }');
  assert.equal(acl.allowOperation('secret/zip-zap', 'read').allowed, true);
  assert.equal(acl.allowOperation('secret/zip-zap/x/y', 'read').allowed, true);
  assert.equal(acl.allowOperation('secret/zip', 'read').allowed, false);
});

test('+ matches exactly one segment', async () => {
  const acl = await aclOf('path "secret/+/teamb" { capabilities = ["read"] }');
  assert.equal(acl.allowOperation('secret/foo/teamb', 'read').allowed, true);
  assert.equal(acl.allowOperation('secret/foo/bar/teamb', 'read').allowed, false);
  assert.equal(acl.allowOperation('secret/teamb', 'read').allowed, false);
});

test('precedence: a later first wildcard wins; then not ending in *; then fewer +; then longer', async () => {
  // secret/+/secret vs secret/*: same first-wildcard position, the glob loses.
  let acl = await aclOf(
    'path "secret/*" { capabilities = ["create"] }',
    'path "secret/+/secret" { capabilities = ["read"] }',
  );
  assert.deepEqual(acl.capabilities('secret/foo/secret'), ['read']);
  assert.deepEqual(acl.capabilities('secret/foo/other'), ['create']);
  // secret/foo/* has its glob later than secret/+/*.
  acl = await aclOf(
    'path "secret/+/*" { capabilities = ["read"] }\npath "secret/foo/*" { capabilities = ["list"] }',
  );
  assert.deepEqual(acl.capabilities('secret/foo/x'), ['list']);
  // Fewer + segments win.
  acl = await aclOf('path "a/+/+" { capabilities = ["read"] }\npath "a/+/c" { capabilities = ["list"] }');
  assert.deepEqual(acl.capabilities('a/b/c'), ['list']);
  // Longer prefix wins.
  acl = await aclOf('path "a/*" { capabilities = ["read"] }\npath "a/bc*" { capabilities = ["list"] }');
  assert.deepEqual(acl.capabilities('a/bcd'), ['list']);
  assert.deepEqual(acl.capabilities('a/b'), ['read']);
});

test('the most specific rule governs alone: a broad grant does not leak into a narrow one', async () => {
  const acl = await aclOf(
    'path "secret/*" { capabilities = ["read", "update", "delete"] }',
    'path "secret/restricted/*" { capabilities = ["read"] }',
  );
  assert.equal(acl.allowOperation('secret/restricted/x', 'update').allowed, false);
  assert.equal(acl.allowOperation('secret/other', 'update').allowed, true);
});

test('identical patterns from several policies are merged; deny wins over everything', async () => {
  let acl = await aclOf(
    'path "kv/x" { capabilities = ["read"] }',
    'path "kv/x" { capabilities = ["update"] }',
  );
  assert.deepEqual(acl.capabilities('kv/x'), ['read', 'update']);
  acl = await aclOf(
    'path "kv/x" { capabilities = ["read", "sudo"] }',
    'path "kv/x" { capabilities = ["deny"] }',
    'path "kv/*" { capabilities = ["read"] }',
  );
  assert.deepEqual(acl.capabilities('kv/x'), ['deny']);
  assert.deepEqual(acl.allowOperation('kv/x', 'read'), {
    allowed: false,
    sudo: false,
    capabilities: ['deny'],
  });
  assert.deepEqual(acl.capabilities('kv/y'), ['read']);
});

test('sudo is reported from the governing rule only', async () => {
  const acl = await aclOf(
    'path "sys/*" { capabilities = ["read", "sudo"] }\npath "sys/audit" { capabilities = ["read"] }',
  );
  assert.deepEqual(acl.allowOperation('sys/seal', 'read'), {
    allowed: true,
    sudo: true,
    capabilities: ['read', 'sudo'],
  });
  assert.equal(acl.allowOperation('sys/audit', 'read').sudo, false);
});

test('LIST on a folder path is governed by the exact rule without the trailing slash', async () => {
  const acl = await aclOf('path "secret/metadata/app" { capabilities = ["list"] }');
  assert.equal(acl.allowOperation('secret/metadata/app/', 'list').allowed, true);
  assert.equal(acl.allowOperation('secret/metadata/app/', 'read').allowed, false);
});

test('each operation needs its own capability', async () => {
  const acl = await aclOf(
    'path "p" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }',
  );
  for (const op of operations) assert.equal(acl.allowOperation('p', op).allowed, true);
  const readOnly = await aclOf('path "p" { capabilities = ["read"] }');
  for (const op of operations) assert.equal(readOnly.allowOperation('p', op).allowed, op === 'read');
});

test('identity-templated paths never match (no identity store): deny by default holds', async () => {
  const acl = await aclOf('path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }');
  assert.equal(acl.allowOperation('secret/{{identity.entity.id}}/x', 'read').allowed, false);
});

test('allowed, denied and required parameters are enforced when data is given', async () => {
  const acl = await aclOf(`path "secret/foo" {
  capabilities = ["create", "update", "read"]
  allowed_parameters = { "bar" = ["zip", "zap*"], "baz" = [] }
  denied_parameters = { "baz" = ["evil*"] }
  required_parameters = ["bar"]
}`);
  const allowed = (data: Record<string, unknown>) =>
    acl.allowOperation('secret/foo', 'update', { data, wrapTtlSeconds: undefined }).allowed;
  assert.equal(allowed({ bar: 'zip' }), true);
  assert.equal(allowed({ bar: 'zapper', baz: 'anything' }), true);
  assert.equal(allowed({ BAR: 'zip' }), false, 'required names are looked up lower-cased, as sent');
  assert.equal(allowed({ bar: 'zip', BAZ: 'ok' }), true, 'allowed/denied names match case-insensitively');
  assert.equal(allowed({ bar: 'nope' }), false);
  // Vault (not in VAULT_LEGACY_EXACT_MATCHING_ON_LIST mode): every element of a list value, or
  // of a comma-separated string, must be allowed; any denied element denies.
  assert.equal(allowed({ bar: ['zip'] }), true);
  assert.equal(allowed({ bar: ['zip', 'zapper'] }), true);
  assert.equal(allowed({ bar: ['zip', 'nope'] }), false);
  assert.equal(allowed({ bar: 'zip, zap' }), true);
  assert.equal(allowed({ bar: 'zip,nope' }), false);
  assert.equal(allowed({ bar: '' }), true, 'an empty string is an empty list: nothing to refuse');
  assert.equal(allowed({ bar: 'zip', baz: ['ok', 'evil-one'] }), false);
  assert.equal(allowed({ bar: 'zip', baz: 'ok,evil' }), false);
  assert.equal(allowed({ bar: 'zip', other: 1 }), false);
  assert.equal(allowed({ bar: 'zip', baz: 'evil-thing' }), false);
  assert.equal(allowed({ baz: 'x' }), false);
  assert.equal(acl.allowOperation('secret/foo', 'update').allowed, true);
});

test('"*" in allowed admits any other key; "*" in denied blocks all keys', async () => {
  let acl = await aclOf(
    'path "p" {\n capabilities = ["update"]\n allowed_parameters = { "a" = ["1"], "*" = [] }\n}',
  );
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '1', b: 'x' }, wrapTtlSeconds: undefined }).allowed,
    true,
  );
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '2' }, wrapTtlSeconds: undefined }).allowed,
    false,
  );
  acl = await aclOf('path "p" {\n capabilities = ["update"]\n denied_parameters = { "*" = [] }\n}');
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '1' }, wrapTtlSeconds: undefined }).allowed,
    false,
  );
  assert.equal(acl.allowOperation('p', 'update', { data: {}, wrapTtlSeconds: undefined }).allowed, true);
  assert.equal(
    acl.allowOperation('p', 'delete', { data: { a: '1' }, wrapTtlSeconds: undefined }).allowed,
    false,
  );
});

test('parameter constraints for the same pattern merge across policies like Vault', async () => {
  const acl = await aclOf(
    'path "p" {\n capabilities = ["update"]\n allowed_parameters = { "a" = ["1"] }\n}',
    'path "p" {\n capabilities = ["update"]\n allowed_parameters = { "a" = ["2"], "b" = [] }\n}',
  );
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '1' }, wrapTtlSeconds: undefined }).allowed,
    true,
  );
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '2', b: 'x' }, wrapTtlSeconds: undefined }).allowed,
    true,
  );
  assert.equal(
    acl.allowOperation('p', 'update', { data: { a: '3' }, wrapTtlSeconds: undefined }).allowed,
    false,
  );
});

test('capabilities() answers the folder form of an exact rule, as Vault (it asks as a LIST)', async () => {
  const acl = await aclOf('path "secret/metadata/app" { capabilities = ["read", "list"] }');
  assert.deepEqual(acl.capabilities('secret/metadata/app/'), ['list', 'read']);
});

test('an array parameter value matches an allowed item as a whole, or element by element', async () => {
  const acl = await aclOf(
    'path "p" {\n capabilities = ["update"]\n allowed_parameters = { "l" = [["a", "b"], "c"] }\n}',
  );
  const allowed = (l: unknown) =>
    acl.allowOperation('p', 'update', { data: { l }, wrapTtlSeconds: undefined }).allowed;
  assert.equal(allowed(['a', 'b']), true, 'whole-list match');
  assert.equal(allowed(['a']), false);
  assert.equal(allowed(['c', 'c']), true, 'every element allowed');
  assert.equal(allowed(['c', 'a']), false);
});

test('min/max_wrapping_ttl require a wrapped request within bounds when a request context is given', async () => {
  const acl = await aclOf(
    'path "w" {\n capabilities = ["read"]\n min_wrapping_ttl = "1m"\n max_wrapping_ttl = "1h"\n}',
  );
  assert.equal(acl.allowOperation('w', 'read').allowed, true, 'capability-only check');
  assert.equal(
    acl.allowOperation('w', 'read', { data: {}, wrapTtlSeconds: undefined }).allowed,
    false,
    'not wrapped',
  );
  assert.equal(acl.allowOperation('w', 'read', { data: {}, wrapTtlSeconds: 30 }).allowed, false);
  assert.equal(acl.allowOperation('w', 'read', { data: {}, wrapTtlSeconds: 300 }).allowed, true);
  assert.equal(acl.allowOperation('w', 'read', { data: {}, wrapTtlSeconds: 7200 }).allowed, false);
  // Merging keeps the lesser of each bound, so contradictory policies deny.
  const merged = await aclOf(
    'path "w" {\n capabilities = ["read"]\n min_wrapping_ttl = "2h"\n}',
    'path "w" {\n capabilities = ["read"]\n max_wrapping_ttl = "1h"\n}',
  );
  assert.equal(merged.allowOperation('w', 'read', { data: {}, wrapTtlSeconds: 5400 }).allowed, false);
});

test('LIST a/b/ is governed by the non-exact rules for a/b first, as in Vault (a/+ lists a/b/)', async () => {
  const acl = await aclOf('path "kv/+" { capabilities = ["list"] }\npath "kv/*" { capabilities = ["read"] }');
  assert.equal(acl.allowOperation('kv/t/', 'list').allowed, true);
  assert.deepEqual(acl.capabilities('kv/t/'), ['list']);
  assert.equal(acl.allowOperation('kv/t/', 'read').allowed, true, 'a read of kv/t/ is not a folder lookup');
});

test('a + inside a segment is literal: only a + that starts a segment is a wildcard', async () => {
  const acl = await aclOf(
    'path "kv/a+b" { capabilities = ["read"] }\npath "kv/+/x" { capabilities = ["list"] }',
  );
  assert.equal(acl.allowOperation('kv/a+b', 'read').allowed, true);
  assert.equal(acl.allowOperation('kv/axb', 'read').allowed, false);
  assert.equal(acl.allowOperation('kv/anything/x', 'list').allowed, true);
});
