import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseArgv, stdinArg } from '../../../src/cli/argv.js';
import type { Args } from '../../../src/cli/command.js';
import { parseDataArgs } from '../../../src/cli/data-args.js';
import { initRequest } from '../../../src/cli/commands/operator.js';
import { tokenCreateArgs } from '../../../src/cli/commands/token.js';
import { enableMountArgs, tuneArgs } from '../../../src/cli/commands/mounts.js';
import { casFlag, kvFullPath, metadataPutBody, versionsFlag } from '../../../src/cli/commands/kv.js';
import { serverOptions } from '../../../src/cli/commands/server.js';
import { formatPolicy } from '../../../src/cli/commands/policy.js';
import { formatTable, formatValue } from '../../../src/cli/output.js';
import { CliError } from '../../../src/cli/context.js';

const args = (values: Record<string, unknown>): Args => ({ _: [], ...values });
const isUsage = (err: unknown) => err instanceof CliError && err.exitCode === 2;

test('single-dash long flags become double-dash; everything else is left alone', () => {
  const argv = [
    'operator',
    'init',
    '-key-shares=5',
    '-key-threshold',
    '3',
    '-format=json',
    '-dev',
    '--address=x',
    '-h',
    '-',
    'k=-v',
    '-5',
  ];
  const expected = [
    'operator',
    'init',
    '--key-shares=5',
    '--key-threshold',
    '3',
    '--format=json',
    '--dev',
    '--address=x',
    '-h',
    stdinArg,
    'k=-v',
    '-5',
  ];
  assert.deepEqual(normaliseArgv([...argv, '--', '-raw']), [...expected, '--', '-raw']);
});

