/**
 * The one error type of the API client: an HTTP failure carries the status and the server's
 * `errors` array (Vault's `{"errors":[...]}`); a transport failure (refused, TLS, timeout) has
 * status 0 and the cause's message. Callers (CLI, chaos, tests) branch on `status`.
 */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when no response was received. */
    readonly status: number,
    /** The server's `errors` (may be empty: Vault's 404 for a missing key is `{"errors":[]}`). */
    readonly errors: string[],
    /** What was attempted, e.g. `GET /v1/secret/foo`. */
    readonly operation: string,
    /** `data` the server sent along with the errors, if any. */
    readonly data?: Record<string, unknown>,
  ) {
    super(
      status === 0
        ? `${operation}: ${errors.join('; ')}`
        : `${operation}: Code: ${status}. ${errors.length > 0 ? `Errors:\n\n* ${errors.join('\n* ')}` : 'no error message'}`,
    );
  }

  /** True for a transport failure (no HTTP response). */
  get isConnectionError(): boolean {
    return this.status === 0;
  }
}

/** True when `err` is an `ApiError`, optionally with the given status. */
export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}
