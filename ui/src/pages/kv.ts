/**
 * KV browser: the mounts of type `kv` (sys/mounts), then per mount its folders and secrets (LIST),
 * a secret's data, a form to write a new version (or overwrite, for v1), and delete. For KV v2 the
 * versions (metadata) are listed with their state and can be read, deleted, undeleted or
 * destroyed one by one. Route: `#/kv?mount=secret/&path=app/db`.
 */
import { call, describe, list, read, type Json } from '../api.js';
import { facts, field, h, notice, replace } from '../dom.js';
import type { PageContext } from '../page.js';

/** Renders the KV page. */
export async function kvPage(ctx: PageContext): Promise<void> {
  const mount = ctx.params.get('mount');
  if (mount === null) return mountsView(ctx);
  const mounts = await kvMounts();
  const version = mounts.get(mount);
  if (version === undefined) {
    ctx.root.append(notice('error', `${mount} is not a KV mount you can see.`));
    return;
  }
  const path = ctx.params.get('path') ?? '';
  ctx.root.append(breadcrumbs(mount, path));
  if (path === '' || path.endsWith('/')) return folderView(ctx, mount, version, path);
  return secretView(ctx, mount, version, path);
}

/** Mount path (`secret/`) → KV version (1 or 2). */
async function kvMounts(): Promise<Map<string, 1 | 2>> {
  const json = await read('sys/mounts');
  const table: Record<string, Json> = json.data ?? json;
  const mounts = new Map<string, 1 | 2>();
  for (const [path, entry] of Object.entries(table)) {
    if (entry === null || typeof entry !== 'object' || entry.type !== 'kv') continue;
    mounts.set(path, String(entry.options?.version ?? '1') === '2' ? 2 : 1);
  }
  return mounts;
}

const link = (mount: string, path = ''): string =>
  `#/kv?${new URLSearchParams(path === '' ? { mount } : { mount, path }).toString()}`;

/** `app/db config` → `app/db%20config` (each segment encoded, slashes kept). */
const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

function breadcrumbs(mount: string, path: string): HTMLElement {
  const parts = path.split('/').filter((p) => p !== '');
  const crumbs: (HTMLElement | string)[] = [
    h('a', { href: '#/kv' }, 'mounts'),
    ' / ',
    h('a', { href: link(mount) }, mount),
  ];
  let prefix = '';
  parts.forEach((part, i) => {
    const folder = i < parts.length - 1 || path.endsWith('/');
    prefix += folder ? `${part}/` : part;
    crumbs.push(' ', h('a', { href: link(mount, prefix) }, folder ? `${part}/` : part));
  });
  return h('nav', { class: 'crumbs', id: 'kv-crumbs' }, ...crumbs);
}

async function mountsView(ctx: PageContext): Promise<void> {
  const mounts = await kvMounts();
  if (mounts.size === 0) {
    ctx.root.append(notice('info', 'No KV mounts visible to this token.'));
    return;
  }
  ctx.root.append(
    h(
      'ul',
      { id: 'kv-mounts', class: 'listing' },
      ...[...mounts].map(([path, version]) =>
        h('li', {}, h('a', { href: link(path) }, path), h('small', {}, ` kv v${version}`)),
      ),
    ),
  );
}

async function folderView(ctx: PageContext, mount: string, version: 1 | 2, path: string): Promise<void> {
  const keys = await list(
    version === 2 ? `${mount}metadata/${encodePath(path)}` : `${mount}${encodePath(path)}`,
  );
  ctx.root.append(
    keys.length === 0
      ? notice('info', 'Nothing here yet.')
      : h(
          'ul',
          { id: 'kv-keys', class: 'listing' },
          ...keys.map((k) => h('li', {}, h('a', { href: link(mount, path + k) }, k))),
        ),
  );
  const name = h('input', {
    id: 'kv-new-path',
    type: 'text',
    required: true,
    placeholder: 'name or folder/name',
    spellcheck: 'false',
  });
  ctx.root.append(
    h('h2', {}, 'New secret'),
    writeForm(ctx, mount, version, () => path + name.value.trim(), {}, name),
  );
}

