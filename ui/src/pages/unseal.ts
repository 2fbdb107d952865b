/**
 * Unseal page: this node's seal status (threshold, progress, nonce), a password field for one
 * share, and reset. The share goes only to this node (`PUT /v1/sys/unseal` on this origin; a
 * standby answers unseal itself, it never forwards it) and is removed from the field before the
 * request is sent. The status refreshes every few seconds so each holder sees the ceremony advance.
 */
import { call, describe, read, type Json } from '../api.js';
import { facts, field, h, notice, replace } from '../dom.js';
import { every, type PageContext } from '../page.js';
import { shareInput, takeSecret } from './secrets.js';

/** Renders the unseal page. */
export async function unsealPage(ctx: PageContext): Promise<void> {
  const statusBox = h('div', { id: 'unseal-status' });
  const message = h('div', { id: 'unseal-message' });
  const key = shareInput('unseal-key');
  const form = h(
    'form',
    { id: 'unseal-form', class: 'card' },
    field('Unseal key share', key, 'Hex or base64. Sent only to this node, then cleared from the page.'),
    h('button', { type: 'submit', id: 'unseal-submit' }, 'Submit share'),
    ' ',
    h(
      'button',
      { type: 'button', id: 'unseal-reset', class: 'secondary', onclick: () => void reset() },
      'Reset progress',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const share = takeSecret(key);
    if (share === '') return;
    void submit({ key: share });
  });
  ctx.root.append(statusBox, message, form);

  function show(status: Json): void {
    const t = Number(status.t ?? 0);
    const progress = Number(status.progress ?? 0);
    replace(
      statusBox,
      facts('seal-status', [
        ['Initialised', status.initialized ? 'yes' : 'no'],
        ['Sealed', h('span', { id: 'unseal-sealed' }, status.sealed ? 'yes' : 'no')],
        ['Threshold', h('span', { id: 'unseal-threshold' }, `${t} of ${status.n ?? 0} shares`)],
        [
          'Progress',
          h(
            'span',
            {},
            h('progress', { max: t || 1, value: progress }),
            ' ',
            h('span', { id: 'unseal-progress' }, `${progress}/${t}`),
          ),
        ],
        ['Nonce', h('code', { id: 'unseal-nonce' }, status.nonce ? String(status.nonce) : '—')],
        ['Seal type', String(status.type ?? '')],
        ['Version', String(status.version ?? '')],
        ['Cluster', String(status.cluster_name ?? '')],
      ]),
    );
    form.hidden = status.sealed !== true || status.initialized !== true;
    if (status.initialized !== true)
      replace(
        message,
        notice('warn', 'This node is not initialised. ', h('a', { href: '#/init' }, 'Initialise it')),
      );
    else if (status.sealed !== true)
      replace(
        message,
        h('div', { id: 'unseal-done' }, notice('ok', 'Unsealed. ', h('a', { href: '#/login' }, 'Sign in'))),
      );
  }

  async function submit(body: Json): Promise<void> {
    replace(message, notice('info', 'Submitting…'));
    try {
      const status = await call('PUT', 'sys/unseal', { body });
      if (status.sealed === true)
        replace(message, notice('ok', body.reset ? 'Progress reset.' : 'Share accepted.'));
      show(status);
      ctx.refreshStatus();
    } catch (err) {
      replace(message, notice('error', describe(err)));
    }
  }

  async function reset(): Promise<void> {
    key.value = '';
    await submit({ reset: true });
  }

  show(await read('sys/seal-status'));
  every(ctx, 3000, async () => {
    if (!document.activeElement || document.activeElement !== key || key.value === '') {
      try {
        show(await read('sys/seal-status'));
      } catch {
        /* the next tick tries again */
      }
    }
  });
}
