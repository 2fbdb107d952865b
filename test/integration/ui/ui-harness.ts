/**
 * Fixtures for the web UI tests: a real, fresh (non-dev) Arca server in this process with
 * `ui = true` and single-node Raft storage in a temp dir, served on 127.0.0.1; headless Chromium
 * (the Debian `chromium` package, driven by playwright-core) with every wait bounded; a small API
 * caller for setup and cross-checks; and screenshots kept under test-artifacts/ui/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../../src/server/main.js';
import { freePort } from '../cluster/helpers.js';

/** Chromium's path: `ARCA_CHROMIUM`, else Debian's package (.ci/run installs it). */
export const chromiumPath = process.env.ARCA_CHROMIUM ?? '/usr/bin/chromium';

/** Bound of every single browser wait (a busy 2-core CI box; a broken UI fails at this bound). */
export const waitMs = 30_000;

/** Where screenshots go: `<repo>/test-artifacts/ui/` (this file runs from dist/test/integration/ui). */
export const artifactsDir = fileURLToPath(new URL('../../../../test-artifacts/ui/', import.meta.url));

/** Discards log lines (pass as `logDestination`). */
export class NullSink extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

/** A running UI server and its temp dir. */
export interface UiServer {
  url: string;
  server: RunningServer;
  stop(): Promise<void>;
}

/**
 * Starts a fresh server (not initialised, sealed) from an HCL file: Raft storage (one node, so the
 * cluster view has members and autopilot state), `ui` as given (default true).
 */
export async function startUiServer(
  options: { ui?: boolean; storage?: 'raft' | 'leveldb' } = {},
): Promise<UiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-ui-'));
  const apiPort = await freePort();
  const storage =
    options.storage === 'leveldb'
      ? `storage "leveldb" {\n  path = "${join(dir, 'data')}"\n}\n`
      : `storage "raft" {\n  path = "${join(dir, 'data')}"\n  node_id = "ui-node-1"\n}\n` +
        `cluster_addr = "http://127.0.0.1:${await freePort()}"\napi_addr = "http://127.0.0.1:${apiPort}"\n`;
  const file = join(dir, 'arca.hcl');
  await writeFile(
    file,
    `${storage}listener "tcp" {\n  address = "127.0.0.1:${apiPort}"\n  tls_disable = true\n}\n` +
      `ui = ${options.ui ?? true}\nlog_level = "error"\ndisable_mlock = true\n`,
  );
  let server: RunningServer;
  try {
    server = await startServer({ configFile: file, logDestination: new NullSink() });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.addresses[0],
    server,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Launches headless Chromium (`--no-sandbox`: the tests run as root). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: 60_000,
  });
}

/** A new page with bounded waits that records console errors, page errors and CSP violations. */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(waitMs);
  page.setDefaultNavigationTimeout(waitMs);
  const problems: string[] = [];
  page.on('console', (message) => {
    // A failed API call shows as a console error for its 4xx; only script and CSP problems count.
    if (message.type() === 'error' && !/status of [45]\d\d/.test(message.text()))
      problems.push(message.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { page, problems };
}

/** Saves a full-page screenshot as `test-artifacts/ui/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** One API call (setup and cross-checks); resolves to status and parsed body. */
export async function api(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- cross-checks read Vault's JSON loosely
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['x-vault-token'] = options.token;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}/v1/${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(waitMs),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : JSON.parse(text) };
}

/** The texts of all elements matching `selector`. */
export async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}
