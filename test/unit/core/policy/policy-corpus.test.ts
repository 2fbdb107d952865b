/**
 * Policies in the shapes Vault users actually write (Vault's policy docs and API reference, the
 * policy fixtures in Vault's own tests and in client libraries' test suites), each with the rules
 * Vault derives from it; then constructs Vault rejects (HCL 2-only syntax, wrong types), which must
 * stay 400s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, type PathRule } from '../../../../src/core/policy/policy.js';
import { isArcaError } from '../../../../src/lib/errors.js';

const accepted: Array<{ shape: string; text: string; rules: PathRule[] }> = [
  {
    shape: 'brace on the line after the path, # comments (the common hand-written layout)',
    text: [
      '# Manage auth methods broadly across Vault',
      'path "auth/*"',
      '{',
      '  capabilities = ["create", "read", "update", "delete", "list", "sudo"]',
      '}',
      '',
      '# List existing policies',
      'path "sys/policies/acl"',
      '{',
      '  capabilities = ["list"]',
      '}',
    ].join('\n'),
    rules: [
      { pattern: 'auth/*', capabilities: ['create', 'read', 'update', 'delete', 'list', 'sudo'] },
      { pattern: 'sys/policies/acl', capabilities: ['list'] },
    ],
  },
  {
    shape: 'CRLF line endings and a tab-indented brace',
    text: 'path "secret/data/app"\r\n\t{\r\n\tcapabilities = ["read"]\r\n\t}\r\n',
    rules: [{ pattern: 'secret/data/app', capabilities: ['read'] }],
  },
  {
    shape: 'legacy policy = "..." with a top-level name and a leading slash (Vault test fixture shape)',
    text: `# Developer policy
name = "dev"

path "*" {
\tpolicy = "deny"
}
path "stage/*" {
\tpolicy = "sudo"
}
path "/foo/bar" {
\tpolicy = "read"
\tmin_wrapping_ttl = 300
\tmax_wrapping_ttl = "1h"
}`,
    rules: [
      { pattern: '*', capabilities: ['deny'] },
      { pattern: 'stage/*', capabilities: ['create', 'read', 'update', 'delete', 'list', 'sudo'] },
      {
        pattern: 'foo/bar',
        capabilities: ['read', 'list'],
        minWrappingTtlSeconds: 300,
        maxWrappingTtlSeconds: 3600,
      },
    ],
  },
  {
    shape: 'parameter maps with non-string values, TTLs as numbers and strings (reverse of the above)',
    text: `path "test/types" {
  capabilities = ["create", "sudo"]
  allowed_parameters = {
    "map" = [{"good" = "one"}]
    "int" = [1, 2]
  }
  denied_parameters = {
    "string" = ["test"]
    "bool" = [false]
  }
  min_wrapping_ttl = "300s"
  max_wrapping_ttl = 3600
}`,
    rules: [
      {
        pattern: 'test/types',
        capabilities: ['create', 'sudo'],
        allowedParameters: { map: [{ good: 'one' }], int: [1, 2] },
        deniedParameters: { string: ['test'], bool: [false] },
        minWrappingTtlSeconds: 300,
        maxWrappingTtlSeconds: 3600,
      },
    ],
  },
  {
    shape: 'API reference example: one-line map with commas, two attributes on one line, + segment',
    text: `path "secret/data/+/config" {
  capabilities = ["create","read","update","patch","delete","list","sudo"]  # or ["deny"]
  required_parameters = ["name"]
  allowed_parameters  = { "foo" = [], "bar" = ["zip","zap*"], "*" = [] }
  denied_parameters   = { "admin" = [] }
  min_wrapping_ttl = "1s"   max_wrapping_ttl = "90s"
}`,
    rules: [
      {
        pattern: 'secret/data/+/config',
        capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'],
        requiredParameters: ['name'],
        allowedParameters: { foo: [], bar: ['zip', 'zap*'], '*': [] },
        deniedParameters: { admin: [] },
        minWrappingTtlSeconds: 1,
        maxWrappingTtlSeconds: 90,
      },
    ],
  },
  {
    shape: 'policies concept page: templated paths, deny, parameter blocks without "="',
    text: `// Users manage their own secrets
path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["create", "update", "patch", "read", "delete"]
}
/* Nobody reads this one,
   whatever else they hold */
path "secret/data/super-secret" {
  capabilities = ["deny"]
}
path "secret/restricted" {
  capabilities = ["create"]
  allowed_parameters {
    "foo" = []
    "bar" = ["zip", "zap",]
  }
}`,
    rules: [
      {
        pattern: 'secret/data/{{identity.entity.id}}/*',
        capabilities: ['create', 'read', 'update', 'patch', 'delete'],
      },
      { pattern: 'secret/data/super-secret', capabilities: ['deny'] },
      {
        pattern: 'secret/restricted',
        capabilities: ['create'],
        allowedParameters: { foo: [], bar: ['zip', 'zap'] },
      },
    ],
  },
  {
    shape: 'one-line blocks, commas between attributes, unquoted labels and keys, a heredoc comment',
    text: `path "sys/health" { capabilities = ["read", "sudo"] }
