/**
 * The HTTP front door: a fastify 5 app that maps every `/v1/*` call onto one `LogicalRequest`,
 * hands it to the `RequestHandler` (core), and renders the result Vault's way. The app owns no
 * vault logic: methods, data sources, token headers, body limits, error mapping and response
 * shapes only (see request-mapping.ts and response-rendering.ts for the rules).
 *
 * Every response (success, error, 404, fastify's own failures) carries `Cache-Control: no-store`
 * and, unless the backend returned a raw body, `Content-Type: application/json` — except the web
 * UI's files when `ui` is set (ui-routes.ts: `/`, `/ui`, `/ui/*`, GET/HEAD only, revalidated). No error ever
 * crashes the process: unexpected errors are logged (never with request data) and become 500
 * `{"errors":["internal error"]}`. `LIST` works on every connection via list-aware-server.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { Readable } from 'node:stream';
import {
  fastify,
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ArcaError, isArcaError } from '../../lib/errors.js';
import type { JsonLimits } from '../../lib/json-limits.js';
import { limits } from '../../lib/limits.js';
import type { RequestHandler } from '../../logical/handler.js';
import type { RawResponse } from '../../logical/response.js';
import type { Logger } from '../logger.js';
import { parseListenAddress } from '../address.js';
import { answerFrameworkError } from './framework-errors.js';
import { createListAwareServer, listMarkerMethod } from './list-aware-server.js';
import { clientMethod, toLogicalRequest } from './request-mapping.js';
import type { UiAssets } from './ui-assets.js';
import { isUiRequest, registerUiRoutes } from './ui-routes.js';
import {
  renderError,
  renderErrors,
  renderResponse,
  jsonContentType,
  type RenderedResponse,
} from './response-rendering.js';

/** Options for `createHttpApp`. */
export interface HttpAppOptions {
  /** Core (or a test double): receives one `LogicalRequest` per `/v1/*` call. */
  handler: RequestHandler;
  /** The process logger; each request gets a child with its `request_id`. */
  logger: Logger;
  /** Listener `max_request_size`; larger bodies get 413 (default `limits.requestBodyBytesMax`). */
  requestBodyBytesMax?: number;
  /** Listener JSON body limits (`max_json_depth` etc.; default Vault's, see lib/json-limits.ts). */
  jsonLimits?: JsonLimits;
  /** Serve HTTPS with this PEM certificate chain and key (read once, at creation). */
  tls?: { certFile: string; keyFile: string };
  /**
   * Set when the listener has `telemetry { unauthenticated_metrics_access = true }`: a tokenless
   * `GET /v1/sys/metrics` is answered by this renderer instead of being refused by the ACL.
   */
  unauthenticatedMetrics?: (format: 'prometheus' | 'json') => Promise<RawResponse>;
  /**
   * Cluster hook (src/server/cluster/http-gate.ts): runs before the handler and may answer the
   * request itself (a standby forwarding to the active node, a 307, `sys/storage/raft/join`).
   * Undefined → the request goes to the handler as usual. ArcaErrors become Vault error bodies.
   */
  intercept?: (request: FastifyRequest) => Promise<InterceptedResponse | undefined>;
  /** Set when the configuration enables the web UI (`ui = true`, dev mode): served at `/ui/`. */
  ui?: UiAssets;
  /**
   * Bodies of these `/v1/` paths (POST/PUT) are handed to `receive` as a stream, up to
   * `bytesMax`, instead of being buffered (snapshot restore, raft-core.ts). `receive` consumes
   * the stream and returns what the request carries on as its body (usually nothing).
   */
  streamedUploads?: {
    paths: string[];
    bytesMax: number;
    receive(request: FastifyRequest, body: Readable): Promise<Uint8Array>;
  };
}

/** A complete answer produced by `intercept`, sent verbatim (plus `Cache-Control: no-store`). */
export interface InterceptedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: Uint8Array;
}

/** The fastify app type (the raw server is an https.Server when TLS is on). */
export type HttpApp = FastifyInstance<HttpServer, IncomingMessage, ServerResponse, Logger>;

