/**
 * The AppRole auth method, API-compatible with Vault's: roles with secret-id constraints and the
 * tokenutil fields (./role-paths.ts), secret ids by value or accessor (./secret-id-paths.ts), and
 * `login` with a role id and secret id (./login.ts), which answers a `LoginAuth` for core to mint.
 */
import type { BackendFactory } from '../../../logical/backend.js';
import { loginPath, renewLogin } from './login.js';
import { rolePaths } from './role-paths.js';
import { secretIdPaths } from './secret-id-paths.js';
import { newApproleState } from './state.js';

/** Mounts AppRole (`sys/auth/<path>` with `type: approle`). */
export const approleBackendFactory: BackendFactory = async (config) => {
  const state = newApproleState(config.clock);
  return {
    type: 'approle',
    paths: [loginPath(state), ...rolePaths(state), ...secretIdPaths(state)],
    renewLogin,
  };
};
