/// <reference lib="dom" />
// The page.evaluate() callbacks run in the browser.
/**
 * Initialising through the web UI with PGP keys made by `gpg` in the test, given the three ways
 * the page accepts them: pasted base64 of the binary key, an ASCII-armored file and a binary file.
 * The returned shares decrypt with `gpg --decrypt` to hex shares that unseal the node through the
 * unseal page.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { GpgHome, type GpgKey } from '../../helpers/gpg.js';
import { api, launchBrowser, openPage, startUiServer, texts, type UiServer } from './ui-harness.js';

describe('web UI: initialise with PGP keys', { timeout: 300_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let gpg: GpgHome;
  let keys: GpgKey[];

  before(async () => {
    gpg = new GpgHome();
    keys = ['one', 'two', 'three'].map((name) => gpg.generate(`${name} <${name}@arca.test>`));
    server = await startUiServer({ storage: 'leveldb' });
    browser = await launchBrowser();
    ({ page } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    gpg?.close();
  });

  it('pasted, armored and binary keys give shares only their holders decrypt, and those unseal', async () => {
    const armored = execFileSync(
      'gpg',
      ['--homedir', gpg.dir, '--batch', '--armor', '--export', keys[1].fingerprint],
      {
        env: { ...process.env, GNUPGHOME: gpg.dir },
        timeout: 60_000,
      },
    );
    await page.goto(`${server.url}/ui/#/init`);
    await page.waitForSelector('#init-form');
    await page.fill('#init-shares', '3');
    await page.fill('#init-threshold', '2');
    await page.fill('#init-pgp-text', keys[0].publicKeyBase64);
    await page.setInputFiles('#init-pgp-files', [
      { name: 'two.asc', mimeType: 'text/plain', buffer: armored },
      {
        name: 'three.gpg',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(keys[2].publicKeyBase64, 'base64'),
      },
    ]);
    await page.click('#init-submit');
    await page.waitForSelector('#init-keys');
    const shown = await texts(page, '#init-keys code.secret');
    assert.equal(shown.length, 4);
    // Each share is a PGP message to its holder (in the order given); gpg has all three secret keys.
    const shares = shown.slice(0, 3).map((encrypted) => gpg.decrypt(encrypted).trim());
    for (const share of shares) assert.match(share, /^[0-9a-f]{66}$/);
    assert.equal(new Set(shares).size, 3);

    await page.click('#init-keys-done');
    await page.click('#init-to-unseal');
    await page.waitForSelector('#unseal-form');
    await page.fill('#unseal-key', shares[2]);
    await page.click('#unseal-submit');
    await page.waitForFunction(() => document.querySelector('#unseal-progress')?.textContent === '1/2');
    await page.fill('#unseal-key', shares[0]);
    await page.click('#unseal-submit');
    await page.waitForSelector('#unseal-done');
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.sealed, false);
  });
});
