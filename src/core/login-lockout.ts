/**
 * Where user lockout meets the request pipeline (Vault's `handleLoginRequest`): for a login path
 * of a lockout-capable method, a locked alias is refused with 403 `permission denied` before the
 * method runs; an `invalid_credentials` failure counts towards the lock; a success resets it.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import { loginAliasOf, type DispatchRequest, type PathMatch } from '../logical/dispatch.js';
import type { LogicalResponse } from '../logical/response.js';
import type { Route } from './router.js';
import { lockoutMethodTypes, type UserLockout } from './user-lockout.js';

/**
 * Runs `serve` (the dispatch) under the lockout rules when the matched path names a login alias.
 * Not `async` itself: every other request (all but logins) goes straight to `serve`, with no
 * promise and microtask turns of its own.
 */
export function withUserLockout(
  lockout: UserLockout,
  route: Route,
  matched: PathMatch | undefined,
  request: DispatchRequest,
  serve: () => Promise<LogicalResponse>,
): Promise<LogicalResponse> {
  const entry = route.entry;
  if (matched === undefined || entry.kind !== 'auth' || !lockoutMethodTypes.has(entry.type)) return serve();
  return lockedLogin(lockout, route, matched, request, serve);
}

async function lockedLogin(
  lockout: UserLockout,
  route: Route,
  matched: PathMatch,
  request: DispatchRequest,
  serve: () => Promise<LogicalResponse>,
): Promise<LogicalResponse> {
  const entry = route.entry;
  const alias = await loginAliasOf(request, matched);
  if (alias === undefined || alias === '') return serve();
  if (await lockout.isLocked(entry.accessor, alias, entry.config)) throw new ArcaError('permission_denied');
  try {
    const response = await serve();
    if (response.login !== undefined) lockout.recordSuccess(entry.accessor, alias);
    return response;
  } catch (err) {
    if (isArcaError(err, 'invalid_credentials')) {
      await lockout.recordFailure(entry.accessor, alias, entry.config);
    }
    throw err;
  }
}
