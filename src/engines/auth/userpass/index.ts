/**
 * The userpass auth method, API-compatible with Vault's: users with a bcrypt password and the
 * tokenutil fields (`users/<name>`, `users/<name>/password`, `users/<name>/policies`, LIST
 * `users`), and `login/<name>`, which answers a `LoginAuth` (core mints the token). Failures say
 * only `invalid username or password` (400) and cost one bcrypt comparison whether or not the user
 * exists; failures of existing users count towards core's user lockout.
 */
import { addressAllowed } from '../../../lib/cidr.js';
import { ArcaError } from '../../../lib/errors.js';
import type { BackendFactory, BackendRequest, PathSpec } from '../../../logical/backend.js';
import type { LoginRenewRequest, LoginRenewResult } from '../../../logical/login.js';
import { noContent, type LogicalResponse } from '../../../logical/response.js';
import {
  defaultTokenParams,
  legacyTokenFieldSpecs,
  loginWithTokenParams,
  parseTokenFields,
  tokenFieldSpecs,
  tokenParamsData,
} from '../../../logical/tokenutil.js';
import { dummyHash, hashPassword, isBcryptHash, verifyPassword } from './password-hash.js';
import { readUser, usernamePattern, writeUser, type UserEntry } from './users.js';

const invalidLogin = 'invalid username or password';

function username(req: BackendRequest): string {
  return (req.params.username ?? '').toLowerCase();
}

/** `password` or `password_hash` (a bcrypt hash, imported as is); undefined when neither was sent. */
async function newPasswordHash(req: BackendRequest): Promise<string | undefined> {
  const password = req.fields.get<string>('password');
  const hash = req.fields.get<string>('password_hash');
  if (req.fields.has('password') && req.fields.has('password_hash')) {
    throw new ArcaError('invalid_request', 'only one of password or password_hash can be set');
  }
  if (req.fields.has('password_hash')) {
    if (hash === undefined || !isBcryptHash(hash)) {
      throw new ArcaError('invalid_request', 'password_hash is not a valid bcrypt hash');
    }
    return hash;
  }
  if (!req.fields.has('password')) return undefined;
  if (password === undefined || password === '') throw new ArcaError('invalid_request', 'missing password');
  return hashPassword(password);
}

async function writeUserHandler(req: BackendRequest): Promise<LogicalResponse> {
  const name = username(req);
  const existing = await readUser(req.storage, name);
  const hash = await newPasswordHash(req);
  if (existing === undefined && hash === undefined) {
    throw new ArcaError('invalid_request', 'missing password');
  }
  const user: UserEntry = {
    passwordHash: hash ?? existing!.passwordHash,
    token: parseTokenFields(existing?.token ?? defaultTokenParams(), req.fields),
  };
  await writeUser(req.storage, name, user);
  return noContent;
}

async function existingUser(req: BackendRequest): Promise<UserEntry> {
  const user = await readUser(req.storage, username(req));
  if (user === undefined) throw new ArcaError('invalid_request', 'username does not exist');
  return user;
}

