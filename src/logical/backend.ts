/**
 * The engine contract (Vault's good idea): an engine is a set of declared paths over one
 * request/response type. Core finds the mount by longest prefix, strips it, and calls
 * `dispatch` (./dispatch.ts), which matches the path, coerces the declared fields and runs the
 * existence check. Engines import only this package and src/lib; they never see core, storage or
 * the raw token.
 */
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { LoginRenewRequest, LoginRenewResult } from './login.js';
import type { Operation, RequestAuth } from './request.js';
import type { LogicalResponse } from './response.js';
import type { StorageView } from './storage-view.js';

/**
 * Field types, with Vault's weak coercion from strings (the CLI sends every value as a string):
 * int "5", bool "true", duration "1h"/"3600", string_list "a,b", map/key_value_map from JSON text.
 */
export type FieldType =
  'string' | 'int' | 'bool' | 'duration' | 'string_list' | 'map' | 'key_value_map' | 'raw';

export interface FieldSpec {
  type: FieldType;
  description?: string;
  default?: unknown;
  required?: boolean;
}

/** Typed access to declared fields; a value that cannot be coerced was already rejected with 400. */
export interface FieldReader {
  /** The coerced value, the declared default, or undefined. */
  get<T = unknown>(name: string): T | undefined;
  /** Whether the client actually sent the field (as opposed to it taking its default). */
  has(name: string): boolean;
}

/** What a handler receives. `path` is relative to the mount; `params` are the pattern's named groups. */
export interface BackendRequest {
  requestId: string;
  operation: Operation;
  path: string;
  params: Record<string, string>;
  /** The raw request data (for engines that take arbitrary keys, like KV). */
  data: Record<string, unknown>;
  fields: FieldReader;
  storage: StorageView;
  /** The caller, when the path is authenticated. */
  auth?: RequestAuth;
  mountPoint: string;
  /** Content type of the body (PATCH needs merge-patch). */
  contentType?: string;
  /**
   * The raw client token. Set ONLY for core's own backends (token store, sys) that must echo or
   * act on it (e.g. `auth/token/lookup-self` returns `id`); never set for engines.
   */
  clientToken?: string;
  /** The client's address (login paths check CIDR bindings against it). */
  remoteAddress?: string;
}

export type Handler = (request: BackendRequest) => Promise<LogicalResponse>;

/** One declared path. `pattern` is a regular-expression source matched against the whole path. */
export interface PathSpec {
  pattern: string;
  fields?: Record<string, FieldSpec>;
  operations: Partial<Record<Operation, Handler>>;
  /** Decides create (false) vs update (true) for POST/PUT, for the ACL check. */
  existenceCheck?: (request: BackendRequest) => Promise<boolean>;
  /** Accept fields that are not declared without a warning (KV data, for example). */
  takesArbitraryFields?: boolean;
  /** Paths callable without a token (login endpoints). */
  unauthenticated?: boolean;
  /**
   * Login paths of methods with user lockout (userpass, approle; Vault's alias lookahead): the
   * alias the login is for (username, role_id), read before the handler so core can refuse a
   * locked-out alias. A handler throws `invalid_credentials` for a failure that counts.
   */
  loginAlias?: (request: BackendRequest) => Promise<string>;
  /** Short help text for `?help=1`. */
  help?: string;
}

/**
 * What core hands an engine's secret-type handler when a lease it issued is renewed or revoked
 * (Vault's `framework.Secret`). `internalData` is what the engine returned in `secret.internalData`
 * when it issued the secret (stored with the lease behind the barrier, never shown to clients).
 */
export interface SecretRequest {
  requestId: string;
  leaseId: string;
  /** The `secretType` the engine named when it issued the secret. */
  secretType: string;
  internalData: Record<string, unknown>;
  /** Storage chrooted to the issuing mount. */
  storage: StorageView;
  mountPoint: string;
  /** When the lease was issued and when it currently expires (wall clock, ms). */
  issueWallMs: number;
  expireWallMs: number;
  /** For renew: the increment the client asked for (0 = the engine's default TTL). */
  incrementSeconds: number;
}

/**
 * How an engine renews and revokes one type of secret it issued (database credentials, ...).
 * `revoke` must be idempotent (core retries it with backoff until it resolves; an error keeps the
 * lease). `renew` returns a response whose `secret` carries the new TTL; absent = not renewable.
 */
export interface SecretTypeHandlers {
  renew?(request: SecretRequest): Promise<LogicalResponse>;
  revoke(request: SecretRequest): Promise<void>;
}

/** A mounted engine instance. */
export interface Backend {
  /** Engine type as shown in mount listings (`kv`, `cubbyhole`, `transit`, ...). */
  type: string;
  paths: PathSpec[];
  /** Renew/revoke handlers per secret type named in `ResponseSecret.secretType`. */
  secretTypes?: Record<string, SecretTypeHandlers>;
  /**
   * Auth methods: called when a token minted by a login on this mount is renewed (Vault's
   * `AuthRenew`). Absent = such tokens cannot be renewed (405, as Vault's framework).
   */
  renewLogin?(request: LoginRenewRequest): Promise<LoginRenewResult>;
  /** Called when the mount is removed: the engine drops caches and timers. */
  cleanup?(): Promise<void>;
}

/** What a factory gets when core mounts an engine. */
export interface BackendConfig {
  mountPoint: string;
  /** Mount options (e.g. `{ version: "2" }` for KV). */
  options: Record<string, string>;
  /** Storage chrooted to the mount, for start-up work (requests carry their own view). */
  storage: StorageView;
  clock: Clock;
  rng: Rng;
}

export type BackendFactory = (config: BackendConfig) => Promise<Backend>;
