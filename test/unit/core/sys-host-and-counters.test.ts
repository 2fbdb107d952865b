/**
 * sys/host-info (Vault's shape; sudo required), sys/internal/counters/tokens (the number of
 * service tokens) and sys/internal/ui/mounts' Vault text for a missing or forbidden mount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

test('sys/host-info answers cpu, cpu_times, disk, host, memory and timestamp; it needs sudo', async () => {
  const h = await unsealedHarness();
  const out = await h.call('read', 'sys/host-info', {}, h.rootToken);
  assert.equal(out.status, 200, out.error?.message);
  const data = out.response!.data as Record<string, unknown>;
  assert.deepEqual(Object.keys(data).sort(), ['cpu', 'cpu_times', 'disk', 'host', 'memory', 'timestamp']);
  const cpu = data.cpu as Record<string, unknown>[];
  assert.ok(cpu.length >= 1);
  assert.equal(typeof cpu[0].cpu, 'number');
  assert.equal(typeof cpu[0].modelName, 'string');
  const times = data.cpu_times as Record<string, unknown>[];
  for (const key of ['cpu', 'user', 'system', 'idle']) assert.ok(key in times[0], key);
  for (const disk of data.disk as Record<string, unknown>[]) {
    for (const key of ['path', 'fstype', 'total', 'free', 'used', 'usedPercent']) assert.ok(key in disk, key);
  }
  const host = data.host as Record<string, unknown>;
  for (const key of ['hostname', 'uptime', 'bootTime', 'procs', 'os', 'kernelVersion'])
    assert.ok(key in host, key);
  const memory = data.memory as Record<string, unknown>;
  for (const key of ['total', 'available', 'used', 'usedPercent', 'free']) {
    assert.equal(typeof memory[key], 'number', key);
  }
  assert.ok((memory.total as number) > 0);
  assert.equal(data.timestamp, new Date(h.clock.wallMs()).toISOString());

  const policies = {
    'read-only': 'path "sys/host-info" { capabilities = ["read"] }',
    'read-sudo': 'path "sys/host-info" { capabilities = ["read", "sudo"] }',
  };
  for (const [name, policy] of Object.entries(policies)) {
    await h.call('update', `sys/policies/acl/${name}`, { policy }, h.rootToken);
    const created = await h.call('update', 'auth/token/create', { policies: [name] }, h.rootToken);
    const status = (await h.call('read', 'sys/host-info', {}, created.response!.auth!.clientToken)).status;
    assert.equal(status, name === 'read-sudo' ? 200 : 403, name);
  }
});

test('sys/internal/counters/tokens counts the service tokens', async () => {
  const h = await unsealedHarness();
  const count = async (): Promise<unknown> =>
    (await h.call('read', 'sys/internal/counters/tokens', {}, h.rootToken)).response!.data;
  const accessors = await h.call('list', 'auth/token/accessors/', {}, h.rootToken);
  const before = (accessors.response!.data!.keys as string[]).length;
  assert.deepEqual(await count(), { counters: { service_tokens: { total: before } } });
  await h.call('update', 'auth/token/create', {}, h.rootToken);
  await h.call('update', 'auth/token/create', {}, h.rootToken);
  assert.deepEqual(await count(), { counters: { service_tokens: { total: before + 2 } } });
});

test("sys/internal/ui/mounts/<path> answers a missing mount with Vault's preflight text (403)", async () => {
  const h = await unsealedHarness();
  const out = await h.call('read', 'sys/internal/ui/mounts/secret/app', {}, h.rootToken);
  assert.equal(out.status, 403);
  assert.deepEqual(out.error!.messages, [
    'preflight capability check returned 403, please ensure client\'s policies grant access to path "secret/app/"',
  ]);
  // The write itself, for root, is Vault's 404 (the route is checked after the ACL).
  const write = await h.call('update', 'secret/app', { a: 'b' }, h.rootToken);
  assert.equal(write.status, 404);
  assert.deepEqual(write.error!.messages, ['no handler for route "secret/app". route entry not found.']);
});
