/**
 * Serves the web UI at `/ui/` (Vault's `ui = true`): `/` and `/ui` redirect to `/ui/` with a 307,
 * as Vault does; `/ui/<file>` answers the built file from memory (ui-assets.ts); any other
 * extension-less `/ui/...` path gets `index.html` (Vault's fallback for client-side routes).
 *
 * Only GET and HEAD are routed here, and nothing under `/v1/` is: the API's routing, ACLs, LIST
 * rewriting and framing checks (list-aware-server.ts) apply to every request exactly as before,
 * and a UI route never reaches core or the cluster gate (a standby serves its own UI; the UI's API
 * calls go to the same origin and are forwarded like any client's).
 *
 * Every UI response carries a strict Content-Security-Policy (scripts and styles from this origin
 * only, no inline code, no framing, no plugins, no `<base>`), `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer` and `nosniff`. Caching: `Cache-Control: no-cache` with a strong
 * ETag, so a browser revalidates each file (304 when unchanged) and never runs a stale script after
 * an upgrade; gzip when the client accepts it.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import type { UiAsset, UiAssets } from './ui-assets.js';

/** The UI's Content-Security-Policy (also checked by the browser tests). */
export const uiContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Headers on every UI response (files, fallbacks, 404s and redirects). */
export const uiSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': uiContentSecurityPolicy,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), payment=()',
};

/** Route config marking UI routes (app.ts's onSend hook leaves their Cache-Control alone). */
export const uiRouteConfig = { ui: true } as const;

/** True when `request` was routed to the UI (see `uiRouteConfig`). */
export function isUiRequest(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { ui?: unknown } | undefined;
  return config?.ui === true;
}

const notBuiltText =
  'The Arca web UI is not built in this installation (run `npm run build`, which compiles ui/ into dist/ui).\n';

/** The HTTP app (app.ts's `HttpApp`, spelled out: app.ts imports this module). */
type App = FastifyInstance<HttpServer, IncomingMessage, ServerResponse, Logger>;

/** Registers the UI routes on `app`. Call only when the configuration enables the UI. */
export function registerUiRoutes(app: App, assets: UiAssets): void {
  const redirect = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    withSecurityHeaders(reply)
      .code(307)
      .header('location', '/ui/')
      .header('cache-control', 'no-store')
      .send();
  app.route({ method: ['GET', 'HEAD'], url: '/', config: uiRouteConfig, handler: redirect });
  app.route({ method: ['GET', 'HEAD'], url: '/ui', config: uiRouteConfig, handler: redirect });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/ui/*',
    config: uiRouteConfig,
    handler: async (request, reply) => {
      withSecurityHeaders(reply);
      const key = assetKey(request.url);
      const asset = assets.get(key) ?? (isClientRoute(key) ? assets.get('index.html') : undefined);
      if (asset === undefined) {
        const text = assets.size === 0 ? notBuiltText : 'not found\n';
        return reply
          .code(404)
          .header('content-type', 'text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(text);
      }
      return sendAsset(request, reply, asset);
    },
  });
}

function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(uiSecurityHeaders)) reply.header(name, value);
  return reply;
}

/** `/ui/pages/kv.js?x` → `pages/kv.js`; `/ui/` → `index.html`. Never decoded: keys are plain names. */
function assetKey(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).slice('/ui/'.length);
  return path === '' ? 'index.html' : path;
}

/** A path with no file extension in its last segment is a client-side route (→ index.html). */
function isClientRoute(key: string): boolean {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return !last.includes('.');
}

async function sendAsset(
  request: FastifyRequest,
  reply: FastifyReply,
  asset: UiAsset,
): Promise<FastifyReply> {
  reply
    .header('content-type', asset.contentType)
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .header('vary', 'Accept-Encoding');
  if (matchesEtag(request.headers['if-none-match'], asset.etag)) return reply.code(304).send();
  const zipped = acceptsGzip(request.headers['accept-encoding']) ? await asset.gzip() : undefined;
  if (zipped !== undefined) return reply.header('content-encoding', 'gzip').send(zipped);
  return reply.send(asset.body);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** `Accept-Encoding` lists gzip with a non-zero quality. */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
