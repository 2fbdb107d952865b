import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRootToken } from '../../../src/lib/root-token-otp.js';
import { GpgHome, type GpgKey } from '../../helpers/gpg.js';
import {
  initThroughApi,
  makeHarness,
  unsealThroughApi,
  type Harness,
} from '../../helpers/core/core-harness.js';

let gpg: GpgHome;
let holders: GpgKey[];

before(() => {
  gpg = new GpgHome();
  holders = [
    gpg.generate('Holder One <one@example.test>', 'rsa'),
    gpg.generate('Holder Two <two@example.test>'),
    gpg.generate('Holder Three <three@example.test>'),
    gpg.generate('Requester <root@example.test>'),
  ];
});

after(() => gpg.close());

test('init with three gpg keys: each share decrypts with gpg to the hex share, and they unseal', async () => {
  const h = await makeHarness();
  const out = await h.call('update', 'sys/init', {
    secret_shares: 3,
    secret_threshold: 2,
    pgp_keys: holders.slice(0, 3).map((k) => k.publicKeyBase64),
    root_token_pgp_key: holders[3].publicKeyBase64,
  });
  assert.equal(out.status, 200, out.error?.message);
  const keysB64 = out.body!.keys_base64 as string[];
  const keysHex = out.body!.keys as string[];
  assert.equal(keysB64.length, 3);
  for (let i = 0; i < 3; i++) assert.equal(Buffer.from(keysHex[i], 'hex').toString('base64'), keysB64[i]);
  const decrypted = keysB64.map((k) => gpg.decrypt(k));
  for (const share of decrypted) assert.match(share, /^[0-9a-f]{66}$/, 'the hex text of a 33-byte share');
  const rootToken = gpg.decrypt(out.body!.root_token as string);
  assert.match(rootToken, /^hvs\.[A-Za-z0-9]{24}$/);
  assert.equal((await unsealThroughApi(h, [decrypted[2], decrypted[0]])).sealed, false);
  const self = await h.call('read', 'auth/token/lookup-self', {}, rootToken);
  assert.equal(self.status, 200);
  await h.core.close();
});

test('init refuses bad PGP input before initialising anything', async () => {
  const h = await makeHarness();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ pgp_keys: [holders[0].publicKeyBase64] }, /count mismatch/],
    [{ pgp_keys: ['keybase:a', 'keybase:b'] }, /keybase: PGP key names are not supported/],
    [{ pgp_keys: ['@@@', holders[0].publicKeyBase64] }, /error decoding given PGP key/],
    [
      { pgp_keys: [Buffer.from('not a key').toString('base64'), holders[0].publicKeyBase64] },
      /error parsing given PGP key/,
    ],
    [{ root_token_pgp_key: 'keybase:root' }, /keybase/],
  ];
  for (const [extra, message] of cases) {
    const out = await h.call('update', 'sys/init', { secret_shares: 2, secret_threshold: 2, ...extra });
    assert.equal(out.status, 400, JSON.stringify(extra));
    assert.match(out.error!.messages[0], message);
  }
  assert.equal((await h.call('read', 'sys/init')).body?.initialized, false);
});

async function unsealed(): Promise<{ h: Harness; keys: string[]; rootToken: string }> {
  const h = await makeHarness();
  const init = await initThroughApi(h, 3, 2);
  await unsealThroughApi(h, init.keys.slice(0, 2));
  return { h, keys: init.keys, rootToken: init.rootToken };
}

test('generate-root with the server-made OTP: the encoded token decodes to a working root token', async () => {
  const { h, keys } = await unsealed();
  const idle = await h.call('read', 'sys/generate-root/attempt');
  assert.deepEqual(idle.body, {
    nonce: '',
    started: false,
    progress: 0,
    required: 2,
    complete: false,
    encoded_token: '',
    encoded_root_token: '',
    pgp_fingerprint: '',
    otp: '',
    otp_length: 28,
  });
  const started = await h.call('update', 'sys/generate-root/attempt', {});
  const otp = started.body!.otp as string;
  assert.match(otp, /^[A-Za-z0-9]{28}$/);
  const nonce = started.body!.nonce as string;
  assert.equal((await h.call('read', 'sys/generate-root/attempt')).body?.otp, '', 'the OTP is shown once');
  const first = await h.call('update', 'sys/generate-root/update', { key: keys[1], nonce });
  assert.equal(first.body?.progress, 1);
  assert.equal(first.body?.complete, false);
  const done = await h.call('update', 'sys/generate-root/update', { key: keys[2], nonce });
  assert.equal(done.body?.complete, true);
  const encoded = done.body.encoded_token as string;
  assert.equal(done.body?.encoded_root_token, encoded);
  assert.doesNotMatch(encoded, /=$/, 'base64 without padding, as Vault');
  const token = decodeRootToken(encoded, otp);
  assert.match(token, /^hvs\./);
  const self = await h.call('read', 'auth/token/lookup-self', {}, token);
  assert.deepEqual(self.response?.data?.policies, ['root']);
  assert.equal((await h.call('read', 'sys/generate-root/attempt')).body?.started, false);
  await h.core.close();
});

test('generate-root with a PGP key: gpg decrypts the token', async () => {
  const { h, keys } = await unsealed();
  const started = await h.call('update', 'sys/generate-root/attempt', {
    pgp_key: holders[3].publicKeyBase64,
  });
  assert.equal(started.body?.pgp_fingerprint, holders[3].fingerprint);
  assert.equal(started.body?.otp, '');
  const nonce = started.body.nonce as string;
  await h.call('update', 'sys/generate-root/update', { key: keys[0], nonce });
  const done = await h.call('update', 'sys/generate-root/update', { key: keys[2], nonce });
  const token = gpg.decrypt(done.body!.encoded_token as string);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);
  await h.core.close();
});

