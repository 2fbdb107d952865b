/**
 * The ceremony commands end to end: the real CLI against a real in-memory server over HTTP, with
 * key files and decryption by the real gpg.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpgHome, type GpgKey } from '../../helpers/gpg.js';
import { startRealServer, type RealServer } from '../../helpers/real-server.js';
import { runCaptured, type Run } from './run-captured.js';

describe('operator init -pgp-keys, rekey and generate-root through the CLI', () => {
  let server: RealServer;
  let home: string;
  let gpg: GpgHome;
  let holders: GpgKey[];
  let files: string[];
  let keys: string[] = [];
  let rootToken = '';
  let stdin = '';

  const cli = (...argv: string[]): Promise<Run> =>
    runCaptured(argv, {
      env: { VAULT_ADDR: server.url, VAULT_TOKEN: rootToken },
      homeDir: home,
      readStdin: async () => stdin,
    });

  before(async () => {
    server = await startRealServer();
    home = mkdtempSync(join(tmpdir(), 'arca-cli-ceremony-'));
    gpg = new GpgHome();
    holders = [
      gpg.generate('A <a@example.test>'),
      gpg.generate('B <b@example.test>'),
      gpg.generate('C <c@example.test>'),
    ];
    // Key files in the three forms vault reads: binary, base64 text, ASCII armor.
    files = holders.map((_, i) => join(home, `holder${i}.key`));
    writeFileSync(files[0], Buffer.from(holders[0].publicKeyBase64, 'base64'));
    writeFileSync(files[1], `${holders[1].publicKeyBase64}\n`);
    writeFileSync(
      files[2],
      execFileSync('/usr/bin/gpg', [
        '--homedir',
        gpg.dir,
        '--batch',
        '--armor',
        '--export',
        holders[2].fingerprint,
      ]),
    );
  });
  after(async () => {
    await server.close();
    gpg.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('init with -pgp-keys: the shares decrypt with gpg and unseal', async () => {
    const run = await cli(
      'operator',
      'init',
      '-key-shares=3',
      '-key-threshold=2',
      `-pgp-keys=${files.join(',')}`,
      '-format=json',
    );
    assert.equal(run.code, 0, run.err);
    const json = JSON.parse(run.out) as { unseal_keys_b64: string[]; root_token: string };
    assert.deepEqual(
      server.last().data.pgp_keys,
      holders.map((h) => h.publicKeyBase64),
      'binary, base64 and armored files all reach the server as base64 binary keys',
    );
    keys = json.unseal_keys_b64.map((k) => gpg.decrypt(k));
    rootToken = json.root_token;
    assert.equal((await cli('operator', 'unseal', keys[1])).code, 0);
    const unsealed = await cli('operator', 'unseal', keys[2]);
    assert.match(unsealed.out, /Sealed\s+false/);
  });

  test('rekey 3/2 -> 2/2 with -verify: keys printed, verification completes, new keys unseal', async () => {
    let run = await cli('operator', 'rekey', '-init', '-key-shares=2', '-key-threshold=2', '-verify');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Rekey Progress\s+0\/2/);
    assert.match(run.out, /Verification Required\s+true/);
    const nonce = /Nonce\s+(\S+)/.exec(run.out)![1];
    run = await cli('operator', 'rekey', `-nonce=${nonce}`, keys[0]);
    assert.match(run.out, /Rekey Progress\s+1\/2/);
    run = await cli('operator', 'rekey', '-nonce=wrong', keys[1]);
    assert.equal(run.code, 2);
    assert.match(run.err, /incorrect nonce supplied/);
    run = await cli('operator', 'rekey', `-nonce=${nonce}`, keys[1]);
    assert.equal(run.code, 0, run.err);
    const newKeys = [...run.out.matchAll(/^Key \d+: (\S+)$/gm)].map((m) => m[1]);
    assert.equal(newKeys.length, 2);
    assert.match(run.out, /These will not be active until after verification is complete/);
    const verifyNonce = /Nonce\s+(\S+)/.exec(run.out)![1];
    assert.notEqual(verifyNonce, nonce);
    run = await cli('operator', 'rekey', '-verify', `-nonce=${verifyNonce}`, newKeys[0]);
    assert.match(run.out, /Verification Progress\s+1\/2/);
    stdin = `${newKeys[1]}\n`;
    run = await cli('operator', 'rekey', '-verify', `-nonce=${verifyNonce}`, '-');
    assert.equal(run.out, 'Rekey verification successful.\n');
    await cli('operator', 'seal');
    assert.equal((await cli('operator', 'unseal', keys[0])).code, 0);
    assert.equal((await cli('operator', 'unseal', keys[1])).code, 1, 'the old quorum is refused');
    await cli('operator', 'unseal', newKeys[0]);
    assert.match((await cli('operator', 'unseal', newKeys[1])).out, /Sealed\s+false/);
    keys = newKeys;
  });

  test('generate-root: -init makes the OTP, shares complete it, -decode prints a working root token', async () => {
    let run = await cli('operator', 'generate-root', '-init');
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /One-Time-Password has been generated/);
    const otp = /OTP\s+(\S+)/.exec(run.out)![1];
    assert.match(run.out, /OTP Length\s+28/);
    const nonce = /Nonce\s+(\S+)/.exec(run.out)![1];
    run = await cli('operator', 'generate-root', `-nonce=${nonce}`, keys[0]);
    assert.match(run.out, /Progress\s+1\/2/);
    run = await cli('operator', 'generate-root', `-nonce=${nonce}`, keys[1]);
    assert.match(run.out, /Complete\s+true/);
    const encoded = /Encoded Token\s+(\S+)/.exec(run.out)![1];
    run = await cli('operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`);
    assert.equal(run.code, 0, run.err);
    const token = run.out.trim();
    assert.match(token, /^hvs\.[A-Za-z0-9]{24}$/);
    const lookup = await runCaptured(['token', 'lookup', '-format=json'], {
      env: { VAULT_ADDR: server.url, VAULT_TOKEN: token },
      homeDir: home,
    });
    assert.deepEqual((JSON.parse(lookup.out) as { data: { policies: string[] } }).data.policies, ['root']);
  });

  test('generate-root -generate-otp, -status, -cancel; -otp and -pgp-key together are refused', async () => {
    let run = await cli('operator', 'generate-root', '-generate-otp');
    assert.match(run.out, /^[A-Za-z0-9]{28}\n$/);
    run = await cli('operator', 'generate-root', '-init', '-otp=x', `-pgp-key=${files[0]}`);
    assert.equal(run.code, 1);
    assert.match(run.err, /cannot specify both -otp and -pgp-key/);
    run = await cli('operator', 'generate-root', '-init', `-pgp-key=${files[0]}`);
    assert.match(run.out, new RegExp(`PGP Fingerprint\\s+${holders[0].fingerprint}`));
    run = await cli('operator', 'generate-root', '-cancel');
    assert.equal(run.out, 'Success! Root token generation canceled (if it was started)\n');
    run = await cli('operator', 'generate-root', '-status');
    assert.match(run.out, /Started\s+false/);
  });
});
