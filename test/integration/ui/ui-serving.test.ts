/// <reference lib="dom" />
// The page.evaluate() callbacks run in the browser.
/**
 * How the node serves the web UI (src/server/http/ui-routes.ts), over real HTTP: the security
 * headers and strict CSP on every UI response, no inline script or handler in the served HTML,
 * content types, ETag revalidation and gzip, Vault's redirects, the `ui` switch (off by default,
 * as in Vault), and that /v1/ behaves exactly as before (JSON 404s, LIST, no-store). The browser
 * check confirms Chromium enforces the CSP: an injected inline script does not run.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { uiContentSecurityPolicy } from '../../../src/server/http/ui-routes.js';
import { startServer } from '../../../src/server/main.js';
import { api, launchBrowser, NullSink, openPage, startUiServer, type UiServer } from './ui-harness.js';

/** A raw GET (no fetch normalisation of the path, no automatic decompression). */
function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const securityHeaders = {
  'content-security-policy': uiContentSecurityPolicy,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function assertSecurityHeaders(headers: Record<string, string | string[] | undefined>, what: string): void {
  for (const [name, value] of Object.entries(securityHeaders))
    assert.equal(headers[name], value, `${what}: ${name}`);
}

describe('serving the web UI (ui = true)', { timeout: 120_000 }, () => {
  let server: UiServer;
  before(async () => {
    server = await startUiServer({ storage: 'leveldb' });
  });
  after(async () => {
    await server?.stop();
  });

  it('the CSP is strict: self-only scripts and styles, no framing, no plugins, no base', () => {
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ])
      assert.ok(uiContentSecurityPolicy.split('; ').includes(directive), directive);
    assert.doesNotMatch(uiContentSecurityPolicy, /unsafe-inline|unsafe-eval|\*|data:|https?:/);
  });

  it('serves index.html with the security headers and no inline script or handler', async () => {
    const page = await rawGet(server.url, '/ui/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assertSecurityHeaders(page.headers, '/ui/');
    const html = page.body.toString('utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, body] of scripts) {
      assert.match(attributes, /\bsrc="\/ui\/[\w/-]+\.js"/, 'every script is a same-origin file');
      assert.equal(body.trim(), '', 'no inline script');
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
    assert.doesNotMatch(html, /javascript:|https?:\/\//i, 'no javascript: URL and no external resource');
  });

  it('serves scripts and styles with their content types, ETags (304) and gzip', async () => {
    const js = await rawGet(server.url, '/ui/main.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(js.headers, 'main.js');
    const etag = String(js.headers.etag);
    assert.match(etag, /^"sha256-[\w-]+"$/);
    const again = await rawGet(server.url, '/ui/main.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const zipped = await rawGet(server.url, '/ui/pages/kv.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    const css = await rawGet(server.url, '/ui/style.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const head = await rawGet(server.url, '/ui/main.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  it("redirects / and /ui to /ui/ (Vault's 307); unknown files are 404, client routes get index.html", async () => {
    for (const path of ['/', '/ui']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 307, path);
      assert.equal(res.headers.location, '/ui/');
    }
    const missing = await rawGet(server.url, '/ui/missing.js');
    assert.equal(missing.status, 404);
    assertSecurityHeaders(missing.headers, '404');
    const traversal = await rawGet(server.url, '/ui/..%2f..%2fpackage.json');
    assert.equal(traversal.status, 404);
    const route = await rawGet(server.url, '/ui/vault/secrets');
    assert.equal(route.status, 200);
    assert.match(route.body.toString('utf8'), /<script type="module" src="\/ui\/main.js">/);
  });

  it('leaves /v1/ as it was: JSON errors, no-store, LIST, ACL', async () => {
    const unknown = await rawGet(server.url, '/v1/ui/');
    assert.equal(unknown.headers['content-type'], 'application/json');
    assert.equal(unknown.headers['cache-control'], 'no-store');
    assert.equal(unknown.headers['content-security-policy'], undefined);
    const denied = await api(server.url, 'GET', 'secret/data/x');
    assert.ok(denied.status === 403 || denied.status === 503, `tokenless read refused (${denied.status})`);
    const list = await rawGet(server.url, '/ui/', {}, 'LIST');
    assert.equal(list.status, 404, 'LIST is not a UI method');
    assert.equal(list.headers['content-type'], 'application/json');
    const post = await rawGet(server.url, '/ui/', {}, 'DELETE');
    assert.equal(post.status, 404);
  });

  it('Chromium enforces the policy: an injected inline script does not run', async (t) => {
    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(browser);
      await page.goto(`${server.url}/ui/#/unseal`);
      await page.waitForSelector('#unseal-status table');
      // Reported, not asserted (no timed assertions): what a first load costs.
      const load = await page.evaluate(() => ({
        renderedMs: Math.round(performance.now()),
        files: performance.getEntriesByType('resource').filter((e) => e.name.includes('/ui/')).length + 1,
        bytes: (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .concat(performance.getEntriesByType('navigation') as PerformanceResourceTiming[])
          .reduce((sum, e) => sum + e.transferSize, 0),
      }));
      t.diagnostic(`first load of /ui/#/unseal: ${JSON.stringify(load)}`);
      const ran = await page.evaluate(async () => {
        const violation = new Promise<string>((resolve) =>
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {
            once: true,
          }),
        );
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.body.appendChild(script);
        return {
          directive: await violation,
          ran: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true,
        };
      });
      assert.equal(ran.ran, false);
      assert.match(ran.directive, /^script-src/);
      assert.ok(
        problems.some((p) => /Content Security Policy/.test(p)),
        'the violation was reported',
      );
    } finally {
      await browser.close();
    }
  });
});

describe('the ui switch', { timeout: 60_000 }, () => {
  it('dev mode serves the UI, as vault server -dev does', async () => {
    const server = await startServer({
      dev: true,
      devListenAddress: '127.0.0.1:0',
      logDestination: new NullSink(),
      print: () => undefined,
    });
    try {
      const res = await rawGet(server.addresses[0], '/ui/');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    } finally {
      await server.stop();
    }
  });

  it('without ui = true there is no UI: / and /ui/ are 404, the API works', async () => {
    const server = await startUiServer({ ui: false, storage: 'leveldb' });
    try {
      for (const path of ['/', '/ui/', '/ui/main.js']) {
        const res = await rawGet(server.url, path);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers['content-type'], 'application/json');
      }
      assert.equal((await api(server.url, 'GET', 'sys/seal-status')).status, 200);
    } finally {
      await server.stop();
    }
  });
});
