/**
 * Writes a Vault-shaped error (`{"errors":[message]}`, `Cache-Control: no-store`) straight to a
 * Node `ServerResponse` and closes the connection after it. For the few answers given below the
 * fastify app (framing and protocol checks in list-aware-server.ts), so that every response on the
 * wire has the same envelope whoever writes it. Closing is deliberate: these are protocol errors,
 * after which Go's net/http (Vault) also closes.
 */
import type http from 'node:http';

/** Writes `status` with `{"errors":[message]}` and `Connection: close`; ends the response. */
export function writeBareError(res: http.ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ errors: [message] });
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
