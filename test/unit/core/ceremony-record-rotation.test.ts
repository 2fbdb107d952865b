/**
 * The ceremony record (operational log + audit trail, never a share nor its HMAC) and automatic
 * keyring rotation (sys/rotate/config, sys/key-status encryptions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../../src/core/core.js';
import type { CoreLogger } from '../../../src/core/mounts.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import { callerFor, unsealThroughApi, unsealedHarness } from '../../helpers/core/core-harness.js';

/** Keeps every log line with its values (to search them for secrets). */
class FullLogger implements CoreLogger {
  readonly lines: string[] = [];
  info(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ ...obj, msg }));
  }
  warn(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ ...obj, msg }));
  }
  error(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ ...obj, msg }));
  }
}

/** Every form a share could leak in: hex, base64, and the audit device's HMAC of both. */
async function shareForms(
  call: ReturnType<typeof callerFor>,
  token: string,
  hexShare: string,
): Promise<string[]> {
  const b64 = Buffer.from(hexShare, 'hex').toString('base64');
  const forms = [hexShare, b64];
  for (const input of [hexShare, b64]) {
    const hashed = await call('update', 'sys/audit-hash/file', { input }, token);
    forms.push(hashed.response!.data!.hash as string);
  }
  return forms;
}

test('unseal, rekey and generate-root submissions are recorded with nonce, progress and address, never the share or its HMAC', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-ceremony-record-'));
  try {
    const logger = new FullLogger();
    const core = await Core.create({
      physical: new MemoryPhysical(),
      clock: new FakeClock(),
      rng: new SeededRng(3),
      logger,
      engines: {},
      version: '1.19.0',
    });
    const call = callerFor(core);
    const init = await call('update', 'sys/init', { secret_shares: 3, secret_threshold: 2 });
    const keys = init.body!.keys as string[];
    const root = init.body!.root_token as string;
    for (const key of keys.slice(0, 2))
      await call('update', 'sys/unseal', { key }, '', { remoteAddress: '10.1.2.3' });
    const auditFile = join(dir, 'audit.log');
    await call('update', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } }, root);

    const rekey = await call('update', 'sys/rekey/init', { secret_shares: 2, secret_threshold: 2 });
    const rekeyNonce = rekey.body!.nonce as string;
    await call('update', 'sys/rekey/update', { key: keys[0], nonce: 'wrong' }, '', {
      remoteAddress: '10.9.9.9',
    });
    await call('update', 'sys/rekey/update', { key: keys[0], nonce: rekeyNonce }, '', {
      remoteAddress: '10.4.5.6',
    });
    const rekeyed = await call('update', 'sys/rekey/update', { key: keys[1], nonce: rekeyNonce });
    const newKeys = rekeyed.body!.keys as string[];
    const gen = await call('update', 'sys/generate-root/attempt', {});
    const genNonce = gen.body!.nonce as string;
    await call('update', 'sys/generate-root/update', { key: newKeys[0], nonce: genNonce });
    const done = await call('update', 'sys/generate-root/update', { key: newKeys[1], nonce: genNonce });
    assert.equal(done.body?.complete, true);

    const audit = await readFile(auditFile, 'utf8');
    const log = logger.lines.join('\n');
    for (const key of [...keys, ...newKeys]) {
      for (const form of await shareForms(call, root, key)) {
        assert.equal(audit.includes(form), false, 'no share (or its HMAC) in the audit trail');
        assert.equal(log.includes(form), false, 'no share in the operational log');
      }
    }
    assert.equal(log.includes(gen.body!.otp as string), false, 'the OTP is not logged');

    const logged = logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const unsealRecords = logged.filter((l) => l.ceremony === 'unseal' && l.msg === 'ceremony outcome');
    assert.deepEqual(
      unsealRecords.map((l) => [l.progress, l.outcome, l.remote_address]),
      [
        [1, 'accepted', '10.1.2.3'],
        [2, 'complete', '10.1.2.3'],
      ],
    );
    const refused = logged.find((l) => l.ceremony === 'rekey' && l.outcome === 'refused');
    assert.equal(refused?.remote_address, '10.9.9.9');
    assert.match(String(refused?.error), /incorrect nonce supplied/);

    const lines = audit
      .split('\n')
      .filter((l) => l !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            request: { path: string; data: Record<string, unknown> | null; remote_address: string };
            response?: { auth?: { client_token: string } };
          },
      );
    const rekeyShares = lines.filter((l) => l.request.path === 'sys/rekey/update' && l.type === 'response');
    assert.deepEqual(
      rekeyShares.map((l) => [l.request.data?.progress, l.request.remote_address]),
      [
        [0, '10.9.9.9'],
        [1, '10.4.5.6'],
        [2, '127.0.0.1'],
      ],
    );
    assert.equal(
      lines.some((l) => l.request.path === 'sys/unseal'),
      false,
      'a sealed node has no audit devices: unseal is in the log only',
    );
    // The new root token's creation is audited as a token creation: its HMAC, not the token.
    const created = lines.find((l) => l.request.path === 'sys/generate-root/update' && l.response?.auth);
    assert.match(created!.response!.auth!.client_token, /^hmac-sha256:/);
    await core.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sys/rotate/config: defaults, Vault range checks, and automatic rotation once max_operations is reached', async () => {
  const h = await unsealedHarness({ config: { keyRotation: { operationsMin: 3 } } });
  const token = h.rootToken;
  const read = await h.call('read', 'sys/rotate/config', {}, token);
  assert.deepEqual(read.response?.data, { max_operations: 3865470566, enabled: true, interval: '0s' });
  const low = await h.call('update', 'sys/rotate/config', { max_operations: 2 }, token);
  assert.deepEqual(low.error?.messages, ['max_operations must be in the range [3,3865470566]']);
  const short = await h.call('update', 'sys/rotate/config', { interval: '1h' }, token);
  assert.deepEqual(short.error?.messages, ['interval must be greater or equal to 24h0m0s']);
  assert.equal((await h.call('update', 'sys/rotate/config', { max_operations: 5 }, token)).status, 204);
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, token);

  const status = async (): Promise<{ term: number; encryptions: number }> => {
    const data = (await h.call('read', 'sys/key-status', {}, token)).response!.data!;
    return { term: data.term as number, encryptions: data.encryptions as number };
  };
  await h.core.tick();
  let now = await status();
  assert.equal(now.term, 1);
  for (let i = 0; now.encryptions < 5; i++) {
    assert.ok(i < 20, 'each write encrypts at least once');
    await h.call('update', `notes/k${i}`, { v: i }, token);
    now = await status();
  }
  await h.core.tick();
  now = await status();
  assert.equal(now.term, 2, 'rotated at the bound');
  assert.ok(now.encryptions < 5);

  // Disabled: no rotation however many encryptions.
  await h.call('update', 'sys/rotate/config', { enabled: false }, token);
  for (let i = 0; i < 6; i++) await h.call('update', `notes/d${i}`, { v: i }, token);
  await h.core.tick();
  assert.equal((await status()).term, 2);

  // By age: 24h interval, enabled, a bound too high to matter.
  await h.call(
    'update',
    'sys/rotate/config',
    { enabled: true, max_operations: 1000, interval: '24h' },
    token,
  );
  assert.equal((await h.call('read', 'sys/rotate/config', {}, token)).response?.data?.interval, '24h0m0s');
  h.clock.advance(24 * 3600 * 1000);
  await h.core.tick();
  assert.equal((await status()).term, 3);
  await h.core.close();
});

