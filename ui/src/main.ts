/**
 * The UI's entry point: a hash router (`#/unseal`, `#/kv?mount=secret/`) over the pages, the
 * navigation bar and this node's seal status in the header. With no route it picks the first
 * thing an operator needs: initialise, unseal, sign in, or the cluster view.
 */
import { describe, read } from './api.js';
import { h, replace } from './dom.js';
import type { Page, PageContext } from './page.js';
import { clusterPage } from './pages/cluster.js';
import { generateRootPage } from './pages/generate-root.js';
import { initPage } from './pages/init.js';
import { kvPage } from './pages/kv.js';
import { loginPage } from './pages/login.js';
import { rekeyPage } from './pages/rekey.js';
import { unsealPage } from './pages/unseal.js';
import { currentToken, onTokenChange, setToken } from './session.js';

const pages: Record<string, { title: string; page: Page }> = {
  init: { title: 'Initialise', page: initPage },
  unseal: { title: 'Unseal', page: unsealPage },
  login: { title: 'Sign in', page: loginPage },
  cluster: { title: 'Cluster', page: clusterPage },
  kv: { title: 'Secrets', page: kvPage },
  rekey: { title: 'Rekey', page: rekeyPage },
  'generate-root': { title: 'Generate root', page: generateRootPage },
};

let leaveCurrent: (() => void)[] = [];

function navigate(route: string): void {
  const target = `#/${route}`;
  if (location.hash === target) void render();
  else location.hash = target;
}

async function defaultRoute(): Promise<string> {
  try {
    const status = await read('sys/seal-status');
    if (status.initialized !== true) return 'init';
    if (status.sealed === true) return 'unseal';
  } catch {
    return 'unseal';
  }
  return currentToken() === undefined ? 'login' : 'cluster';
}

async function render(): Promise<void> {
  for (const cleanup of leaveCurrent) cleanup();
  leaveCurrent = [];
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?', 2);
  if (!(path in pages)) {
    navigate(await defaultRoute());
    return;
  }
  const app = document.getElementById('app')!;
  const root = h('section', { class: 'page', id: `page-${path}` });
  replace(app, h('h1', {}, pages[path].title), root);
  document.title = `${pages[path].title} · Arca`;
  renderNav(path);
  const cleanups = leaveCurrent;
  const ctx: PageContext = {
    root,
    onLeave: (cleanup) => cleanups.push(cleanup),
    navigate,
    refreshStatus: () => void refreshStatus(),
    params: new URLSearchParams(query ?? ''),
  };
  void refreshStatus();
  try {
    await pages[path].page(ctx);
  } catch (err) {
    root.append(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
  }
}

function renderNav(active: string): void {
  const nav = document.getElementById('nav')!;
  // A click on the page already shown starts it afresh (the hash does not change, so no hashchange).
  const again = (event: Event): void => {
    if ((event.currentTarget as HTMLAnchorElement).getAttribute('href') !== location.hash) return;
    event.preventDefault();
    void render();
  };
  const links = Object.entries(pages).map(([route, { title }]) =>
    h('a', { href: `#/${route}`, class: route === active ? 'active' : undefined, onclick: again }, title),
  );
  const signedIn = currentToken() !== undefined;
  const out = signedIn
    ? h('button', { type: 'button', id: 'logout', class: 'link', onclick: signOut }, 'Sign out')
    : null;
  replace(nav, ...links, out);
}

function signOut(): void {
  setToken(undefined);
  navigate('login');
}

async function refreshStatus(): Promise<void> {
  const target = document.getElementById('node-status')!;
  try {
    const s = await read('sys/seal-status');
    const text = !s.initialized
      ? 'not initialised'
      : s.sealed
        ? `sealed (${s.progress}/${s.t})`
        : `unsealed${s.cluster_name ? ` · ${s.cluster_name}` : ''}`;
    replace(target, h('span', { class: s.sealed ? 'badge bad' : 'badge good', id: 'node-seal-badge' }, text));
  } catch (err) {
    replace(target, h('span', { class: 'badge bad' }, describe(err)));
  }
}

onTokenChange(() => {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  renderNav(path);
});
window.addEventListener('hashchange', () => void render());
void render();
