/**
 * The request pipeline (docs/architecture.md, "the flow of one request"): sealed check → route →
 * authenticate → create/update resolution → ACL (+ sudo) → audit request (fail closed) → engine →
 * leases/TTL → audit response → reply. Each step is a small function; `runPipeline` only orders
 * them. Unknown routes answer 404 only after the ACL check, so they cannot be probed.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import type { Backend } from '../logical/backend.js';
import { dispatch, matchPath, resolveOperation, type DispatchRequest } from '../logical/dispatch.js';
import type { LogicalRequest, Operation, RequestAuth } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';
import type { StorageView } from '../logical/storage-view.js';
import type { AuditBroker, AuditEntry } from './audit-broker.js';
import { isEmptyResponse } from '../logical/response-envelope.js';
import { withUserLockout } from './login-lockout.js';
import { mintLoginToken } from './login-tokens.js';
import { validateWrappingToken, wrappingTokenPaths } from './response-wrapping.js';
import type { CoreLogger } from './mounts.js';
import type { AclRequestContext } from './policy/acl.js';
import type { RouteMatch } from './router.js';
import type { UnsealedRuntime } from './runtime.js';
import {
  injectsTopLevelData,
  isAudited,
  isAvailableWhileSealed,
  isUnauthenticatedSysPath,
  needsSudo,
} from './system/sys-path-rules.js';
import { effectiveTtl } from './ttl.js';
import { leaseOwnerOf, ttlSecondsUntil } from './leases-batch.js';
import type { TokenEntry } from './tokens/token-store.js';

export interface PipelineContext {
  clock: Clock;
  logger: CoreLogger;
  audit?: AuditBroker;
  /** Counts token lookups (valid/invalid) when present. */
  metrics?: ArcaMetrics;
  systemBackend: Backend;
  /** Storage for sys handlers served while sealed (any access throws `sealed`). */
  sealedSystemStorage: StorageView;
  isUnsealed(): boolean;
  runtime(): UnsealedRuntime | undefined;
}

/** Types whose `secret` responses carry a TTL but never register a lease (Vault: kv, generic). */
const leaselessTypes = new Set(['kv', 'generic', 'cubbyhole']);

/** What the pipeline learnt about a request that its caller reuses (metrics label). */
export interface PipelineTrace {
  /** The mount point the request routed to; unset when it never reached routing or matched none. */
  mountPoint?: string;
}

