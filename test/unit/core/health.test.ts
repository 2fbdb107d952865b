import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initThroughApi, makeHarness, unsealThroughApi } from '../../helpers/core/core-harness.js';

test('sys/health codes follow the state: 501 uninitialised, 503 sealed, 200 active', async () => {
  const h = await makeHarness();
  const uninit = await h.call('read', 'sys/health');
  assert.equal(uninit.status, 501);
  assert.equal(uninit.body?.initialized, false);
  const { keys } = await initThroughApi(h, 1, 1);
  const sealed = await h.call('read', 'sys/health');
  assert.equal(sealed.status, 503);
  assert.equal(sealed.body?.sealed, true);
  await unsealThroughApi(h, keys);
  const active = await h.call('read', 'sys/health');
  assert.equal(active.status, 200);
  const body = active.body!;
  for (const key of [
    'initialized',
    'sealed',
    'standby',
    'performance_standby',
    'replication_performance_mode',
    'replication_dr_mode',
    'server_time_utc',
    'version',
    'cluster_name',
    'cluster_id',
  ]) {
    assert.ok(key in body, `health has ${key}`);
  }
  assert.equal(body.server_time_utc, Math.floor(h.clock.wallMs() / 1000));
  assert.equal(body.standby, false);
});

test('every sys/health code parameter is honoured, as the Go client sends them as 299', async () => {
  const h = await makeHarness();
  assert.equal((await h.call('read', 'sys/health', { uninitcode: '299' })).status, 299);
  const { keys } = await initThroughApi(h, 1, 1);
  assert.equal((await h.call('read', 'sys/health', { sealedcode: '299' })).status, 299);
  assert.equal((await h.call('read', 'sys/health', { sealedcode: 299, uninitcode: '418' })).status, 299);
  await unsealThroughApi(h, keys);
  assert.equal((await h.call('read', 'sys/health', { activecode: '204' })).status, 204);
  const goClient = {
    uninitcode: '299',
    sealedcode: '299',
    standbycode: '299',
    drsecondarycode: '299',
    performancestandbycode: '299',
    removedcode: '299',
    haunhealthycode: '299',
    standbyok: 'true',
    perfstandbyok: 'true',
  };
  assert.equal((await h.call('read', 'sys/health', goClient)).status, 200, 'active code stays 200');
});

test('sys/health with a non-integer code answers 400', async () => {
  const h = await makeHarness();
  for (const name of [
    'activecode',
    'standbycode',
    'sealedcode',
    'uninitcode',
    'drsecondarycode',
    'performancestandbycode',
    'removedcode',
    'haunhealthycode',
  ]) {
    const out = await h.call('read', 'sys/health', { [name]: 'abc' });
    assert.equal(out.status, 400, name);
  }
  assert.equal((await h.call('read', 'sys/health', { standbyok: 'maybe' })).status, 400);
});

test('seal-status shape when unsealed carries cluster name and id; leader says HA disabled; sealed leader is 503', async () => {
  const h = await makeHarness();
  const { keys } = await initThroughApi(h, 1, 1);
  assert.equal((await h.call('read', 'sys/leader')).status, 503);
  await unsealThroughApi(h, keys);
  const status = await h.call('read', 'sys/seal-status');
  const body = status.body!;
  assert.deepEqual(
    Object.keys(body).sort(),
    [
      'build_date',
      'cluster_id',
      'cluster_name',
      'initialized',
      'migration',
      'n',
      'nonce',
      'progress',
      'recovery_seal',
      'sealed',
      'storage_type',
      't',
      'type',
      'version',
    ].sort(),
  );
  assert.equal(body.sealed, false);
  assert.equal(body.version, '1.19.0');
  const leader = await h.call('read', 'sys/leader');
  assert.equal(leader.status, 200);
  assert.equal(leader.body?.ha_enabled, false);
});
