/**
 * The one catalog of typed errors. Every operating condition a client or operator can see has a
 * stable `code`, an HTTP status and Vault's message text; the HTTP layer maps an `ArcaError` to
 * `{"errors":[...]}` in one place. Programmer errors use `assert` instead.
 *
 * Add codes here (never inline statuses elsewhere). Codes are stable: clients and alerts key on them.
 */
export const errorCatalog = {
  // 400
  invalid_request: { status: 400, message: 'invalid request' },
  malformed_json: { status: 400, message: 'failed to parse JSON input' },
  invalid_field: { status: 400, message: 'invalid field' },
  already_initialized: { status: 400, message: 'Vault is already initialized' },
  not_initialized: { status: 400, message: 'Vault is not initialized' },
  unseal_key_required: {
    status: 400,
    message: "'key' must be specified in request body as JSON, or 'reset' set to true",
  },
  invalid_unseal_key: { status: 400, message: 'Unseal failed, invalid key' },
  vault_unsealed: { status: 400, message: 'vault is unsealed' },
  cas_mismatch: { status: 400, message: 'check-and-set parameter did not match the current version' },
  policy_syntax: { status: 400, message: 'failed to parse policy' },
  mount_conflict: { status: 400, message: 'path is already in use' },
  invalid_credentials: { status: 400, message: 'invalid credentials' },
  /** Unwrap/lookup/rewrap of a used, expired, unknown or non-wrapping token (Vault's text). */
  invalid_wrapping_token: { status: 400, message: 'wrapping token is not valid or does not exist' },
  // 403
  permission_denied: { status: 403, message: 'permission denied' },
  invalid_token: { status: 403, message: 'invalid token' },
  // 404
  not_found: { status: 404, message: '' },
  no_handler: { status: 404, message: 'no handler for route' },
  unsupported_path: { status: 404, message: 'unsupported path' },
  // 405, 413, 415, 429
  unsupported_operation: { status: 405, message: 'unsupported operation' },
  payload_too_large: { status: 413, message: 'request body too large' },
  unsupported_media_type: {
    status: 415,
    message: 'PATCH requires Content-Type: application/merge-patch+json',
  },
  /**
   * A standby retried a forwarded request after a failover and the previous active node had
   * already applied its writes; the original answer was lost with that node. 4xx on purpose:
   * clients retry 5xx automatically, which would apply the request a second time.
   */
  already_applied: {
    status: 409,
    message: 'request was already applied by the previous active node; its response was lost in the failover',
  },
  rate_limited: { status: 429, message: 'request rate limit exceeded' },
  // 500
  internal: { status: 500, message: 'internal error' },
  audit_failed: { status: 500, message: 'internal error' },
  integrity_failure: { status: 500, message: 'stored data failed its integrity check' },
  // 502, 503, 504
  upstream: { status: 502, message: 'upstream error' },
  sealed: { status: 503, message: 'Vault is sealed' },
  no_leader: { status: 503, message: 'no active Vault instance found' },
  not_leader: { status: 503, message: 'this node is not the Raft leader' },
  /** A standby was asked for something only the active node serves (the server forwards these). */
  standby: { status: 503, message: 'Vault is in standby mode' },
  unavailable: { status: 503, message: 'service unavailable' },
  timeout: { status: 504, message: 'request timed out' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from the catalog. */
export type ErrorCode = keyof typeof errorCatalog;

/**
 * A typed operating-condition error. `messages` become the `errors` array of the HTTP body (an
 * empty array is legal: Vault answers a missing key with `{"errors":[]}`); `data` rides along as
 * Vault does for failing responses that carry data. Messages never contain secrets.
 */
export class ArcaError extends Error {
  override name = 'ArcaError';
  readonly messages: string[];

  constructor(
    readonly code: ErrorCode,
    messages?: string | string[],
    readonly data?: Record<string, unknown>,
  ) {
    const list =
      messages === undefined
        ? errorCatalog[code].message === ''
          ? []
          : [errorCatalog[code].message]
        : Array.isArray(messages)
          ? messages
          : [messages];
    super(list.join('; ') || code);
    this.messages = list;
  }

  /** The HTTP status for this error's code. */
  get httpStatus(): number {
    return errorCatalog[this.code].status;
  }
}

/** True when `err` is an `ArcaError`, optionally of the given code. */
export function isArcaError(err: unknown, code?: ErrorCode): err is ArcaError {
  return err instanceof ArcaError && (code === undefined || err.code === code);
}
