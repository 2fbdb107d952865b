/**
 * Sign-in page: a token in a password field, checked with `auth/token/lookup-self` before it is
 * kept (in memory only, see session.ts). Shows who is signed in when a token is already held.
 */
import { describe, read } from '../api.js';
import { facts, field, h, notice, replace } from '../dom.js';
import type { PageContext } from '../page.js';
import { currentToken, setToken } from '../session.js';
import { takeSecret } from './secrets.js';

/** Renders the sign-in page. */
export async function loginPage(ctx: PageContext): Promise<void> {
  const message = h('div', { id: 'login-message' });
  if (currentToken() !== undefined) {
    try {
      const self = await read('auth/token/lookup-self');
      ctx.root.append(
        notice('ok', 'Signed in.'),
        facts('login-self', [
          ['Display name', String(self.data?.display_name ?? '')],
          ['Policies', (self.data?.policies ?? []).join(', ')],
          ['TTL', self.data?.ttl === 0 ? 'never expires' : `${self.data?.ttl}s`],
        ]),
      );
      return;
    } catch (err) {
      setToken(undefined);
      message.append(notice('error', describe(err)));
    }
  }
  const token = h('input', {
    id: 'login-token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const form = h(
    'form',
    { id: 'login-form', class: 'card' },
    field('Token', token, 'Kept in this tab’s memory only: reloading or closing the tab signs you out.'),
    h('button', { type: 'submit', id: 'login-submit' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = takeSecret(token);
    if (value === '') return;
    void signIn(value);
  });
  ctx.root.append(form);

  async function signIn(value: string): Promise<void> {
    setToken(value);
    try {
      await read('auth/token/lookup-self');
      ctx.navigate(ctx.params.get('next') ?? 'kv');
    } catch (err) {
      setToken(undefined);
      replace(message, notice('error', describe(err)));
    }
  }
}
