import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../../../src/core/policy/policy.js';
import { isArcaError } from '../../../../src/lib/errors.js';

function syntaxError(includes: string | RegExp) {
  return (err: unknown) =>
    isArcaError(err, 'policy_syntax') &&
    err.httpStatus === 400 &&
    err.message.startsWith('failed to parse policy: ') &&
    (typeof includes === 'string' ? err.message.includes(includes) : includes.test(err.message));
}

test('HCL policies parse into path rules with their capabilities', async () => {
  const policy = await parsePolicy(
    'dev',
    `
# Dev servers have version 2 of KV mounted at secret/
path "secret/data/*" {
  capabilities = ["create", "update", "read"]
}
path "/secret/metadata/+/config" {
  capabilities = ["list", "deny"]
}
`,
  );
  assert.equal(policy.name, 'dev');
  // HCL's JSON form orders blocks by label; rule order carries no meaning (the ACL merges by pattern).
  const rules = [...policy.rules].sort((a, b) => a.pattern.localeCompare(b.pattern));
  assert.deepEqual(rules, [
    { pattern: 'secret/data/*', capabilities: ['create', 'read', 'update'] },
    { pattern: 'secret/metadata/+/config', capabilities: ['deny'] },
  ]);
});

test('the same pattern twice in one policy yields two rules (the ACL merges them)', async () => {
  const policy = await parsePolicy(
    'p',
    'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }',
  );
  assert.deepEqual(
    policy.rules.map((rule) => rule.capabilities),
    [['read'], ['list']],
  );
});

test('JSON policies parse like HCL', async () => {
  const policy = await parsePolicy(
    'json',
    JSON.stringify({
      path: { 'secret/*': { capabilities: ['read', 'list'] }, 'sys/mounts': { policy: 'read' } },
    }),
  );
  assert.deepEqual(policy.rules, [
    { pattern: 'secret/*', capabilities: ['read', 'list'] },
    { pattern: 'sys/mounts', capabilities: ['read', 'list'] },
  ]);
});

test('legacy policy = "..." values expand as Vault does', async () => {
  const policy = await parsePolicy(
    'legacy',
    'path "a" { policy = "write" }\npath "b" { policy = "sudo" }\npath "c" { policy = "deny" }',
  );
  assert.deepEqual(
    policy.rules.map((rule) => rule.capabilities),
    [
      ['create', 'read', 'update', 'delete', 'list'],
      ['create', 'read', 'update', 'delete', 'list', 'sudo'],
      ['deny'],
    ],
  );
});

test('parameter constraints and wrapping TTLs are parsed', async () => {
  const policy = await parsePolicy(
    'params',
    `path "secret/foo" {
  capabilities = ["create"]
  required_parameters = ["Name"]
  allowed_parameters = {
    "foo" = []
    "bar" = ["zip", "zap*"]
  }
  denied_parameters = {
    "admin" = []
  }
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "90s"
}`,
  );
  assert.deepEqual(policy.rules[0], {
    pattern: 'secret/foo',
    capabilities: ['create'],
    requiredParameters: ['Name'],
    allowedParameters: { foo: [], bar: ['zip', 'zap*'] },
    deniedParameters: { admin: [] },
    minWrappingTtlSeconds: 1,
    maxWrappingTtlSeconds: 90,
  });
});

test('an empty policy parses to no rules', async () => {
  assert.deepEqual((await parsePolicy('empty', '')).rules, []);
  assert.deepEqual((await parsePolicy('comment', '# nothing\n')).rules, []);
});

test('an HCL syntax error names the line and column', async () => {
  await assert.rejects(
    parsePolicy('bad', 'path "a" {\n  capabilities = ["read"]\n  capabilities = [\n}\n'),
    syntaxError(/failed to parse policy: At 4:1: /),
  );
  await assert.rejects(parsePolicy('bad', 'path "a" {\n  capabilities = ["read"'), syntaxError('At 2:'));
});

test('a JSON syntax error is a 400 too', async () => {
  await assert.rejects(parsePolicy('bad', '{"path": {"a": \n {"capabilities": ["read"]}'), syntaxError(''));
});

test('an unknown capability is a 400 naming it', async () => {
  await assert.rejects(
    parsePolicy('bad', 'path "secret/*" { capabilities = ["read", "fly"] }'),
    syntaxError('path "secret/*": invalid capability "fly"'),
  );
  await assert.rejects(parsePolicy('bad', 'path "a" { policy = "all" }'), syntaxError('invalid policy'));
});

test('unknown keys are rejected naming the key and its line', async () => {
  await assert.rejects(
    parsePolicy('bad', 'path "a" {\n  capabilities = ["read"]\n  capabilites = ["list"]\n}'),
    syntaxError('path "a": invalid key "capabilites" on line 3'),
  );
  await assert.rejects(
    parsePolicy('bad', 'path "a" {}\npaths "b" {}\n'),
    syntaxError('invalid key "paths" on line 2'),
  );
});

test('malformed shapes are syntax errors, not crashes', async () => {
  await assert.rejects(parsePolicy('bad', 'path { capabilities = ["read"] }'), syntaxError(''));
  await assert.rejects(parsePolicy('bad', 'path "a" "b" { capabilities = ["read"] }'), syntaxError(''));
  await assert.rejects(
    parsePolicy('bad', 'path "a" { capabilities = [1] }'),
    syntaxError('invalid capability "1"'),
  );
  await assert.rejects(parsePolicy('bad', 'path "a" { allowed_parameters = ["x"] }'), syntaxError(''));
  await assert.rejects(
    parsePolicy('bad', 'path "a" { min_wrapping_ttl = "soon" }'),
    syntaxError('min_wrapping_ttl'),
  );
  await assert.rejects(
    parsePolicy('bad', 'path "a" {\n min_wrapping_ttl = "10s"\n max_wrapping_ttl = "5s"\n}'),
    syntaxError('max_wrapping_ttl'),
  );
  await assert.rejects(parsePolicy('bad', '[1, 2]'), syntaxError(''));
  await assert.rejects(parsePolicy('bad', '{"path": 5}'), syntaxError(''));
});

test("'+*' is forbidden, as in Vault", async () => {
  await assert.rejects(
    parsePolicy('bad', 'path "secret/+*" { capabilities = ["read"] }'),
    syntaxError(`path "secret/+*": invalid use of wildcards ('+*' is forbidden)`),
  );
});