test('k=v data: strings, @file, stdin, JSON objects, repeated keys become lists', async () => {
  const sources = {
    readFile: async (path: string) => {
      if (path === 'cert.pem') return 'PEM\n';
      if (path === 'obj.json') return '{"n":1,"x":"y"}';
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    readStdin: async () => 'from-stdin\n',
  };
  assert.deepEqual(await parseDataArgs(['a=1', 'b=x=y', 'c=@cert.pem', 'd=-', 'p=a', 'p=b'], sources), {
    a: '1',
    b: 'x=y',
    c: 'PEM\n',
    d: 'from-stdin',
    p: ['a', 'b'],
  });
  assert.deepEqual(await parseDataArgs(['@obj.json', 'z=1'], sources), { n: 1, x: 'y', z: '1' });
  assert.deepEqual(await parseDataArgs(['-'], { ...sources, readStdin: async () => '{"k":"v"}' }), {
    k: 'v',
  });
  await assert.rejects(parseDataArgs(['novalue'], sources), isUsage);
  await assert.rejects(parseDataArgs(['=v'], sources), isUsage);
  await assert.rejects(
    parseDataArgs(['c=@missing'], sources),
    (err: unknown) => isUsage(err) && /ENOENT/.test((err as Error).message),
  );
  await assert.rejects(parseDataArgs(['-'], { ...sources, readStdin: async () => '[1]' }), isUsage);
  await assert.rejects(parseDataArgs(['a=-', 'b=-'], sources), /only be used once/);
});

test('operator init body: defaults 5/3, validated', () => {
  assert.deepEqual(initRequest(args({})), { secret_shares: 5, secret_threshold: 3 });
  assert.deepEqual(initRequest(args({ 'key-shares': 1, 'key-threshold': 1 })), {
    secret_shares: 1,
    secret_threshold: 1,
  });
  assert.throws(() => initRequest(args({ 'key-shares': 2, 'key-threshold': 3 })), isUsage);
  assert.throws(() => initRequest(args({ 'key-shares': 0 })), isUsage);
});

test('token create: flags map to the Vault body and endpoint', () => {
  const { request, target } = tokenCreateArgs(
    args({
      policy: ['a', 'b,c'],
      metadata: 'team=x',
      ttl: '1h',
      renewable: false,
      'use-limit': '3',
      orphan: true,
      'display-name': 'ci',
      type: 'batch',
    }),
  );
  assert.deepEqual(request, {
    policies: ['a', 'b', 'c'],
    meta: { team: 'x' },
    ttl: '1h',
    renewable: false,
    num_uses: 3,
    display_name: 'ci',
    type: 'batch',
  });
  assert.deepEqual(target, { orphan: true, role: undefined });
  assert.deepEqual(tokenCreateArgs(args({ role: 'r' })).target, { orphan: false, role: 'r' });
  assert.throws(() => tokenCreateArgs(args({ type: 'weird' })), isUsage);
  assert.throws(() => tokenCreateArgs(args({ metadata: 'novalue' })), isUsage);
});

test('secrets enable: kv-v2 shorthand, -version, -options, TTLs; tune needs something to change', () => {
  assert.deepEqual(enableMountArgs(args({}), 'kv-v2'), {
    path: 'kv-v2',
    request: { type: 'kv', options: { version: '2' } },
  });
  assert.deepEqual(
    enableMountArgs(
      args({
        path: 'apps',
        version: '2',
        description: 'd',
        'default-lease-ttl': '1h',
        options: 'x=y',
        local: true,
      }),
      'kv',
    ),
    {
      path: 'apps',
      request: {
        type: 'kv',
        description: 'd',
        config: { default_lease_ttl: '1h' },
        options: { x: 'y', version: '2' },
        local: true,
      },
    },
  );
  assert.deepEqual(tuneArgs(args({ 'max-lease-ttl': '2h' })), { max_lease_ttl: '2h' });
  assert.throws(() => tuneArgs(args({})), isUsage);
});

test('kv flags: -mount joins paths, -versions and -cas are validated, metadata put body', () => {
  assert.equal(kvFullPath(args({ path: 'app/db' })), 'app/db');
  assert.equal(kvFullPath(args({ path: 'app/db', mount: 'secret/' })), 'secret/app/db');
  assert.deepEqual(versionsFlag(args({ versions: '1,3' }), true), [1, 3]);
  assert.throws(() => versionsFlag(args({}), true), isUsage);
  assert.throws(() => versionsFlag(args({ versions: 'x' }), false), isUsage);
  assert.equal(casFlag(args({ cas: '0' })), 0);
  assert.throws(() => casFlag(args({ cas: '-1' })), isUsage);
  assert.deepEqual(
    metadataPutBody(args({ 'max-versions': '5', 'cas-required': true, 'custom-metadata': ['a=1', 'b=2'] })),
    {
      max_versions: 5,
      cas_required: true,
      custom_metadata: { a: '1', b: '2' },
    },
  );
});

test('server flags become startServer options', () => {
  assert.deepEqual(serverOptions(args({ dev: true, 'dev-root-token-id': 'root' })), {
    dev: true,
    devRootTokenId: 'root',
    devListenAddress: '127.0.0.1:8200',
    configFile: undefined,
    logLevel: undefined,
  });
  assert.equal(serverOptions(args({ config: '/etc/arca.hcl', 'log-level': 'warning' })).logLevel, 'warn');
});

test('policy fmt produces canonical HCL and rejects broken input', async () => {
  const formatted = await formatPolicy(
    'path "secret/*" {\ncapabilities=["read","list"]\n   }\npath "sys/x" {\n capabilities = ["deny"] \n allowed_parameters = { "a" = [] }\n}',
  );
  assert.equal(
    formatted,
    'path "secret/*" {\n  capabilities = ["read", "list"]\n}\n\npath "sys/x" {\n  capabilities = ["deny"]\n  allowed_parameters = {\n    "a" = []\n  }\n}\n',
  );
  await assert.rejects(formatPolicy('path "x" {'), isUsage);
});

test('policy fmt reads what Vault reads: a brace on the next line, comments, a block-form map', async () => {
  assert.equal(
    await formatPolicy(
      '# ops\npath "auth/*"\n{\n  capabilities = ["read",]\n  allowed_parameters {\n    "*" = []\n  }\n}\nname = "ops"',
    ),
    'path "auth/*" {\n  capabilities = ["read"]\n  allowed_parameters {\n    "*" = []\n  }\n}\n\nname = "ops"\n',
  );
  assert.equal(
    await formatPolicy('{"path":{"a":{"capabilities":["read"]}}}'),
    '{\n  "path": {\n    "a": {\n      "capabilities": [\n        "read"\n      ]\n    }\n  }\n}\n',
  );
  await assert.rejects(formatPolicy('{"path": "\t"}'), isUsage);
});

test('tables align like vault and values print Go-style', () => {
  assert.equal(
    formatTable([
      ['a', 1],
      ['long_key', ['x', 'y']],
    ]),
    'Key         Value\n---         -----\na           1\nlong_key    [x y]\n',
  );
  assert.equal(formatValue({ b: 1, a: null }), 'map[a:n/a b:1]');
});
