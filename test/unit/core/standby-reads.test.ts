import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isArcaError } from '../../../src/lib/errors.js';
import type { LogicalRequest, Operation } from '../../../src/logical/request.js';
import type { MountEntry } from '../../../src/core/mount-table.js';
import type { RouteMatch } from '../../../src/core/router.js';
import {
  forwardWithoutRound,
  standbyReadCandidate,
  standbyServesRoute,
} from '../../../src/core/standby-reads.js';
import { readOnlyView } from '../../../src/core/standby-runtime.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import { parseServerConfig } from '../../../src/server/config.js';

function request(operation: Operation, path: string, extra: Partial<LogicalRequest> = {}): LogicalRequest {
  return { id: 'r', operation, path, data: {}, clientToken: 't', headers: {}, remoteAddress: '', ...extra };
}

function match(kind: MountEntry['kind'], type: string, relativePath: string): RouteMatch {
  const entry = { kind, type } as MountEntry;
  return {
    route: {
      mountPoint: kind === 'auth' ? `auth/${type}/` : `${type}/`,
      entry,
      backend: { type, paths: [] },
      storage: undefined!,
    },
    relativePath,
  };
}

test('standby read candidates: reads and lists only, never wrapped, never sys/, only lookup-self under auth/', () => {
  assert.equal(standbyReadCandidate(request('read', 'secret/data/a')), true);
  assert.equal(standbyReadCandidate(request('list', 'secret/metadata/')), true);
  assert.equal(standbyReadCandidate(request('read', 'auth/token/lookup-self')), true);
  for (const op of ['create', 'update', 'delete', 'patch'] as const) {
    assert.equal(standbyReadCandidate(request(op, 'secret/data/a')), false, op);
  }
  assert.equal(standbyReadCandidate(request('read', 'secret/data/a', { wrapTtlSeconds: 60 })), false, 'wrap');
  assert.equal(standbyReadCandidate(request('read', 'sys/mounts')), false);
  assert.equal(standbyReadCandidate(request('read', 'sys/metrics')), false, 'served by serveLocal');
  assert.equal(standbyReadCandidate(request('read', '/sys/policy/default')), false, 'leading slash');
  assert.equal(standbyReadCandidate(request('list', 'auth/token/accessors/')), false);
  assert.equal(standbyReadCandidate(request('read', 'auth/approle/role/x/role-id')), false);
});

test('a standby serves kv and cubbyhole mounts and token lookup-self; every other engine is forwarded', () => {
  assert.equal(standbyServesRoute(match('secret', 'kv', 'data/a')), true);
  assert.equal(standbyServesRoute(match('secret', 'cubbyhole', 'x')), true);
  assert.equal(standbyServesRoute(match('auth', 'token', 'lookup-self')), true);
  assert.equal(standbyServesRoute(match('auth', 'token', 'accessors/')), false);
  for (const type of ['database', 'pki', 'transit', 'totp', 'system']) {
    assert.equal(standbyServesRoute(match('secret', type, 'x')), false, type);
  }
  assert.equal(standbyServesRoute(match('auth', 'userpass', 'users/x')), false);
  assert.equal(standbyServesRoute(undefined), false, 'no route');
});

test('a standby forwards before its ReadIndex round only for a mount it knows and does not serve (regression)', () => {
  assert.equal(forwardWithoutRound(match('secret', 'transit', 'keys/k')), true);
  assert.equal(forwardWithoutRound(match('secret', 'kv', 'data/a')), false);
  // No mount known: perhaps enabled a moment ago on the active node; the round brings it into view.
  assert.equal(forwardWithoutRound(undefined), false);
});

test("the standby runtime's storage reads through and refuses every write with `standby`", async () => {
  const below = new MemoryPhysical();
  await below.put('k', Buffer.from('v'));
  const view = readOnlyView(below);
  assert.deepEqual(Buffer.from((await view.get('k'))!).toString(), 'v');
  assert.deepEqual(await view.list(''), ['k']);
  const refused = (err: unknown): boolean => isArcaError(err, 'standby');
  await assert.rejects(view.put('k', Buffer.from('w')), refused);
  await assert.rejects(view.delete('k'), refused);
  await assert.rejects(view.batch([{ type: 'put', key: 'n', value: Buffer.from('x') }]), refused);
  assert.deepEqual(Buffer.from((await below.get('k'))!).toString(), 'v', 'nothing reached storage');
  assert.equal(await below.get('n'), undefined);
});

test('standby_reads is off by default, parsed as a flag, and contradicts disable_performance_standby = true', async () => {
  const base = 'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n';
  assert.equal((await parseServerConfig(base)).vault.standbyReads, undefined);
  assert.equal((await parseServerConfig(`${base}standby_reads = true\n`)).vault.standbyReads, true);
  assert.equal((await parseServerConfig(`${base}standby_reads = false\n`)).vault.standbyReads, undefined);
  await assert.rejects(
    parseServerConfig(`${base}standby_reads = "yes please"\n`),
    /standby_reads must be true or false/,
  );
  await assert.rejects(
    parseServerConfig(`${base}standby_reads = true\ndisable_performance_standby = true\n`),
    /contradicts standby_reads/,
  );
});
