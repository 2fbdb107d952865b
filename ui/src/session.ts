/**
 * The signed-in token, kept in this module's memory only — never in localStorage, sessionStorage,
 * cookies or the URL. Why: a token in Web Storage survives the tab (localStorage is written to the
 * browser profile on disk; Chromium also persists sessionStorage for session restore) and can be
 * read later by anything running on this origin; in memory it is gone when the tab closes or
 * reloads. The cost is signing in again after a reload, which is the right trade for a root token.
 */

let token: string | undefined;
const listeners = new Set<() => void>();

/** The current token, if signed in. */
export function currentToken(): string | undefined {
  return token;
}

/** Signs in with `value` (or out with undefined) and tells the listeners. */
export function setToken(value: string | undefined): void {
  token = value === '' ? undefined : value;
  for (const listener of listeners) listener();
}

/** Calls `listener` after every sign-in or sign-out. */
export function onTokenChange(listener: () => void): void {
  listeners.add(listener);
}
