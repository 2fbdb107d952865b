/**
 * Typed helpers for the token auth method (`/v1/auth/token/*`, Vault's HTTP API docs): create (normal,
 * orphan, role), lookup, renew and revoke, by token, accessor or self.
 */
import type { ApiCaller } from './caller.js';
import type { Secret } from './types.js';

/** `POST auth/token/create` body (durations as Vault strings like "1h" or seconds). */
export interface TokenCreateRequest {
  id?: string;
  policies?: string[];
  meta?: Record<string, string>;
  no_parent?: boolean;
  no_default_policy?: boolean;
  renewable?: boolean;
  ttl?: string;
  explicit_max_ttl?: string;
  period?: string;
  display_name?: string;
  num_uses?: number;
  type?: 'service' | 'batch';
  entity_alias?: string;
}

/** Where to create: the default endpoint, `create-orphan`, or a role's `create/<role>`. */
export interface TokenCreateTarget {
  orphan?: boolean;
  role?: string;
}

/** The endpoint for a token creation (pure; used by the CLI tests too). */
export function tokenCreatePath(target: TokenCreateTarget = {}): string {
  if (target.role) return `auth/token/create/${target.role}`;
  return target.orphan ? 'auth/token/create-orphan' : 'auth/token/create';
}

export class TokenApi {
  constructor(private readonly api: ApiCaller) {}

  /** Creates a token; the response's `auth` holds it. */
  async create(request: TokenCreateRequest = {}, target: TokenCreateTarget = {}): Promise<Secret | null> {
    return this.api.write(tokenCreatePath(target), { ...request });
  }

  async lookupSelf(): Promise<Secret | null> {
    return this.api.read('auth/token/lookup-self');
  }

  async lookup(token: string): Promise<Secret | null> {
    return this.api.write('auth/token/lookup', { token });
  }

  async lookupAccessor(accessor: string): Promise<Secret | null> {
    return this.api.write('auth/token/lookup-accessor', { accessor });
  }

  async renewSelf(increment?: string): Promise<Secret | null> {
    return this.api.write('auth/token/renew-self', increment === undefined ? {} : { increment });
  }

  async renew(token: string, increment?: string): Promise<Secret | null> {
    return this.api.write('auth/token/renew', increment === undefined ? { token } : { token, increment });
  }

  async renewAccessor(accessor: string, increment?: string): Promise<Secret | null> {
    return this.api.write(
      'auth/token/renew-accessor',
      increment === undefined ? { accessor } : { accessor, increment },
    );
  }

  async revokeSelf(): Promise<void> {
    await this.api.write('auth/token/revoke-self');
  }

  async revoke(token: string): Promise<void> {
    await this.api.write('auth/token/revoke', { token });
  }

  async revokeAccessor(accessor: string): Promise<void> {
    await this.api.write('auth/token/revoke-accessor', { accessor });
  }

  async revokeOrphan(token: string): Promise<void> {
    await this.api.write('auth/token/revoke-orphan', { token });
  }
}