test('a cancelled generate-root leaves nothing behind: no attempt, no new token', async () => {
  const { h, keys, rootToken } = await unsealed();
  const accessors = async (): Promise<string[]> =>
    ((await h.call('list', 'auth/token/accessors/', {}, rootToken)).response?.data?.keys as string[]) ?? [];
  const before = await accessors();
  const started = await h.call('update', 'sys/generate-root/attempt', {});
  await h.call('update', 'sys/generate-root/update', { key: keys[0], nonce: started.body!.nonce });
  assert.equal((await h.call('delete', 'sys/generate-root/attempt')).status, 204);
  assert.equal((await h.call('read', 'sys/generate-root/attempt')).body?.started, false);
  const late = await h.call('update', 'sys/generate-root/update', {
    key: keys[1],
    nonce: started.body!.nonce,
  });
  assert.deepEqual(late.error?.messages, ['no root generation in progress']);
  assert.deepEqual((await accessors()).sort(), before.sort());
  await h.core.close();
});

test('generate-root refuses a second attempt, a wrong OTP length, a wrong nonce and a wrong quorum', async () => {
  const { h, keys } = await unsealed();
  const badOtp = await h.call('update', 'sys/generate-root/attempt', { otp: 'short' });
  assert.deepEqual(badOtp.error?.messages, ['OTP string is wrong length']);
  const started = await h.call('update', 'sys/generate-root/attempt', {});
  const nonce = started.body!.nonce as string;
  const again = await h.call('update', 'sys/generate-root/attempt', {});
  assert.deepEqual(again.error?.messages, ['root generation already in progress']);
  const wrong = await h.call('update', 'sys/generate-root/update', { key: keys[0], nonce: 'x' });
  assert.deepEqual(wrong.error?.messages, [
    `incorrect nonce supplied; nonce for this root generation operation is "${nonce}"`,
  ]);
  const other = await makeHarness();
  const foreign = await initThroughApi(other, 3, 2);
  await h.call('update', 'sys/generate-root/update', { key: keys[0], nonce });
  const bad = await h.call('update', 'sys/generate-root/update', { key: foreign.keys[1], nonce });
  assert.equal(bad.status, 400);
  assert.match(bad.error!.messages[0], /^root generation aborted: root key verification failed/);
  assert.equal((await h.call('read', 'sys/generate-root/attempt')).body?.progress, 0);
  await h.core.close();
});

test('rekey with pgp_keys and backup: gpg decrypts the new shares, the sudo backup holds them, delete removes it', async () => {
  const { h, keys, rootToken } = await unsealed();
  const pgpKeys = holders.slice(0, 2).map((k) => k.publicKeyBase64);
  const started = await h.call('update', 'sys/rekey/init', {
    secret_shares: 2,
    secret_threshold: 2,
    pgp_keys: pgpKeys,
    backup: true,
  });
  assert.deepEqual(started.body?.pgp_fingerprints, [holders[0].fingerprint, holders[1].fingerprint]);
  assert.equal(started.body?.backup, true);
  const nonce = started.body.nonce as string;
  await h.call('update', 'sys/rekey/update', { key: keys[0], nonce });
  const done = await h.call('update', 'sys/rekey/update', { key: keys[1], nonce });
  assert.equal(done.body?.complete, true);
  const encrypted = done.body.keys_base64 as string[];
  const newShares = encrypted.map((k) => gpg.decrypt(k));

  const noToken = await h.call('read', 'sys/rekey/backup');
  assert.equal(noToken.status, 403, 'the backup needs a (sudo) token');
  const backup = await h.call('read', 'sys/rekey/backup', {}, rootToken);
  assert.equal(backup.response?.data?.nonce, nonce);
  assert.deepEqual(backup.response?.data?.keys_base64, {
    [holders[0].fingerprint]: [encrypted[0]],
    [holders[1].fingerprint]: [encrypted[1]],
  });
  assert.equal(backup.response?.topLevelData, true);
  assert.equal((await h.call('delete', 'sys/rekey/backup', {}, rootToken)).status, 204);
  const gone = await h.call('read', 'sys/rekey/backup', {}, rootToken);
  assert.deepEqual(gone.error?.messages, ['no backed-up keys found']);

  await h.call('update', 'sys/seal', {}, rootToken);
  assert.equal((await unsealThroughApi(h, newShares)).sealed, false);
  await h.core.close();
});

test('sys/rotate/root/* (authenticated, enveloped) runs the same rekey; without a token it is refused', async () => {
  const { h, keys, rootToken } = await unsealed();
  assert.equal((await h.call('read', 'sys/rotate/root/init')).status, 403);
  const started = await h.call(
    'update',
    'sys/rotate/root/init',
    { secret_shares: 1, secret_threshold: 1 },
    rootToken,
  );
  assert.equal(started.response?.data?.started, true);
  const nonce = started.response.data.nonce as string;
  assert.equal((await h.call('read', 'sys/rekey/init')).body?.nonce, nonce, 'one attempt, two front doors');
  await h.call('update', 'sys/rotate/root/update', { key: keys[0], nonce }, rootToken);
  const done = await h.call('update', 'sys/rotate/root/update', { key: keys[1], nonce }, rootToken);
  assert.equal(done.response?.data?.complete, true);
  const single = (done.response.data.keys as string[])[0];
  await h.call('update', 'sys/seal', {}, rootToken);
  assert.equal((await unsealThroughApi(h, [single])).sealed, false);
  await h.core.close();
});
