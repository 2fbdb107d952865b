/**
 * The cluster's gate in front of the HTTP handler (the `intercept` hook of http/app.ts): decides
 * per request whether this node answers it (active node, sealed node, locally answered paths),
 * forwards it to the active node (standby), or redirects it (307, when the client sent
 * `X-Vault-No-Request-Forwarding`). Server-level cluster endpoints that must work on a sealed or
 * uninitialised node (`sys/storage/raft/join`) are routed here too.
 *
 * A sealed standby never serves: while sealed nothing is forwarded and core answers 503 itself.
 * With `standby_reads`, a standby first offers each request to `standbyRead` (a linearizable
 * local read, core/standby-reads.ts); only what it declines is forwarded (or redirected).
 */
import type { FastifyRequest } from 'fastify';
import { ArcaError } from '../../lib/errors.js';
import type { InterceptedResponse } from '../http/app.js';
import {
  internalForwardHeader,
  isLocallyAnswered,
  noActiveNode,
  relayableHeaders,
  standbyRedirectLocation,
  type RequestForwarding,
} from './forwarding.js';

/** Where this node stands, as the gate needs it. */
export interface HaView {
  mode(): 'sealed' | 'standby' | 'active';
  /** The active node (the Raft leader's member info), when known. */
  active(): { peerId: string; apiAddr: string } | undefined;
}

/**
 * A server-level route: full request path without `/v1/` → handler. Undefined from the handler
 * lets the request continue (to forwarding or core).
 */
export type GateRoute = (request: FastifyRequest) => Promise<InterceptedResponse | undefined>;

/** Builds the `intercept` function for the HTTP app. */
export function clusterHttpGate(
  ha: HaView,
  forwarding: RequestForwarding,
  routes: ReadonlyMap<string, GateRoute> = new Map(),
  servedHereRoutes: ReadonlyMap<string, GateRoute> = new Map(),
  standbyRead?: GateRoute,
): (request: FastifyRequest) => Promise<InterceptedResponse | undefined> {
  return async (request) => {
    const path = requestPath(request.url);
    const route = routes.get(path);
    if (route !== undefined) {
      const answered = await route(request);
      if (answered !== undefined) return answered;
    }
    // Injected by our own forwarding server: serve here, never forward again.
    const servedHere = servedHereRoutes.get(path);
    if (request.headers[internalForwardHeader] === forwarding.marker) return servedHere?.(request);
    const mode = ha.mode();
    // A sealed node never serves: everything but the locally answered paths is 503 at once,
    // before core could start any Raft round on its behalf.
    if (mode === 'sealed' && !isLocallyAnswered(path)) throw new ArcaError('sealed');
    if (mode !== 'standby' || isLocallyAnswered(path)) return servedHere?.(request);
    const local = await standbyRead?.(request);
    if (local !== undefined) return local;

    const active = ha.active();
    if (isTruthyHeader(request.headers['x-vault-no-request-forwarding'])) {
      const location = standbyRedirectLocation(active?.apiAddr, request.url);
      if (location === undefined) throw new ArcaError('no_leader');
      return { status: 307, headers: { location } };
    }
    if (active === undefined) throw noActiveNode();
    const body = Buffer.isBuffer(request.body) ? request.body : null;
    const answer = await forwarding.forward(
      () => {
        // Asked again while waiting: this node may itself be elected and activated meanwhile.
        if (ha.mode() === 'active') return 'local';
        const peerId = ha.active()?.peerId;
        return peerId === undefined ? undefined : { peerId };
      },
      {
        method: request.method,
        url: request.url,
        headers: relayableHeaders(request.headers),
        body,
        remoteAddress: request.socket.remoteAddress ?? '',
      },
    );
    if (answer === 'local') return servedHere?.(request);
    return { status: answer.status, headers: answer.headers, body: answer.body };
  };
}

/** `/v1/a/b?x=1` → `a/b` (no trailing slash). */
export function requestPath(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw;
  }
  return decoded.replace(/^\/v1\//, '').replace(/^\/+|\/+$/g, '');
}

/** Vault checks `r.Header.Get(...) != ""`: any non-empty value counts. */
function isTruthyHeader(value: string | string[] | undefined): boolean {
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && text !== '';
}