/** The paths a HEAD request may address (Vault: sys/health only). */
const headPaths = new Set(['sys/health']);

/** Stands in for fastify's schema compilers: a route with a schema is a programmer error here. */
function noSchemas(): never {
  throw new Error('Arca routes declare no fastify schemas (request-mapping.ts checks bodies)');
}

/** Creates the fastify app (not yet listening). Call `listenHttpApp` or `app.listen` to serve. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const tls = options.tls
    ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }
    : undefined;
  const bodyLimit = options.requestBodyBytesMax ?? limits.requestBodyBytesMax;
  const app = fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: () => randomUUID(),
    exposeHeadRoutes: false,
    bodyLimit,
    routerOptions: { maxParamLength: 64 * 1024 },
    serverFactory: (handler) => createListAwareServer(handler, tls) as HttpServer,
    clientErrorHandler: writeClientError,
    frameworkErrors: answerFrameworkError,
    // fastify's draining 503 is written outside the envelope; requests still arriving while closing
    // are served (with Connection: close) and get core's own answer instead.
    return503OnClosing: false,
    // No route declares a schema (bodies are parsed and checked by request-mapping.ts), so fastify's
    // default compilers (ajv, fast-json-stringify: ~60 ms of module loading) are never needed.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
  });
  app.addHttpMethod(listMarkerMethod, { hasBody: false });

  app.removeAllContentTypeParsers();
  // Every body is read as bytes and interpreted by request-mapping.ts (JSON, form, Vault's errors),
  // whatever its content type. The same parser is also registered under `application/json` only as
  // a fast path: fastify caches the parser it finds for a header value, but never the catch-all, so
  // without it every JSON request re-parsed its Content-Type header (7% of a write's CPU).
  const keepBytes = (_request: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) =>
    done(null, body);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, keepBytes);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, keepBytes);

  // Callback style (not async): no promise per response on the hot path.
  // `send` already set both headers on every envelope answer; this fills them in for the rest
  // (intercepted answers, fastify's own replies) without setting them a second time.
  app.addHook('onSend', (request, reply, payload, done) => {
    // UI files set their own caching (ui-routes.ts); everything else is never cached.
    if (!reply.hasHeader('cache-control') && !isUiRequest(request)) reply.header('cache-control', 'no-store');
    if (!reply.hasHeader('content-type')) reply.header('content-type', jsonContentType);
    done(null, payload);
  });
  // Per-request completion lines only exist at debug level; skip the hook (a promise per request) otherwise.
  if (options.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug(
        {
          method: clientMethod(request.method),
          path: request.url.split('?')[0],
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
        },
        'request completed',
      );
    });
  }

  const v1Handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // Single node: no gate, so no `await` (a microtask turn per request) for nothing.
    if (options.intercept !== undefined) {
      const intercepted = await options.intercept(request);
      if (intercepted !== undefined) return sendIntercepted(reply, intercepted);
    }
    const rendered = await serve(options, request);
    return send(reply, rendered);
  };
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', listMarkerMethod],
    url: '/v1/*',
    handler: v1Handler,
  });
  const uploads = options.streamedUploads;
  for (const path of uploads?.paths ?? []) {
    app.route({
      method: ['POST', 'PUT'],
      url: `/v1/${path}`,
      bodyLimit: uploads!.bytesMax,
      // The body goes to `receive` as it arrives; fastify then parses what it returns.
      preParsing: async (request, _reply, payload) => {
        const rest = Buffer.from(await uploads!.receive(request, payload));
        const body = Readable.from(rest.length > 0 ? [rest] : []) as Readable & {
          receivedEncodedLength?: number;
        };
        body.receivedEncodedLength = Number(request.headers['content-length'] ?? rest.length);
        return body;
      },
      handler: v1Handler,
    });
  }

  if (options.ui !== undefined) registerUiRoutes(app, options.ui);

  app.setNotFoundHandler(async (request, reply) => {
    // Routed paths with an unrouted method reach here too: under /v1/ that is Vault's 405.
    const underV1 = request.url.startsWith('/v1/');
    return send(reply, underV1 ? renderError(new ArcaError('unsupported_operation')) : renderErrors(404, []));
  });

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const mapped = mapFrameworkError(err);
    if (!mapped)
      request.log.error({ err: { message: err.message, code: err.code } }, 'unexpected error in HTTP layer');
    return send(reply, renderError(mapped ?? err));
  });

  return app;
}

/** Runs one request through the handler; never throws. */
async function serve(options: HttpAppOptions, request: FastifyRequest): Promise<RenderedResponse> {
  const method = clientMethod(request.method);
  try {
    const logical = toLogicalRequest({
      requestId: request.id,
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
      remoteAddress: request.socket.remoteAddress ?? '',
      jsonLimits: options.jsonLimits,
    });
    if (method === 'HEAD' && !headPaths.has(logical.path)) throw new ArcaError('unsupported_operation');
    const metrics = options.unauthenticatedMetrics;
    if (
      metrics &&
      logical.path === 'sys/metrics' &&
      logical.operation === 'read' &&
      logical.clientToken === ''
    ) {
      const format = logical.data['format'] === 'prometheus' ? 'prometheus' : 'json';
      return renderResponse(request.id, { raw: await metrics(format) }, method === 'HEAD');
    }
    const response = await options.handler.handleRequest(logical);
    return renderResponse(request.id, response, method === 'HEAD');
  } catch (err) {
    if (!isArcaError(err)) {
      // Only the error's own description: request data and tokens stay out of logs.
      const error =
        err instanceof Error
          ? { name: err.name, message: err.message, stack: err.stack }
          : { value: String(err) };
      request.log.error({ err: error, method, path: request.url.split('?')[0] }, 'request handler failed');
    }
    const rendered = renderError(err);
    return method === 'HEAD' ? { ...rendered, body: undefined } : rendered;
  }
}

