/**
 * `server -dev` bootstrap, done the way an operator would — through the request handler, so it
 * exercises exactly the paths a client uses: init with one key share, unseal, optionally replace
 * the root token by one with the chosen id (`-dev-root-token-id`, the generated one is revoked, as
 * in Vault), and mount KV v2 at `secret/`. Returns the unseal key and root token for the banner.
 * The chosen-id token is minted by core as init mints its root (display name `root`, path
 * `auth/token/root`), not by `auth/token/create` (which would name it `token-root`).
 */
import { anyObject, parseJson } from '../lib/shape.js';
import { randomUUID } from 'node:crypto';
import { ArcaError } from '../lib/errors.js';
import type { RequestHandler } from '../logical/handler.js';
import type { LogicalRequest, Operation } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';

/** What the dev banner shows. */
export interface DevCredentials {
  unsealKey: string;
  rootToken: string;
}

/** The dev core: the request handler, plus minting a root token with a chosen id. */
export interface DevCore extends RequestHandler {
  /** Required for `rootTokenId` (the single-node core has it; dev mode never runs Raft). */
  createDevRootToken?(id: string): Promise<void>;
}

/** Initialises, unseals and prepares a fresh dev core. */
export async function bootstrapDevCore(
  handler: DevCore,
  options: { rootTokenId?: string } = {},
): Promise<DevCredentials> {
  const call = async (operation: Operation, path: string, data: Record<string, unknown>, clientToken = '') =>
    bodyOf(await handler.handleRequest(devRequest(operation, path, data, clientToken)), path);

  const init = await call('update', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  const keys = init.keys_base64 ?? init.keys;
  const generatedRoot = init.root_token;
  if (!Array.isArray(keys) || typeof keys[0] !== 'string' || typeof generatedRoot !== 'string') {
    throw new ArcaError('internal', 'dev bootstrap: sys/init returned no key or root token');
  }
  const unsealKey = keys[0];
  const status = await call('update', 'sys/unseal', { key: unsealKey });
  if (status.sealed !== false) throw new ArcaError('internal', 'dev bootstrap: still sealed after unseal');

  let rootToken = generatedRoot;
  if (
    options.rootTokenId !== undefined &&
    options.rootTokenId !== '' &&
    options.rootTokenId !== generatedRoot
  ) {
    if (handler.createDevRootToken === undefined)
      throw new ArcaError('internal', 'dev bootstrap: this core cannot mint a root token with a chosen id');
    await handler.createDevRootToken(options.rootTokenId);
    await call('update', 'auth/token/revoke-self', {}, generatedRoot);
    rootToken = options.rootTokenId;
  }
  await call(
    'update',
    'sys/mounts/secret',
    { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' },
    rootToken,
  );
  return { unsealKey, rootToken };
}

function devRequest(
  operation: Operation,
  path: string,
  data: Record<string, unknown>,
  clientToken: string,
): LogicalRequest {
  return { id: randomUUID(), operation, path, data, clientToken, headers: {}, remoteAddress: '127.0.0.1' };
}

/** The JSON object a response carries: a raw body parsed, or the envelope's data. */
function bodyOf(response: LogicalResponse, path: string): Record<string, unknown> {
  if (response.raw) {
    const text =
      typeof response.raw.body === 'string'
        ? response.raw.body
        : Buffer.from(response.raw.body).toString('utf8');
    if (response.raw.status >= 400)
      throw new ArcaError('internal', `dev bootstrap: ${path} answered ${response.raw.status}`);
    if (text === '') return {};
    try {
      return parseJson(text, anyObject);
    } catch {
      throw new ArcaError('internal', `dev bootstrap: ${path} answered a body that is not a JSON object`);
    }
  }
  return response.data ?? {};
}