async function secretView(ctx: PageContext, mount: string, version: 1 | 2, path: string): Promise<void> {
  const wanted = ctx.params.get('version');
  const target = version === 2 ? `${mount}data/${encodePath(path)}` : `${mount}${encodePath(path)}`;
  let json: Json | undefined;
  try {
    json = await read(target, wanted === null ? undefined : { version: wanted });
  } catch (err) {
    ctx.root.append(notice('warn', describe(err)));
  }
  const data: Json = (version === 2 ? json?.data?.data : json?.data) ?? {};
  const meta: Json | undefined = version === 2 ? json?.data?.metadata : undefined;
  if (meta?.deletion_time)
    ctx.root.append(notice('warn', `Version ${meta.version} was deleted at ${meta.deletion_time}.`));
  if (json !== undefined) {
    ctx.root.append(
      facts(
        'kv-secret-data',
        Object.entries(data).map(([k, v]) => [
          k,
          h('code', { class: 'secret' }, typeof v === 'string' ? v : JSON.stringify(v)),
        ]),
      ),
    );
  }
  const actions = h('div', { class: 'actions' });
  const message = h('div', { id: 'kv-message' });
  const run = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await what();
      replace(message, notice('ok', done));
      ctx.navigate(`kv?${new URLSearchParams({ mount, path }).toString()}`);
    } catch (err) {
      replace(message, notice('error', describe(err)));
    }
  };
  actions.append(
    h(
      'button',
      {
        type: 'button',
        id: 'kv-delete',
        class: 'danger',
        onclick: () => void run(() => call('DELETE', target), 'Deleted.'),
      },
      version === 2 ? 'Delete latest version' : 'Delete',
    ),
  );
  ctx.root.append(actions, message);
  if (version === 2) ctx.root.append(await versionsView(mount, path, run));
  ctx.root.append(
    h('h2', {}, version === 2 ? 'Write a new version' : 'Overwrite'),
    writeForm(ctx, mount, version, () => path, data),
  );
}

type Run = (what: () => Promise<unknown>, done: string) => Promise<void>;

async function versionsView(mount: string, path: string, run: Run): Promise<HTMLElement> {
  let meta: Json;
  try {
    meta = (await read(`${mount}metadata/${encodePath(path)}`)).data ?? {};
  } catch (err) {
    return notice('warn', `Versions unavailable: ${describe(err)}`);
  }
  const versions = Object.entries((meta.versions ?? {}) as Record<string, Json>).sort(
    (a, b) => Number(b[0]) - Number(a[0]),
  );
  const op = (action: string, n: string): Promise<unknown> =>
    call('PUT', `${mount}${action}/${encodePath(path)}`, { body: { versions: [Number(n)] } });
  return h(
    'div',
    {},
    h('h2', {}, `Versions (current ${meta.current_version ?? '—'})`),
    h(
      'table',
      { id: 'kv-versions', class: 'grid' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Created'), h('th', {}, 'State'), h('th', {}, '')),
      ),
      h(
        'tbody',
        {},
        ...versions.map(([n, v]) =>
          h(
            'tr',
            { 'data-version': n },
            h(
              'td',
              {},
              h('a', { href: `#/kv?${new URLSearchParams({ mount, path, version: n }).toString()}` }, n),
            ),
            h('td', {}, String(v.created_time ?? '')),
            h('td', {}, v.destroyed ? 'destroyed' : v.deletion_time ? 'deleted' : 'live'),
            h(
              'td',
              {},
              v.destroyed
                ? null
                : v.deletion_time
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: () => void run(() => op('undelete', n), `Version ${n} restored.`),
                      },
                      'Undelete',
                    )
                  : h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: () => void run(() => op('delete', n), `Version ${n} deleted.`),
                      },
                      'Delete',
                    ),
              ' ',
              v.destroyed
                ? null
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      onclick: () => void run(() => op('destroy', n), `Version ${n} destroyed.`),
                    },
                    'Destroy',
                  ),
            ),
          ),
        ),
      ),
    ),
  );
}

function writeForm(
  ctx: PageContext,
  mount: string,
  version: 1 | 2,
  path: () => string,
  data: Json,
  name?: HTMLInputElement,
): HTMLFormElement {
  const text = h('textarea', { id: 'kv-data', rows: 6, spellcheck: 'false' });
  text.value = JSON.stringify(data, null, 2);
  const message = h('div', { id: 'kv-write-message' });
  const form = h(
    'form',
    { id: 'kv-write', class: 'card' },
    name ? field('Path', name) : null,
    field('Data (a JSON object)', text),
    h('button', { type: 'submit', id: 'kv-save' }, 'Save'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(text.value);
    } catch {
      replace(message, notice('error', 'Data must be valid JSON.'));
      return;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      replace(message, notice('error', 'Data must be a JSON object.'));
      return;
    }
    const target = path();
    if (target === '' || target.endsWith('/')) {
      replace(message, notice('error', 'Give the secret a name.'));
      return;
    }
    const api = version === 2 ? `${mount}data/${encodePath(target)}` : `${mount}${encodePath(target)}`;
    call('PUT', api, { body: version === 2 ? { data: body } : body })
      .then(() => ctx.navigate(`kv?${new URLSearchParams({ mount, path: target }).toString()}`))
      .catch((err: unknown) => replace(message, notice('error', describe(err))));
  });
  return form;
}
