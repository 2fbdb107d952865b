import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditBroker, AuditEntry } from '../../../src/core/audit-broker.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

test('sys/rotate installs a new term; key-status shows it; data written before stays readable', async () => {
  const h = await unsealedHarness();
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, h.rootToken);
  await h.call('update', 'notes/before', { v: 'old term' }, h.rootToken);
  const before = await h.call('read', 'sys/key-status', {}, h.rootToken);
  assert.equal(before.response!.data!.term, 1);
  assert.match(before.response!.data!.install_time as string, /^\d{4}-\d\d-\d\dT/);
  assert.equal(before.response!.topLevelData, true);
  assert.equal((await h.call('update', 'sys/rotate', {}, h.rootToken)).status, 204);
  const after = await h.call('read', 'sys/key-status', {}, h.rootToken);
  assert.equal(after.response!.data!.term, 2);
  assert.deepEqual((await h.call('read', 'notes/before', {}, h.rootToken)).response!.data, { v: 'old term' });
  await h.call('update', 'notes/after', { v: 'new term' }, h.rootToken);
  // Survives a seal/unseal cycle too.
  await h.call('update', 'sys/seal', {}, h.rootToken);
  await h.call('update', 'sys/unseal', { key: h.keys[0] });
  assert.deepEqual((await h.call('read', 'notes/before', {}, h.rootToken)).response!.data, { v: 'old term' });
  assert.deepEqual((await h.call('read', 'notes/after', {}, h.rootToken)).response!.data, { v: 'new term' });
  assert.equal((await h.call('read', 'sys/key-status', {}, h.rootToken)).response!.data!.term, 2);
});

class RecordingBroker implements AuditBroker {
  entries: AuditEntry[] = [];
  devices = true;
  failRequests = false;
  hasDevices(): boolean {
    return this.devices;
  }
  async logRequest(entry: AuditEntry): Promise<void> {
    if (this.failRequests) throw new Error('disk full');
    this.entries.push(entry);
  }
  async logResponse(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}

test('audit: request and response entries are logged; a failing device fails closed before the engine runs', async () => {
  const broker = new RecordingBroker();
  const h = await unsealedHarness({ audit: broker });
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, h.rootToken);
  broker.entries = [];
  await h.call('update', 'notes/a', { v: 1 }, h.rootToken);
  assert.deepEqual(
    broker.entries.map((e) => e.type),
    ['request', 'response'],
  );
  assert.equal(broker.entries[0].request.mountType, 'notes');
  assert.equal(broker.entries[0].request.operation, 'create', 'resolved operation is audited');
  assert.equal(broker.entries[0].auth!.policies.includes('root'), true);

  broker.entries = [];
  await h.call('read', 'sys/health');
  await h.call('read', 'sys/seal-status');
  assert.equal(broker.entries.length, 0, 'health and seal-status are not audited');

  broker.failRequests = true;
  const failed = await h.call('update', 'notes/b', { v: 2 }, h.rootToken);
  assert.equal(failed.status, 500);
  assert.deepEqual(failed.error!.messages, ['internal error']);
  broker.failRequests = false;
  assert.equal((await h.call('read', 'notes/b', {}, h.rootToken)).status, 404, 'the engine never ran');
  assert.ok(!h.logger.lines.some((l) => l.includes(h.rootToken)), 'no token in operational logs');

  broker.devices = false;
  broker.failRequests = true;
  assert.equal(
    (await h.call('update', 'notes/c', { v: 3 }, h.rootToken)).status,
    204,
    'no devices: not audited',
  );
});
