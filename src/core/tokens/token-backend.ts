import type { Backend } from '../../logical/backend.js';
import type { TokenStore } from './token-store.js';

/** The `auth/token/*` backend over a token store. */
export function tokenBackend(_store: TokenStore): Backend {
  return { type: 'token', paths: [] };
}