/** `trace`, when given, receives the route (so the caller need not match the path again). */
export async function runPipeline(
  ctx: PipelineContext,
  request: LogicalRequest,
  trace?: PipelineTrace,
): Promise<LogicalResponse> {
  const path = request.path.charCodeAt(0) === 47 ? request.path.replace(/^\/+/, '') : request.path;
  if (isAvailableWhileSealed(path) || (path === 'sys/seal' && !ctx.isUnsealed())) {
    return serveSystemDirect(ctx, request, path);
  }
  const rt = ctx.isUnsealed() ? ctx.runtime() : undefined;
  if (rt === undefined) throw new ArcaError('sealed');

  const match = rt.mounts.router.match(path);
  if (trace !== undefined && match !== undefined) trace.mountPoint = match.route.mountPoint;
  const backend = match?.route.backend;
  const declared = backend === undefined ? undefined : matchPath(backend, match!.relativePath);
  const unauthenticated = isUnauthenticatedSysPath(path) || declared?.spec.unauthenticated === true;

  // Vault checks the wrapping token of unwrap/lookup/rewrap before authentication spends its use.
  if (wrappingTokenPaths.has(path)) await validateWrappingToken(rt.tokens, request);
  const token = await authenticate(rt, request, unauthenticated, path, ctx.metrics);
  const auth = token === undefined ? undefined : requestAuthOf(token);
  const dispatchRequest = match === undefined ? undefined : buildDispatchRequest(request, match, auth);
  // Only a write asks the existence check (create or update?): no promise turn for the rest.
  const writes = request.operation === 'update' || request.operation === 'create';
  const operation =
    match === undefined || dispatchRequest === undefined || !writes
      ? request.operation
      : await resolveOperation(match.route.backend, dispatchRequest, declared);
  if (!unauthenticated) {
    await authorise(rt, token!, path, operation, {
      data: request.data,
      wrapTtlSeconds: request.wrapTtlSeconds,
    });
  }
  if (match === undefined || dispatchRequest === undefined) {
    throw new ArcaError('no_handler', `no handler for route "${path}". route entry not found.`);
  }
  const audited = ctx.audit !== undefined && ctx.audit.hasDevices() && isAudited(path);
  // The request and response entries share one auth/request object, so a device hashes the
  // token and accessor once per request (it memoises per request object, see AuditDevice.log).
  const auditBase = audited ? auditEntry(ctx, 'request', request, match, operation, token) : undefined;
  const entry = (type: AuditEntry['type']): AuditEntry => ({
    ...auditBase!,
    type,
    timeMs: ctx.clock.wallMs(),
  });
  // Break-glass (beyond Vault, where a broken last device can only be fixed, not disabled): a
  // sudo-checked DELETE of an audit device goes through when no device can record it, so an
  // operator can restore service; it is then recorded in the operational log instead.
  const breakGlass = operation === 'delete' && path.startsWith('sys/audit/') ? token : undefined;
  if (audited) await auditOrFail(ctx, () => ctx.audit!.logRequest(entry('request')), breakGlass);

  let response: LogicalResponse;
  try {
    if (path === 'sys/wrapping/wrap' && !((request.wrapTtlSeconds ?? 0) > 0)) {
      throw new ArcaError('invalid_request', 'endpoint requires response wrapping to be used');
    }
    dispatchRequest.operation = operation;
    response = await withUserLockout(rt.lockout, match.route, declared, dispatchRequest, () =>
      dispatch(match.route.backend, dispatchRequest, declared),
    );
    response = await applyLease(rt, response, match, path, token);
    if (response.login !== undefined) response = await mintLogin(rt, response, match, path);
    response = decorate(response, match, path);
    // The ACL has judged the requested wrap TTL against the policy's bounds (403, as Vault).
    const wrapTtlSeconds = wrapTtlFor(request.wrapTtlSeconds, response);
    if (wrapTtlSeconds > 0) response = await rt.wrapping.wrap(request.id, path, response, wrapTtlSeconds);
  } catch (err) {
    if (audited) {
      const failed = { ...entry('response'), error: errorText(err) };
      await auditOrFail(ctx, () => ctx.audit!.logResponse(failed), breakGlass);
    }
    throw err;
  }
  if (audited) {
    await auditOrFail(ctx, () => ctx.audit!.logResponse({ ...entry('response'), response }), breakGlass);
  }
  return response;
}

/** sys/init, seal-status, unseal, health, leader (and seal while sealed): no token, no audit. */
async function serveSystemDirect(
  ctx: PipelineContext,
  request: LogicalRequest,
  path: string,
): Promise<LogicalResponse> {
  const rt = ctx.isUnsealed() ? ctx.runtime() : undefined;
  return dispatch(ctx.systemBackend, {
    requestId: request.id,
    operation: request.operation === 'create' ? 'update' : request.operation,
    path: path.slice('sys/'.length),
    data: request.data,
    storage: rt?.systemStorage ?? ctx.sealedSystemStorage,
    mountPoint: 'sys/',
    remoteAddress: request.remoteAddress,
  });
}

/**
 * Resolves the client token. On an authenticated path a missing token is 403 `permission denied`
 * and an unknown/expired one 403 with both `permission denied` and `invalid token` (Vault Agent
 * re-authenticates on the latter). On unauthenticated paths a bad token is simply ignored.
 */
