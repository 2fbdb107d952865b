/**
 * Rekey ceremony (`sys/rekey/*`): start an attempt with the new share count, threshold, optional
 * PGP keys, backup and verification; each holder of a CURRENT share submits it with the attempt's
 * nonce; at the quorum the new shares are shown once; when verification is required, holders of the
 * NEW shares then submit them (`sys/rekey/verify`) and only then does the new split take effect.
 * Cancel drops the attempt (or restarts verification) at any step.
 */
import { call, describe, read, type Json } from '../api.js';
import { facts, field, h, intValue, notice, replace } from '../dom.js';
import { every, type PageContext } from '../page.js';
import { pgpKeysInput, shareInput, showOnce, takeSecret } from './secrets.js';

/** Renders the rekey page. */
export async function rekeyPage(ctx: PageContext): Promise<void> {
  const box = h('div', { id: 'rekey' });
  const message = h('div', { id: 'rekey-message' });
  ctx.root.append(message, box);
  await refresh();
  // Other holders submit from their own browsers: follow the progress while a share step is shown
  // and its field is empty (never while new keys are on screen or a form is being filled).
  every(ctx, 3000, async () => {
    const field = box.querySelector<HTMLInputElement>('#rekey-key, #rekey-verify-key');
    const idle = (): boolean => field !== null && box.contains(field) && field.value === '' && !busy;
    if (idle()) await refresh(idle).catch(() => undefined);
  });

  /** Re-reads the attempt and shows its step, unless `stillWanted` says the page moved on meanwhile. */
  async function refresh(stillWanted: () => boolean = () => true): Promise<void> {
    const status = await read('sys/rekey/init');
    const verify =
      status.started === true && status.verification_required === true
        ? await read('sys/rekey/verify').catch(() => undefined)
        : undefined;
    if (!stillWanted()) return;
    if (status.started !== true) return replace(box, initForm());
    if (verify?.nonce) return replace(box, verifyStep(verify));
    replace(box, progressStep(status));
  }

  const fail = (err: unknown): void => replace(message, notice('error', describe(err)));
  /** True while a share is on its way: the poller must not redraw under the answer. */
  let busy = false;

  function initForm(): HTMLElement {
    const shares = h('input', {
      id: 'rekey-shares',
      type: 'number',
      min: 1,
      max: 255,
      value: 5,
      required: true,
    });
    const threshold = h('input', {
      id: 'rekey-threshold',
      type: 'number',
      min: 1,
      max: 255,
      value: 3,
      required: true,
    });
    const pgp = pgpKeysInput('rekey-pgp', 'PGP keys of the new key holders (optional, one per share)');
    const backup = h('input', { id: 'rekey-backup', type: 'checkbox' });
    const verification = h('input', { id: 'rekey-verify', type: 'checkbox', checked: true });
    const form = h(
      'form',
      { id: 'rekey-init-form', class: 'card' },
      h(
        'p',
        {},
        'Start a rekey: the key is re-split into new shares. Holders of the current shares approve it.',
      ),
      field('New key shares', shares),
      field('New key threshold', threshold),
      pgp.element,
      h('label', { class: 'check' }, backup, ' Keep a backup of the PGP-encrypted shares (needs PGP keys)'),
      h(
        'label',
        { class: 'check' },
        verification,
        ' Require verification with the new shares before they take effect',
      ),
      h('button', { type: 'submit', id: 'rekey-start' }, 'Start rekey'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        const body: Json = {
          secret_shares: intValue(shares),
          secret_threshold: intValue(threshold),
          backup: backup.checked,
          require_verification: verification.checked,
        };
        const keys = await pgp.keys();
        if (keys.length > 0) body.pgp_keys = keys;
        await call('PUT', 'sys/rekey/init', { body });
        replace(message, notice('ok', 'Rekey started.'));
        await refresh();
      })().catch(fail);
    });
    return form;
  }

  function progressStep(status: Json): HTMLElement {
    const key = shareInput('rekey-key');
    const form = h(
      'form',
      { id: 'rekey-update-form', class: 'card' },
      field('A CURRENT unseal key share', key, 'Cleared from the page as soon as it is submitted.'),
      h('button', { type: 'submit', id: 'rekey-submit' }, 'Submit share'),
      ' ',
      h(
        'button',
        { type: 'button', id: 'rekey-cancel', class: 'danger', onclick: () => void cancel('sys/rekey/init') },
        'Cancel rekey',
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const share = takeSecret(key);
      if (share === '') return;
      busy = true;
      call('PUT', 'sys/rekey/update', { body: { key: share, nonce: status.nonce } })
        .then((result) =>
          result.complete === true
            ? completed(result)
            : refresh().then(() => replace(message, notice('ok', 'Share accepted.'))),
        )
        .catch(fail)
        .finally(() => (busy = false));
    });
    return h('div', {}, statusFacts('rekey-status', status), form);
  }

  function completed(result: Json): void {
    const fingerprints: string[] = (result.pgp_fingerprints ?? []).map(String);
    // PGP-encrypted shares are shown as base64 (`base64 -d | gpg --decrypt`), as Vault's CLI does.
    const keys: string[] = ((fingerprints.length > 0 ? result.keys_base64 : result.keys) ?? []).map(String);
    const items = keys.map((k, i): [string, string] => [
      fingerprints[i] ? `Key ${i + 1} (PGP ${fingerprints[i]})` : `Key ${i + 1}`,
      k,
    ]);
    const next = result.verification_required
      ? h(
          'button',
          { type: 'button', id: 'rekey-to-verify', onclick: () => void refresh().catch(fail) },
          'Continue to verification',
        )
      : notice('ok', 'Rekey complete: the new shares are in effect; the old ones no longer unseal.');
    replace(
      message,
      notice(
        'ok',
        result.verification_required
          ? 'New shares generated; verify them to make them take effect.'
          : 'Rekey complete.',
      ),
    );
    replace(box, showOnce('rekey-new-keys', 'New unseal key shares', items, next));
  }

  function verifyStep(verify: Json): HTMLElement {
    const key = shareInput('rekey-verify-key');
    const form = h(
      'form',
      { id: 'rekey-verify-form', class: 'card' },
      h(
        'p',
        {},
        'Verification: holders of the NEW shares submit them. The old shares keep working until this completes.',
      ),
      field('A NEW unseal key share', key),
      h('button', { type: 'submit', id: 'rekey-verify-submit' }, 'Verify share'),
      ' ',
      h(
        'button',
        {
          type: 'button',
          id: 'rekey-verify-cancel',
          class: 'secondary',
          onclick: () => void cancel('sys/rekey/verify'),
        },
        'Restart verification',
      ),
      ' ',
      h(
        'button',
        { type: 'button', id: 'rekey-cancel', class: 'danger', onclick: () => void cancel('sys/rekey/init') },
        'Cancel rekey',
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const share = takeSecret(key);
      if (share === '') return;
      busy = true;
      call('PUT', 'sys/rekey/verify', { body: { key: share, nonce: verify.nonce } })
        .then(async (result) => {
          if (result.complete === true) {
            replace(
              box,
              h(
                'div',
                { id: 'rekey-complete' },
                notice(
                  'ok',
                  'Rekey verified and complete: the new shares are in effect; the old ones no longer unseal.',
                ),
              ),
            );
            replace(message);
          } else {
            await refresh();
            replace(message, notice('ok', 'Share verified.'));
          }
        })
        .catch(fail)
        .finally(() => (busy = false));
    });
    return h('div', {}, statusFacts('rekey-verify-status', verify), form);
  }

  async function cancel(path: string): Promise<void> {
    try {
      await call('DELETE', path);
      replace(
        message,
        notice('ok', path.endsWith('verify') ? 'Verification restarted.' : 'Rekey cancelled.'),
      );
      await refresh();
    } catch (err) {
      fail(err);
    }
  }
}

/** The attempt's facts; the verification status (`sys/rekey/verify`) has only nonce, split and progress. */
function statusFacts(id: string, status: Json): HTMLElement {
  const verifying = id === 'rekey-verify-status';
  const required = Number(verifying ? status.t : (status.required ?? 0));
  const rows: [string, HTMLElement | string][] = [
    ['Nonce', h('code', { id: `${id}-nonce` }, String(status.nonce ?? ''))],
    [
      verifying ? 'New shares verified' : 'Current shares submitted',
      h('span', { id: `${id}-progress` }, `${status.progress ?? 0}/${required}`),
    ],
    ['New split', `${status.t} of ${status.n}`],
  ];
  if (!verifying)
    rows.push(
      ['Verification', status.verification_required ? 'required' : 'not required'],
      ['Backup', status.backup ? 'yes' : 'no'],
      ['PGP fingerprints', (status.pgp_fingerprints ?? []).join(', ') || '—'],
    );
  return facts(id, rows);
}