path "sys/mounts" { capabilities = ["read"], comment = "list engines" }
path sys { capabilities = ["list"] }
path "sys/leases/*" {
  comment = <<-EOT
    Lease housekeeping
    for operators
    EOT
  capabilities = ["update"]
}`,
    rules: [
      { pattern: 'sys/health', capabilities: ['read', 'sudo'] },
      { pattern: 'sys/mounts', capabilities: ['read'] },
      { pattern: 'sys', capabilities: ['list'] },
      { pattern: 'sys/leases/*', capabilities: ['update'] },
    ],
  },
  {
    shape: 'Enterprise-only keys Vault OSS also parses (control_group, mfa_methods, subscribe)',
    text: `path "secret/data/accounting/*" {
  capabilities = ["read", "subscribe"]
  subscribe_event_types = ["kv*"]
  mfa_methods = ["okta"]
  control_group = {
    factor "authorizer" {
      identity {
        group_names = [ "acct_manager" ]
        approvals = 1
      }
    }
  }
}`,
    rules: [{ pattern: 'secret/data/accounting/*', capabilities: ['read'] }],
  },
  {
    shape: 'JSON policy (the docs show the same policy as JSON)',
    text: JSON.stringify(
      {
        path: {
          'secret/*': { capabilities: ['create', 'read', 'update', 'delete', 'list'] },
          'secret/super-secret': { capabilities: ['deny'] },
          'secret/restricted': {
            capabilities: ['create'],
            allowed_parameters: { foo: [], bar: ['zip', 'zap'] },
          },
        },
      },
      null,
      2,
    ),
    rules: [
      { pattern: 'secret/*', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
      { pattern: 'secret/super-secret', capabilities: ['deny'] },
      {
        pattern: 'secret/restricted',
        capabilities: ['create'],
        allowedParameters: { foo: [], bar: ['zip', 'zap'] },
      },
    ],
  },
  {
    shape: 'JSON with path as a list of objects and a numeric TTL',
    text: '{"name": "ops", "path": [{"sys/*": {"policy": "read", "max_wrapping_ttl": 60}}]}',
    rules: [{ pattern: 'sys/*', capabilities: ['read', 'list'], maxWrappingTtlSeconds: 60 }],
  },
];

for (const { shape, text, rules } of accepted) {
  test(`policy corpus accepted: ${shape}`, async () => {
    assert.deepEqual((await parsePolicy('corpus', text)).rules, rules);
  });
}

const rejected: Array<{ shape: string; text: string; message: RegExp }> = [
  {
    shape: 'bare identifier (HCL 2 reference)',
    text: 'path "a" { capabilities = [read] }',
    message: /At 1:28: /,
  },
  {
    shape: 'HCL 2 traversal',
    text: 'path "a" { capabilities = var.caps }',
    message: /At 1:27: Unknown token: IDENT var.caps/,
  },
  { shape: 'function call', text: 'path "a" {\n  capabilities = concat(["read"])\n}', message: /At 2:18: / },
  { shape: 'arithmetic', text: 'path "a" {\n  min_wrapping_ttl = 60 * 60\n}', message: /At 2:25: / },
  { shape: 'conditional', text: 'path "a" { capabilities = true ? ["read"] : [] }', message: /At 1:32: / },
  { shape: 'for expression', text: 'path "a" { capabilities = [for c in x : c] }', message: /At 1:28: / },
  { shape: 'colon in object', text: 'path "a" { allowed_parameters = { foo: [] } }', message: /At 1:38: / },
  {
    shape: 'block label with "="',
    text: 'path "a" = { capabilities = ["read"] }',
    message: /At 1:10: nested object expected/,
  },
  {
    shape: 'string where Vault wants a list',
    text: 'path "a" { capabilities = "read" }',
    message: /must be a list/,
  },
  {
    shape: 'unterminated string',
    text: 'path "a" {\n capabilities = ["read]\n}',
    message: /At 2:18: literal not terminated/,
  },
  { shape: 'unterminated block comment', text: '/* path "a" {}', message: /At 1:1: comment not terminated/ },
  {
    shape: 'missing closing brace',
    text: 'path "a"\n{\n  capabilities = ["read"]\n',
    message: /At 4:1: object expected closing RBRACE/,
  },
  {
    shape: 'JSON trailing comma',
    text: '{"path": {"a": {"capabilities": ["read"],}}}',
    message: /At 1:42: /,
  },
  { shape: 'JSON comment', text: '{"path": {} # no\n}', message: /At 1:13: / },
  {
    shape: 'unknown key in a path block',
    text: 'path "a"\n{\n  capabilities = ["read"]\n  ttl = "1h"\n}',
    message: /path "a": invalid key "ttl" on line 4/,
  },
  {
    shape: 'unknown top-level key',
    text: 'name = "x"\nrules = "y"',
    message: /invalid key "rules" on line 2/,
  },
];

for (const { shape, text, message } of rejected) {
  test(`policy corpus rejected with a 400 naming the place: ${shape}`, async () => {
    await assert.rejects(
      parsePolicy('corpus', text),
      (err: unknown) =>
        isArcaError(err, 'policy_syntax') &&
        err.httpStatus === 400 &&
        err.message.startsWith('failed to parse policy: ') &&
        message.test(err.message),
    );
  });
}