function userPaths(): PathSpec[] {
  const name = `(?<username>${usernamePattern})`;
  return [
    {
      pattern: 'users/?',
      operations: {
        list: async (req) => {
          const keys = (await req.storage.list('user/')).filter((k) => !k.endsWith('/'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
      help: 'Manage users allowed to authenticate.',
    },
    {
      pattern: `users/${name}/password`,
      fields: {
        username: { type: 'string' },
        password: { type: 'string' },
        password_hash: { type: 'string' },
      },
      operations: {
        update: async (req) => {
          const user = await existingUser(req);
          const hash = await newPasswordHash(req);
          if (hash === undefined) throw new ArcaError('invalid_request', 'missing password');
          await writeUser(req.storage, username(req), { ...user, passwordHash: hash });
          return noContent;
        },
      },
      help: "Reset a user's password.",
    },
    {
      pattern: `users/${name}/policies`,
      fields: {
        username: { type: 'string' },
        token_policies: tokenFieldSpecs.token_policies,
        policies: legacyTokenFieldSpecs.policies,
      },
      operations: {
        update: async (req) => {
          const user = await existingUser(req);
          await writeUser(req.storage, username(req), {
            ...user,
            token: parseTokenFields(user.token, req.fields),
          });
          return noContent;
        },
      },
      help: "Update the policies associated with a user's token.",
    },
    {
      pattern: `users/${name}`,
      fields: {
        username: { type: 'string' },
        password: { type: 'string' },
        password_hash: { type: 'string' },
        ...tokenFieldSpecs,
        policies: legacyTokenFieldSpecs.policies,
        ttl: legacyTokenFieldSpecs.ttl,
        max_ttl: legacyTokenFieldSpecs.max_ttl,
        bound_cidrs: legacyTokenFieldSpecs.bound_cidrs,
      },
      existenceCheck: async (req) => (await readUser(req.storage, username(req))) !== undefined,
      operations: {
        read: async (req) => {
          const user = await readUser(req.storage, username(req));
          if (user === undefined) throw new ArcaError('not_found');
          return { data: tokenParamsData(user.token) };
        },
        create: writeUserHandler,
        update: writeUserHandler,
        delete: async (req) => {
          await req.storage.delete(`user/${username(req)}`);
          return noContent;
        },
      },
      help: 'Manage users allowed to authenticate.',
    },
  ];
}

function loginPath(dummy: Promise<string>): PathSpec {
  return {
    pattern: `login/(?<username>${usernamePattern})`,
    unauthenticated: true,
    fields: { username: { type: 'string' }, password: { type: 'string' } },
    loginAlias: async (req) => username(req),
    operations: {
      update: async (req) => {
        const name = username(req);
        const password = req.fields.get<string>('password') ?? '';
        if (password === '') throw new ArcaError('invalid_request', 'missing password');
        const user = await readUser(req.storage, name);
        // One full bcrypt comparison either way: no user enumeration by timing.
        const matches = await verifyPassword(password, user?.passwordHash ?? (await dummy));
        if (user === undefined) throw new ArcaError('invalid_request', invalidLogin);
        if (!matches) throw new ArcaError('invalid_credentials', invalidLogin);
        if (!addressAllowed(req.remoteAddress ?? '', user.token.tokenBoundCidrs)) {
          throw new ArcaError('permission_denied');
        }
        return {
          login: loginWithTokenParams(user.token, {
            metadata: { username: name },
            displayName: name,
            alias: { name },
          }),
        };
      },
    },
    help: 'Log in with a username and password.',
  };
}

/** Vault's `pathLoginRenew`: the user must still exist with the same policies. */
async function renewLogin(req: LoginRenewRequest): Promise<LoginRenewResult> {
  const name = req.metadata.username ?? '';
  const user = name === '' ? undefined : await readUser(req.storage, name);
  if (user === undefined) throw new ArcaError('invalid_request', 'user no longer exists, not renewing');
  const want = new Set(user.token.tokenPolicies.map((p) => p.trim().toLowerCase()));
  want.delete('default');
  want.delete('');
  const have = new Set(req.tokenPolicies);
  if (want.size !== have.size || [...want].some((p) => !have.has(p))) {
    throw new ArcaError('invalid_request', 'policies have changed, not renewing');
  }
  return {
    ttlSeconds: user.token.tokenTtlSeconds,
    maxTtlSeconds: user.token.tokenMaxTtlSeconds,
    periodSeconds: user.token.tokenPeriodSeconds,
  };
}

/** Mounts userpass (`sys/auth/<path>` with `type: userpass`). */
export const userpassBackendFactory: BackendFactory = async () => {
  const dummy = dummyHash();
  // A failed dummy hash would fail every unknown-user login: surface it there, not as unhandled.
  dummy.catch(() => undefined);
  return {
    type: 'userpass',
    paths: [loginPath(dummy), ...userPaths()],
    renewLogin,
  };
};