test('sys/rotate/config needs sudo; key-status counts survive a restart once persisted', async () => {
  const h = await unsealedHarness({ config: { keyRotation: { countPersistIntervalMs: 1000 } } });
  await h.call(
    'update',
    'sys/policies/acl/ops',
    { policy: 'path "sys/rotate/config" { capabilities = ["read"] }' },
    h.rootToken,
  );
  const child = await h.call('update', 'auth/token/create', { policies: ['ops'] }, h.rootToken);
  const ops = child.response!.auth!.clientToken;
  assert.equal((await h.call('read', 'sys/rotate/config', {}, ops)).status, 403);
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, h.rootToken);
  for (let i = 0; i < 3; i++) await h.call('update', `notes/p${i}`, { v: i }, h.rootToken);
  const counted = (await h.call('read', 'sys/key-status', {}, h.rootToken)).response!.data!
    .encryptions as number;
  await h.core.tick();
  h.clock.advance(1000);
  await h.core.tick();
  await h.call('update', 'sys/seal', {}, h.rootToken);
  await unsealThroughApi(h, h.keys);
  const after = (await h.call('read', 'sys/key-status', {}, h.rootToken)).response!.data!
    .encryptions as number;
  assert.ok(after >= counted, `the count persisted (${after} >= ${counted})`);
  await h.core.close();
});