async function authenticate(
  rt: UnsealedRuntime,
  request: LogicalRequest,
  unauthenticated: boolean,
  path: string,
  metrics?: ArcaMetrics,
): Promise<TokenEntry | undefined> {
  const clientToken = request.clientToken;
  // Unauthenticated paths ignore tokens, except the UI mounts helper, which filters by them.
  if (unauthenticated && !path.startsWith('sys/internal/ui/mounts')) return undefined;
  if (clientToken === '') {
    if (unauthenticated) return undefined;
    throw new ArcaError('permission_denied');
  }
  const token = await rt.tokens.authenticate(clientToken, request.remoteAddress);
  metrics?.tokenLookups.inc({ result: token === undefined ? 'invalid' : 'valid' });
  if (token === undefined && !unauthenticated) {
    throw new ArcaError('invalid_token', ['permission denied', 'invalid token']);
  }
  return token;
}

/**
 * The TTL to wrap a response with (0 = answer unwrapped), as Vault: the shorter of the handler's
 * demand (a rewrap) and the request's `X-Vault-Wrap-TTL`; nothing to say is never wrapped.
 */
function wrapTtlFor(requestedSeconds: number | undefined, response: LogicalResponse): number {
  const demand = response.wrapDemand;
  if (demand === undefined && isEmptyResponse(response)) return 0;
  let ttl = demand?.ttlSeconds ?? 0;
  const requested = requestedSeconds ?? 0;
  if (requested > 0 && (ttl === 0 || requested < ttl)) ttl = requested;
  return ttl;
}

/**
 * ACL check: root passes; otherwise the most specific rule decides (with its parameter
 * constraints on the request data and its wrapping-TTL bounds on the requested wrap TTL), and
 * sudo paths also need sudo.
 */
async function authorise(
  rt: UnsealedRuntime,
  token: TokenEntry,
  path: string,
  operation: Operation,
  request: AclRequestContext,
): Promise<void> {
  if (token.policies.includes('root')) return;
  const acl = await rt.policies.aclFor(token.policies);
  const verdict = acl.allowOperation(path, operation, request);
  if (!verdict.allowed || (needsSudo(path, operation) && !verdict.sudo)) {
    throw new ArcaError('permission_denied');
  }
}

/** The caller as engines see it (never the raw token). */
export function requestAuthOf(token: TokenEntry): RequestAuth {
  return {
    accessor: token.accessor,
    policies: token.policies,
    displayName: token.displayName,
    entityId: token.entityId ?? '',
    metadata: token.meta ?? {},
    tokenIdHash: token.idHash,
    tokenType: token.type,
  };
}

function buildDispatchRequest(
  request: LogicalRequest,
  match: RouteMatch,
  auth: RequestAuth | undefined,
): DispatchRequest {
  const core = match.route.entry.type === 'system' || match.route.entry.type === 'token';
  const built: DispatchRequest = {
    requestId: request.id,
    operation: request.operation,
    path: match.relativePath,
    data: request.data,
    storage: match.route.storage,
    auth,
    mountPoint: match.route.mountPoint,
    contentType: request.headers['content-type'],
    remoteAddress: request.remoteAddress,
  };
  // Only core's own backends may see the raw token (e.g. lookup-self echoes it).
  if (core && request.clientToken !== '') built.clientToken = request.clientToken;
  return built;
}

/**
 * TTL for `secret` responses: the engine's TTL or the mount/system default, capped by the max
 * (with Vault's warning). KV-like mounts report the TTL but register no lease, as Vault does.
 */
