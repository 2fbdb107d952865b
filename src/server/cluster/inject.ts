/**
 * The active node's half of forwarding: serves a forwarded request through this node's own HTTP
 * app with fastify's `inject` (no socket), so it takes exactly the path a direct request takes —
 * request mapping, token, ACL, audit (once, here), metrics, response rendering — with the client's
 * original remote address for the audit trail.
 */
import type { HttpApp } from '../http/app.js';
import { internalForwardHeader, relayableHeaders, type InjectFn } from './forwarding.js';

/** An `InjectFn` over `app`. The marker header keeps the injected request from being forwarded again. */
export function injectInto(app: HttpApp): InjectFn {
  return async (request, marker) => {
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: { ...request.headers, [internalForwardHeader]: marker },
      payload: request.body === null ? undefined : Buffer.from(request.body),
      remoteAddress: request.remoteAddress,
    });
    return {
      status: response.statusCode,
      headers: relayableHeaders(response.headers),
      body: response.rawPayload,
    };
  };
}
