/**
 * Initialise page (`PUT sys/init`): number of shares, threshold, optional PGP keys (one per share,
 * so each holder's share comes back encrypted to them) and a PGP key for the root token. The keys
 * and root token are shown once; the operator can sign in with the root token right away.
 */
import { call, describe, read } from '../api.js';
import { field, h, intValue, notice, replace } from '../dom.js';
import type { PageContext } from '../page.js';
import { setToken } from '../session.js';
import { pgpKeysInput, showOnce } from './secrets.js';

/** Renders the initialise page. */
export async function initPage(ctx: PageContext): Promise<void> {
  const status = await read('sys/seal-status');
  if (status.initialized === true) {
    ctx.root.append(
      notice('info', 'This node is already initialised. ', h('a', { href: '#/unseal' }, 'Go to unseal')),
    );
    return;
  }
  const shares = h('input', {
    id: 'init-shares',
    type: 'number',
    min: 1,
    max: 255,
    value: 5,
    required: true,
  });
  const threshold = h('input', {
    id: 'init-threshold',
    type: 'number',
    min: 1,
    max: 255,
    value: 3,
    required: true,
  });
  const pgp = pgpKeysInput('init-pgp', 'PGP keys of the key holders (optional, one per share)');
  const rootPgp = pgpKeysInput('init-root-pgp', 'PGP key for the root token (optional)', true);
  const message = h('div', { id: 'init-message' });
  const form = h(
    'form',
    { id: 'init-form', class: 'card' },
    field('Key shares', shares, 'How many key holders receive a share.'),
    field('Key threshold', threshold, 'How many shares unseal the node.'),
    pgp.element,
    rootPgp.element,
    h('button', { type: 'submit', id: 'init-submit' }, 'Initialise'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
  ctx.root.append(form);

  async function submit(): Promise<void> {
    const body: Record<string, unknown> = {
      secret_shares: intValue(shares),
      secret_threshold: intValue(threshold),
    };
    const pgpKeys = await pgp.keys();
    if (pgpKeys.length > 0) body.pgp_keys = pgpKeys;
    const [rootKey, ...extra] = await rootPgp.keys();
    if (extra.length > 0) {
      replace(message, notice('error', 'Give one PGP key for the root token.'));
      return;
    }
    if (rootKey !== undefined) body.root_token_pgp_key = rootKey;
    replace(message, notice('info', 'Initialising…'));
    try {
      const result = await call('PUT', 'sys/init', { body });
      // PGP-encrypted shares are shown as base64 (`base64 -d | gpg --decrypt`), as Vault's CLI does.
      const shown = pgpKeys.length > 0 ? result.keys_base64 : result.keys;
      const keys: string[] = Array.isArray(shown) ? shown.map(String) : [];
      const rootToken = String(result.root_token ?? '');
      const items: [string, string][] = keys.map((k, i) => [
        pgpKeys.length > 0 ? `Key ${i + 1} (PGP-encrypted)` : `Key ${i + 1}`,
        k,
      ]);
      items.push([rootKey !== undefined ? 'Root token (PGP-encrypted)' : 'Root token', rootToken]);
      const next = h(
        'p',
        {},
        rootKey === undefined
          ? h(
              'button',
              {
                type: 'button',
                id: 'init-use-root',
                onclick: () => {
                  setToken(rootToken);
                  ctx.navigate('unseal');
                },
              },
              'Sign in with the root token and unseal',
            )
          : null,
        ' ',
        h('a', { href: '#/unseal', id: 'init-to-unseal' }, 'Continue to unseal'),
      );
      form.replaceWith(showOnce('init-keys', 'Initialised: unseal keys and root token', items, next));
      ctx.refreshStatus();
    } catch (err) {
      replace(message, notice('error', describe(err)));
    }
  }
}
