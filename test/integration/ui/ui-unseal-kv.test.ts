/// <reference lib="dom" />
// The page.evaluate() callbacks run in the browser.
/**
 * The web UI in headless Chromium against a fresh (non-dev) server: initialise with three shares
 * (threshold 2), the whole unseal ceremony through the browser (progress, nonce, reset, a share
 * field cleared right after each submission), sign in, the cluster view, and a KV v2 write/read
 * with versions. Screenshots land in test-artifacts/ui/. Every browser wait is bounded (waitMs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  api,
  launchBrowser,
  openPage,
  screenshot,
  startUiServer,
  texts,
  type UiServer,
} from './ui-harness.js';

describe('web UI: initialise, unseal ceremony, sign in, cluster view, KV', { timeout: 300_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let keys: string[] = [];
  let rootToken = '';

  before(async () => {
    server = await startUiServer();
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a fresh node opens on the initialise page and initialises with 3 shares, threshold 2', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/ui\/#\/init$/);
    await page.fill('#init-shares', '3');
    await page.fill('#init-threshold', '2');
    await page.click('#init-submit');
    await page.waitForSelector('#init-keys');
    const shown = await texts(page, '#init-keys code.secret');
    assert.equal(shown.length, 4, 'three keys and the root token');
    keys = shown.slice(0, 3);
    rootToken = shown[3];
    for (const key of keys) assert.match(key, /^[0-9a-f]{66}$/);
    const status = await api(server.url, 'GET', 'sys/seal-status');
    assert.deepEqual(
      [status.json.initialized, status.json.sealed, status.json.t, status.json.n],
      [true, true, 2, 3],
    );
    // "I have saved them" removes every key from the page.
    await page.click('#init-keys-done');
    await page.waitForSelector('#init-keys code.secret', { state: 'detached' });
    assert.equal((await page.content()).includes(keys[0]), false);
  });

  it('unseals with three shares through the unseal page: progress, nonce, reset, fields cleared', async () => {
    await page.click('#init-to-unseal');
    await page.waitForSelector('#unseal-form');
    assert.equal(await page.textContent('#unseal-progress'), '0/2');
    assert.equal(await page.getAttribute('#unseal-key', 'type'), 'password');

    await page.fill('#unseal-key', keys[0]);
    await page.click('#unseal-submit');
    await page.waitForFunction(() => document.querySelector('#unseal-progress')?.textContent === '1/2');
    assert.equal(await page.inputValue('#unseal-key'), '', 'the share left the field');
    assert.equal((await page.content()).includes(keys[0]), false, 'the share is nowhere in the DOM');
    const status = await api(server.url, 'GET', 'sys/seal-status');
    assert.equal(status.json.progress, 1);
    assert.equal(
      await page.textContent('#unseal-nonce'),
      status.json.nonce,
      'the page shows the ceremony nonce',
    );
    await screenshot(page, 'unseal-mid-ceremony');

    await page.click('#unseal-reset');
    await page.waitForFunction(() => document.querySelector('#unseal-progress')?.textContent === '0/2');
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.progress, 0);

    // A malformed share: the server's refusal is shown, the field is emptied, progress unchanged.
    await page.fill('#unseal-key', 'zz-not-a-share');
    await page.click('#unseal-submit');
    await page.waitForSelector('#unseal-message .notice.error');
    assert.equal(await page.inputValue('#unseal-key'), '');
    assert.equal(await page.textContent('#unseal-progress'), '0/2');

    await page.fill('#unseal-key', keys[1]);
    await page.click('#unseal-submit');
    await page.waitForFunction(() => document.querySelector('#unseal-progress')?.textContent === '1/2');
    await page.fill('#unseal-key', keys[2]);
    await page.click('#unseal-submit');
    await page.waitForSelector('#unseal-done');
    assert.equal(await page.textContent('#unseal-sealed'), 'no');
    assert.equal((await api(server.url, 'GET', 'sys/seal-status')).json.sealed, false);
    await page.waitForFunction(() =>
      document.querySelector('#node-seal-badge')?.textContent?.startsWith('unsealed'),
    );
  });

  it('a wrong token is refused with the server message and the field is cleared', async () => {
    await page.goto(`${server.url}/ui/#/login`);
    await page.fill('#login-token', 'not-a-token');
    await page.click('#login-submit');
    await page.waitForSelector('#login-message .notice.error');
    assert.match((await page.textContent('#login-message')) ?? '', /permission denied|403/);
    assert.equal(await page.inputValue('#login-token'), '');
  });

  it('signs in with the root token, kept in memory only (no Web Storage, no cookie)', async () => {
    await page.fill('#login-token', rootToken);
    await page.click('#login-submit');
    await page.waitForSelector('#page-kv');
    const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert.deepEqual(stored, [0, 0, '']);
    assert.equal((await page.content()).includes(rootToken), false);
  });

  it('shows the cluster: this node, members with voter/leader, autopilot', async () => {
    await page.goto(`${server.url}/ui/#/cluster`);
    await page.waitForSelector('#cluster-members');
    // A reload signs the tab out (the token lived in memory only): no members without a token.
    await page.reload();
    await page.waitForSelector('#cluster-self');
    await page.waitForSelector('#page-cluster .notice a[href="#/login"]');
    assert.equal(await page.locator('#cluster-members').count(), 0);
    await page.goto(`${server.url}/ui/#/login?next=cluster`);
    await page.fill('#login-token', rootToken);
    await page.click('#login-submit');
    await page.waitForSelector('#cluster-members tr[data-node="ui-node-1"]');
    const row = await texts(page, '#cluster-members tr[data-node="ui-node-1"] td');
    assert.equal(row[0], 'ui-node-1');
    assert.equal(row[1], server.url);
    assert.equal(row[4], 'yes', 'voter');
    assert.equal(row[7], 'unsealed (this node)');
    await page.waitForSelector('#cluster-autopilot');
    assert.equal(await page.textContent('#autopilot-healthy'), 'yes');
    assert.equal(await page.textContent('#cluster-self-sealed'), 'no');
    await screenshot(page, 'cluster-view');
  });

  it('writes and reads a KV v2 secret, lists it, writes a version and deletes one', async () => {
    const mounted = await api(server.url, 'POST', 'sys/mounts/secret', {
      token: rootToken,
      body: { type: 'kv', options: { version: '2' } },
    });
    assert.equal(mounted.status, 204);
    await page.click('#nav a[href="#/kv"]');
    await page.waitForSelector('#kv-mounts a[href*="secret"]');
    await page.click('#kv-mounts a[href*="secret"]');
    await page.waitForSelector('#kv-new-path');
    await page.fill('#kv-new-path', 'app/db');
    await page.fill('#kv-data', '{"password": "correct horse", "port": 5432}');
    await page.click('#kv-save');
    await page.waitForSelector('#kv-secret-data');
    const read = await api(server.url, 'GET', 'secret/data/app/db', { token: rootToken });
    assert.deepEqual(
      read.json.data.data,
      { password: 'correct horse', port: 5432 },
      'written through the UI',
    );
    assert.deepEqual(await texts(page, '#kv-secret-data th'), ['password', 'port']);
    assert.deepEqual(await texts(page, '#kv-secret-data td'), ['correct horse', '5432']);

    // A second version written by someone else, then through the UI: the page lists three.
    await api(server.url, 'POST', 'secret/data/app/db', {
      token: rootToken,
      body: { data: { password: 'v2' } },
    });
    await page.reload();
    await page.goto(`${server.url}/ui/#/login?next=${encodeURIComponent('kv?mount=secret/&path=app/db')}`);
    await page.fill('#login-token', rootToken);
    await page.click('#login-submit');
    await page.waitForSelector('#kv-versions tr[data-version="2"]');
    assert.deepEqual(await texts(page, '#kv-secret-data td'), ['v2']);
    await page.fill('#kv-data', '{"password": "v3"}');
    await page.click('#kv-save');
    await page.waitForSelector('#kv-versions tr[data-version="3"]');
    assert.equal(
      (await api(server.url, 'GET', 'secret/data/app/db', { token: rootToken })).json.data.data.password,
      'v3',
    );

    // Reading an older version, then deleting version 1.
    await page.click('#kv-versions tr[data-version="1"] a');
    await page.waitForFunction(
      () => document.querySelector('#kv-secret-data td')?.textContent === 'correct horse',
    );
    await page.click('#kv-versions tr[data-version="1"] button:has-text("Delete")');
    await page.waitForFunction(
      () =>
        document.querySelector('#kv-versions tr[data-version="1"] td:nth-child(3)')?.textContent ===
        'deleted',
    );
    const meta = await api(server.url, 'GET', 'secret/metadata/app/db', { token: rootToken });
    assert.notEqual(meta.json.data.versions['1'].deletion_time, '');

    // The folder listing shows the secret.
    await page.click('#kv-crumbs a:has-text("app/")');
    await page.waitForSelector('#kv-keys a:has-text("db")');
    await page.click('#kv-keys a:has-text("db")');
    await page.waitForSelector('#kv-versions');
    await screenshot(page, 'kv-secret');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  });
});
