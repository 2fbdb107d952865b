/**
 * Generate-root ceremony (`sys/generate-root/*`): start an attempt (the server returns a one-time
 * password, or encrypts the result to a given PGP key), each holder submits a share with the
 * attempt's nonce, and at the quorum the encoded token is shown. With an OTP the page decodes it
 * here, in the browser (otp.ts), so the plain root token never crosses the network. Cancel drops
 * the attempt.
 */
import { call, describe, read, type Json } from '../api.js';
import { facts, field, h, notice, replace } from '../dom.js';
import { decodeRootToken } from '../otp.js';
import { every, type PageContext } from '../page.js';
import { setToken } from '../session.js';
import { pgpKeysInput, shareInput, takeSecret } from './secrets.js';

/** The OTP of the attempt this page started (memory only; gone when the page is left). */
let attemptOtp: string | undefined;

/** Renders the generate-root page. */
export async function generateRootPage(ctx: PageContext): Promise<void> {
  const box = h('div', { id: 'gr' });
  const message = h('div', { id: 'gr-message' });
  ctx.root.append(message, box);
  ctx.onLeave(() => (attemptOtp = undefined));
  const fail = (err: unknown): void => replace(message, notice('error', describe(err)));
  /** True while a share is on its way: the poller must not redraw under the answer. */
  let busy = false;
  await refresh();
  // Other holders submit from their own browsers: follow the progress while the share step is
  // shown and its field is empty.
  every(ctx, 3000, async () => {
    const field = box.querySelector<HTMLInputElement>('#gr-key');
    const idle = (): boolean => field !== null && box.contains(field) && field.value === '' && !busy;
    if (idle()) await refresh(idle).catch(() => undefined);
  });

  /** Re-reads the attempt and shows its step, unless `stillWanted` says the page moved on meanwhile. */
  async function refresh(stillWanted: () => boolean = () => true): Promise<void> {
    const status = await read('sys/generate-root/attempt');
    if (!stillWanted()) return;
    if (status.started !== true) replace(box, startForm());
    else replace(box, progressStep(status));
  }

  function startForm(): HTMLElement {
    const pgp = pgpKeysInput(
      'gr-pgp',
      'PGP key to encrypt the new root token to (optional; otherwise a one-time password is used)',
      true,
    );
    const form = h(
      'form',
      { id: 'gr-start-form', class: 'card' },
      pgp.element,
      h('button', { type: 'submit', id: 'gr-start' }, 'Start generating a root token'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        const [pgpKey] = await pgp.keys();
        const status = await call('PUT', 'sys/generate-root/attempt', {
          body: pgpKey === undefined ? {} : { pgp_key: pgpKey },
        });
        attemptOtp = typeof status.otp === 'string' && status.otp !== '' ? status.otp : undefined;
        replace(box, progressStep(status));
        replace(
          message,
          attemptOtp === undefined
            ? notice('ok', 'Attempt started; the token will be encrypted to the PGP key.')
            : notice(
                'warn',
                'One-time password (shown once; needed to decode the token): ',
                h('code', { id: 'gr-otp', class: 'secret' }, attemptOtp),
              ),
        );
      })().catch(fail);
    });
    return form;
  }

  function progressStep(status: Json): HTMLElement {
    const key = shareInput('gr-key');
    const form = h(
      'form',
      { id: 'gr-update-form', class: 'card' },
      field('Unseal key share', key, 'Cleared from the page as soon as it is submitted.'),
      h('button', { type: 'submit', id: 'gr-submit' }, 'Submit share'),
      ' ',
      h(
        'button',
        { type: 'button', id: 'gr-cancel', class: 'danger', onclick: () => void cancel() },
        'Cancel attempt',
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const share = takeSecret(key);
      if (share === '') return;
      busy = true;
      call('PUT', 'sys/generate-root/update', { body: { key: share, nonce: status.nonce } })
        .then((result) => {
          if (result.complete === true) replace(box, completed(result));
          else replace(box, progressStep(result));
        })
        .catch(fail)
        .finally(() => (busy = false));
    });
    return h(
      'div',
      {},
      facts('gr-status', [
        ['Nonce', h('code', { id: 'gr-nonce' }, String(status.nonce ?? ''))],
        ['Progress', h('span', { id: 'gr-progress' }, `${status.progress ?? 0}/${status.required ?? 0}`)],
        [
          'Protected by',
          status.pgp_fingerprint
            ? `PGP key ${status.pgp_fingerprint}`
            : `one-time password (${status.otp_length ?? '?'} characters)`,
        ],
      ]),
      form,
    );
  }

  function completed(result: Json): HTMLElement {
    const encoded = String(result.encoded_token ?? result.encoded_root_token ?? '');
    const out = h(
      'div',
      { id: 'gr-complete' },
      notice('ok', 'Root token generated.'),
      facts('gr-result', [['Encoded token', h('code', { id: 'gr-encoded', class: 'secret' }, encoded)]]),
    );
    if (result.pgp_fingerprint) {
      out.append(
        notice(
          'info',
          `Encrypted to PGP key ${result.pgp_fingerprint}: decrypt with \`echo <token> | base64 -d | gpg --decrypt\`.`,
        ),
      );
      return out;
    }
    out.append(decodeForm(encoded));
    return out;
  }

  function decodeForm(encoded: string): HTMLElement {
    const otp = h('input', {
      id: 'gr-decode-otp',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
    });
    if (attemptOtp !== undefined) otp.value = attemptOtp;
    const result = h('div', { id: 'gr-decoded' });
    const form = h(
      'form',
      { id: 'gr-decode-form', class: 'card' },
      field('One-time password', otp, 'Decoded here in the browser; nothing is sent.'),
      h('button', { type: 'submit', id: 'gr-decode' }, 'Decode'),
      result,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      try {
        const token = decodeRootToken(encoded, takeSecret(otp));
        attemptOtp = undefined;
        replace(message); // the OTP has served its purpose
        replace(
          result,
          facts('gr-token-facts', [['Root token', h('code', { id: 'gr-token', class: 'secret' }, token)]]),
          h(
            'button',
            { type: 'button', id: 'gr-use', onclick: () => (setToken(token), ctx.navigate('cluster')) },
            'Sign in with it',
          ),
        );
      } catch (err) {
        replace(result, notice('error', describe(err)));
      }
    });
    return form;
  }

  async function cancel(): Promise<void> {
    try {
      await call('DELETE', 'sys/generate-root/attempt');
      attemptOtp = undefined;
      replace(message, notice('ok', 'Attempt cancelled.'));
      await refresh();
    } catch (err) {
      fail(err);
    }
  }
}
