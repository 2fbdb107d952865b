/**
 * Vault's JSON envelope for a logical response (`request_id, lease_id, renewable,
 * lease_duration, data, wrap_info, warnings, auth, mount_type`), in one place because two layers
 * need the same bytes: the HTTP layer answers with it, and core stores it in a wrapping token's
 * cubbyhole so that an unwrap answers exactly what the unwrapped request would have.
 */
import { renderAuthJson } from './response-auth-json.js';
import type { LogicalResponse, ResponseWrapInfo } from './response.js';

/** Vault's `wrap_info` object (`wrapped_accessor` only when there is one, as Go's omitempty). */
export function renderWrapInfo(info: ResponseWrapInfo): Record<string, unknown> {
  return {
    token: info.token,
    accessor: info.accessor,
    ttl: info.ttlSeconds,
    creation_time: new Date(info.creationTimeMs).toISOString(),
    creation_path: info.creationPath,
    ...(info.wrappedAccessor === '' ? {} : { wrapped_accessor: info.wrappedAccessor }),
  };
}

/** True when the response has nothing to say (the HTTP layer answers 204, core wraps nothing). */
export function isEmptyResponse(response: LogicalResponse): boolean {
  const hasData = response.data !== undefined && response.data !== null;
  const hasWarnings = response.warnings !== undefined && response.warnings.length > 0;
  return (
    response.raw === undefined &&
    response.wrapInfo === undefined &&
    !hasData &&
    !hasWarnings &&
    response.auth === undefined &&
    response.secret === undefined
  );
}

/**
 * The envelope of a non-raw, non-empty response. A wrapped response carries only `wrap_info`
 * (Vault leaves `request_id` empty then and drops the rest, warnings included).
 */
export function responseEnvelope(requestId: string, response: LogicalResponse): Record<string, unknown> {
  if (response.wrapInfo !== undefined) {
    return {
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: renderWrapInfo(response.wrapInfo),
      warnings: null,
      auth: null,
      mount_type: '',
    };
  }
  const hasData = response.data !== undefined && response.data !== null;
  const warnings = response.warnings && response.warnings.length > 0 ? response.warnings : null;
  return {
    request_id: requestId,
    lease_id: response.leaseId ?? '',
    renewable: response.secret?.renewable ?? false,
    lease_duration: response.secret?.ttlSeconds ?? 0,
    data: hasData ? response.data : null,
    wrap_info: null,
    warnings,
    auth: response.auth ? renderAuthJson(response.auth, { mfaRequirement: true }) : null,
    mount_type: response.mountType ?? '',
  };
}