/** A serializer that leaves an already-encoded JSON string as it is. */
const encoded = (payload: unknown): string => payload as string;

function send(reply: FastifyReply, rendered: RenderedResponse): FastifyReply {
  reply
    .code(rendered.status)
    .header('content-type', rendered.contentType)
    .header('cache-control', 'no-store');
  const body = rendered.body;
  if (body === undefined || rendered.status === 204) return reply.send();
  // A JSON string goes out as it is, headers and body in one write (no copy into a Buffer); the
  // serializer keeps fastify from appending `; charset=utf-8` to its content type, as Vault sends.
  if (typeof body === 'string') return reply.serializer(encoded).send(body);
  return reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

function sendIntercepted(reply: FastifyReply, response: InterceptedResponse): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  if (response.body === undefined || response.body.length === 0) return reply.send();
  return reply.send(Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength));
}

/** fastify's own errors (body limit, content type, content length) in Vault's terms. */
function mapFrameworkError(err: FastifyError): ArcaError | undefined {
  if (isArcaError(err)) return err;
  const status = err.statusCode ?? 500;
  if (status === 413) return new ArcaError('payload_too_large');
  if (status === 415)
    return new ArcaError('unsupported_media_type', `unsupported media type: ${err.message}`);
  if (status >= 400 && status < 500) return new ArcaError('invalid_request', err.message);
  return undefined;
}

/** Answers requests Node's HTTP parser rejected (malformed, headers too large) in Vault's shape. */
function writeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason =
    status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  const body = JSON.stringify({ errors: [status === 400 ? 'malformed HTTP request' : reason.toLowerCase()] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${jsonContentType}\r\nCache-Control: no-store\r\n` +
      `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Starts serving on `address` (`host:port`; port 0 = ephemeral). Resolves to the bound base URL. */
export async function listenHttpApp(app: HttpApp, address: string): Promise<string> {
  const { host, port } = parseListenAddress(address);
  await app.listen({ host, port });
  const bound = app.server.address();
  const scheme = app.server instanceof TlsServer ? 'https' : 'http';
  if (bound === null || typeof bound === 'string') return `${scheme}://${address}`;
  const boundHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `${scheme}://${boundHost}:${bound.port}`;
}