async function applyLease(
  rt: UnsealedRuntime,
  response: LogicalResponse,
  match: RouteMatch,
  path: string,
  token: TokenEntry | undefined,
): Promise<LogicalResponse> {
  const secret = response.secret;
  if (secret === undefined || response.raw !== undefined) return response;
  const entry = match.route.entry;
  // sys/leases/renew (and sys/renew) answer for an existing lease: never register another
  // (Vault skips those paths in its request handling).
  if (entry.type === 'system' && response.leaseId !== undefined) return response;
  const ttl = effectiveTtl(entry.config, rt.systemLeaseTtls, secret.ttlSeconds, secret.maxTtlSeconds ?? 0);
  const warnings = [...(response.warnings ?? []), ...ttl.warnings];
  const withWarnings = warnings.length > 0 ? { warnings } : {};
  if (leaselessTypes.has(entry.type)) {
    return {
      ...response,
      ...withWarnings,
      secret: { ...secret, ttlSeconds: ttl.ttlSeconds, renewable: false },
    };
  }
  // A batch token's lease is capped at the token's expiry and owned by its parent (leases-batch.ts).
  const owner = await leaseOwnerOf(
    token,
    async (idHash) => (await rt.tokens.lookupByIdHash(idHash))?.accessor,
  );
  const leaseId = await rt.leases.register({
    path,
    ttlSeconds: ttl.ttlSeconds,
    maxTtlSeconds: secret.maxTtlSeconds,
    renewable: secret.renewable,
    ...owner,
    secretType: secret.secretType,
    internalData: secret.internalData,
  });
  const ttlSeconds =
    owner.notAfterWallMs === undefined
      ? ttl.ttlSeconds
      : Math.min(ttl.ttlSeconds, ttlSecondsUntil(owner.notAfterWallMs, rt.tokens.nowMs()));
  return { ...response, ...withWarnings, leaseId, secret: { ...secret, ttlSeconds } };
}

/**
 * A login answered by an auth method: core mints the token (./login-tokens.ts). Only auth mounts
 * may log in; any other engine returning a login is a programming error (500, as Vault).
 */
async function mintLogin(
  rt: UnsealedRuntime,
  response: LogicalResponse,
  match: RouteMatch,
  path: string,
): Promise<LogicalResponse> {
  const entry = match.route.entry;
  if (entry.kind !== 'auth' || entry.type === 'token') {
    throw new ArcaError('internal', 'unexpected login response from a non-auth mount');
  }
  return mintLoginToken(rt.tokens, response, { entry, path, system: rt.systemLeaseTtls });
}

/** Sets `mountType` and the sys top-level injection flag. */
function decorate(response: LogicalResponse, match: RouteMatch, path: string): LogicalResponse {
  if (response.raw !== undefined) return response;
  const decorated: LogicalResponse = { ...response, mountType: match.route.entry.type };
  if (match.route.entry.type === 'system' && injectsTopLevelData(path)) decorated.topLevelData = true;
  return decorated;
}

function auditEntry(
  ctx: PipelineContext,
  type: AuditEntry['type'],
  request: LogicalRequest,
  match: RouteMatch,
  operation: Operation,
  token: TokenEntry | undefined,
): AuditEntry {
  return {
    type,
    timeMs: ctx.clock.wallMs(),
    ...(token === undefined
      ? {}
      : {
          auth: {
            clientToken: request.clientToken,
            accessor: token.accessor,
            displayName: token.displayName,
            policies: token.policies,
            metadata: token.meta ?? {},
            entityId: token.entityId ?? '',
            tokenType: token.type,
          },
        }),
    request: {
      id: request.id,
      operation,
      path: request.path,
      data: request.data,
      mountPoint: match.route.mountPoint,
      mountType: match.route.entry.type,
      mountAccessor: match.route.entry.accessor,
      clientToken: request.clientToken,
      remoteAddress: request.remoteAddress,
      headers: request.headers,
      ...(request.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: request.wrapTtlSeconds }),
    },
  };
}

/** Audit fails closed: any broker failure becomes 500 `internal error` (logged, without secrets). */
async function auditOrFail(
  ctx: PipelineContext,
  log: () => Promise<void>,
  breakGlass?: TokenEntry,
): Promise<void> {
  try {
    await log();
  } catch (err) {
    if (breakGlass !== undefined) {
      ctx.logger.error(
        { err: errorText(err), accessor: breakGlass.accessor },
        'audit device disabled while no audit device could record the request (break-glass)',
      );
      return;
    }
    ctx.logger.error({ err: errorText(err) }, 'no audit backend succeeded in logging the request');
    throw new ArcaError('audit_failed');
  }
}

function errorText(err: unknown): string {
  if (isArcaError(err)) return err.messages.join('; ');
  return err instanceof Error ? err.message : String(err);
}
