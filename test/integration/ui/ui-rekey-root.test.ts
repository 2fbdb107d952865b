/// <reference lib="dom" />
// The page.evaluate() callbacks run in the browser.
/**
 * The rekey and generate-root ceremonies in headless Chromium against a fresh server initialised
 * with 3 shares (threshold 2): a cancelled rekey leaves nothing behind; a rekey to 4 shares
 * (threshold 3) with verification, after which the old shares no longer unseal and the new ones do
 * (through the unseal page); a generate-root with the OTP decoded in the browser, giving a working
 * root token; a cancelled attempt. Screenshots: rekey-mid-ceremony, rekey-verification,
 * generate-root-decoded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { GpgHome } from '../../helpers/gpg.js';
import {
  api,
  launchBrowser,
  openPage,
  screenshot,
  startUiServer,
  texts,
  type UiServer,
} from './ui-harness.js';

describe('web UI: rekey and generate-root ceremonies', { timeout: 300_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let oldKeys: string[] = [];
  let newKeys: string[] = [];
  let rootToken = '';

  before(async () => {
    server = await startUiServer({ storage: 'leveldb' });
    const init = await api(server.url, 'PUT', 'sys/init', {
      body: { secret_shares: 3, secret_threshold: 2 },
    });
    assert.equal(init.status, 200);
    oldKeys = init.json.keys;
    rootToken = init.json.root_token;
    for (const key of oldKeys.slice(0, 2)) await api(server.url, 'PUT', 'sys/unseal', { body: { key } });
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.sealed, false);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    await page.goto(`${server.url}/ui/#/login?next=rekey`);
    await page.fill('#login-token', rootToken);
    await page.click('#login-submit');
    await page.waitForSelector('#page-rekey');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('follows a share another holder submits, and a cancelled rekey leaves nothing behind', async () => {
    await page.waitForSelector('#rekey-init-form');
    await page.click('#rekey-start');
    await page.waitForSelector('#rekey-update-form');
    // Another key holder submits from elsewhere: the page picks the progress up by itself.
    const nonce = (await api(server.url, 'GET', 'sys/rekey/init')).json.nonce;
    const other = await api(server.url, 'PUT', 'sys/rekey/update', { body: { key: oldKeys[0], nonce } });
    assert.equal(other.json.progress, 1);
    await page.waitForFunction(() => document.querySelector('#rekey-status-progress')?.textContent === '1/2');
    await page.click('#rekey-cancel');
    await page.waitForSelector('#rekey-init-form');
    const status = await api(server.url, 'GET', 'sys/rekey/init', { token: rootToken });
    assert.equal(status.json.started, false);
    assert.equal(status.json.progress, 0);
  });

  it('rekeys 2-of-3 to 3-of-4 with verification; old shares stop unsealing, new ones unseal', async () => {
    await page.fill('#rekey-shares', '4');
    await page.fill('#rekey-threshold', '3');
    assert.equal(await page.isChecked('#rekey-verify'), true);
    await page.click('#rekey-start');
    await page.waitForSelector('#rekey-update-form');
    const nonce = (await api(server.url, 'GET', 'sys/rekey/init', { token: rootToken })).json.nonce;
    assert.equal(await page.textContent('#rekey-status-nonce'), nonce);
    await page.fill('#rekey-key', oldKeys[1]);
    await page.click('#rekey-submit');
    await page.waitForFunction(() => document.querySelector('#rekey-status-progress')?.textContent === '1/2');
    await screenshot(page, 'rekey-mid-ceremony');
    await page.fill('#rekey-key', oldKeys[2]);
    await page.click('#rekey-submit');
    await page.waitForSelector('#rekey-new-keys');
    newKeys = await texts(page, '#rekey-new-keys code.secret');
    assert.equal(newKeys.length, 4);
    await page.click('#rekey-new-keys-done');
    await page.click('#rekey-to-verify');
    await page.waitForSelector('#rekey-verify-form');
    await screenshot(page, 'rekey-verification');
    // Until verification completes the old shares are still the ones in force.
    for (const [i, key] of newKeys.slice(0, 3).entries()) {
      await page.fill('#rekey-verify-key', key);
      await page.click('#rekey-verify-submit');
      if (i < 2)
        await page.waitForFunction(
          (n) => document.querySelector('#rekey-verify-status-progress')?.textContent === `${n}/3`,
          i + 1,
        );
    }
    await page.waitForSelector('#rekey-complete');
    assert.equal((await page.content()).includes(newKeys[0]), false);

    // Seal; an old share is refused, the new shares unseal through the unseal page.
    assert.equal((await api(server.url, 'PUT', 'sys/seal', { token: rootToken })).status, 204);
    // The three old shares meet the new threshold in number but do not combine to the key.
    let last: Awaited<ReturnType<typeof api>> = { status: 0, json: {} };
    for (const key of oldKeys) last = await api(server.url, 'PUT', 'sys/unseal', { body: { key } });
    assert.equal(last.status, 400, 'old shares refused');
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.sealed, true);
    await api(server.url, 'PUT', 'sys/unseal', { body: { reset: true } });
    await page.goto(`${server.url}/ui/#/unseal`);
    await page.waitForSelector('#unseal-form');
    assert.equal(await page.textContent('#unseal-threshold'), '3 of 4 shares');
    for (const [i, key] of newKeys.slice(1, 4).entries()) {
      await page.fill('#unseal-key', key);
      await page.click('#unseal-submit');
      if (i < 2)
        await page.waitForFunction(
          (n) => document.querySelector('#unseal-progress')?.textContent === `${n}/3`,
          i + 1,
        );
    }
    await page.waitForSelector('#unseal-done');
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.sealed, false);
  });

  it('generates a root token with an OTP decoded in the browser; it works', async () => {
    await page.goto(`${server.url}/ui/#/generate-root`);
    await page.waitForSelector('#gr-start-form');
    await page.click('#gr-start');
    await page.waitForSelector('#gr-otp');
    const otp = (await page.textContent('#gr-otp')) ?? '';
    assert.ok(otp.length > 0);
    for (const key of newKeys.slice(0, 3)) {
      await page.fill('#gr-key', key);
      await page.click('#gr-submit');
      await page.waitForFunction(
        (k) =>
          document.querySelector('#gr-complete') !== null ||
          document.querySelector('#gr-progress')?.textContent?.startsWith(`${k}/`),
        newKeys.indexOf(key) + 1,
      );
    }
    await page.waitForSelector('#gr-encoded');
    await page.click('#gr-decode');
    await page.waitForSelector('#gr-token');
    const token = (await page.textContent('#gr-token')) ?? '';
    assert.equal(token.length, otp.length);
    assert.equal(await page.locator('#gr-otp').count(), 0, 'the OTP left the page once used');
    await screenshot(page, 'generate-root-decoded');
    const self = await api(server.url, 'GET', 'auth/token/lookup-self', { token });
    assert.equal(self.status, 200);
    assert.deepEqual(self.json.data.policies, ['root']);
  });

  it('generates a root token encrypted to a PGP key; gpg decrypts it to a working token', async () => {
    const gpg = new GpgHome();
    try {
      const key = gpg.generate('requester <requester@arca.test>');
      await page.click('#nav a[href="#/generate-root"]');
      await page.waitForSelector('#gr-start-form');
      await page.fill('#gr-pgp-text', key.publicKeyBase64);
      await page.click('#gr-start');
      await page.waitForSelector('#gr-update-form');
      assert.match((await page.textContent('#gr-status')) ?? '', new RegExp(key.fingerprint, 'i'));
      assert.equal(await page.locator('#gr-otp').count(), 0, 'no OTP with a PGP key');
      for (const [i, share] of newKeys.slice(1, 4).entries()) {
        await page.fill('#gr-key', share);
        await page.click('#gr-submit');
        if (i < 2)
          await page.waitForFunction(
            (n) => document.querySelector('#gr-progress')?.textContent === `${n}/3`,
            i + 1,
          );
      }
      await page.waitForSelector('#gr-encoded');
      assert.equal(await page.locator('#gr-decode-form').count(), 0, 'nothing to decode in the browser');
      const token = gpg.decrypt((await page.textContent('#gr-encoded')) ?? '').trim();
      const self = await api(server.url, 'GET', 'auth/token/lookup-self', { token });
      assert.deepEqual(self.json.data.policies, ['root']);
    } finally {
      gpg.close();
    }
  });

  it('follows another holder in generate-root, and a cancelled attempt leaves nothing behind', async () => {
    // Clicking the page's own nav link starts it afresh.
    await page.click('#nav a[href="#/generate-root"]');
    await page.waitForSelector('#gr-start-form');
    await page.click('#gr-start');
    await page.waitForSelector('#gr-update-form');
    // Another key holder submits from elsewhere: the page picks the progress up by itself.
    const nonce = (await api(server.url, 'GET', 'sys/generate-root/attempt')).json.nonce;
    await api(server.url, 'PUT', 'sys/generate-root/update', { body: { key: newKeys[0], nonce } });
    await page.waitForFunction(() => document.querySelector('#gr-progress')?.textContent === '1/3');
    await page.click('#gr-cancel');
    await page.waitForSelector('#gr-start-form');
    const status = await api(server.url, 'GET', 'sys/generate-root/attempt', { token: rootToken });
    assert.equal(status.json.started, false);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  });
});
