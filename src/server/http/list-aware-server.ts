/**
 * An `http.Server`/`https.Server` whose request bytes pass through `ListMethodRewriter` before
 * Node's HTTP parser, so the Vault `LIST` method works on every request of every connection
 * (keep-alive, pipelined, with or without a body). Used as fastify's `serverFactory`.
 *
 * How: Node's HTTP server normally lets llhttp read a TCP socket's handle natively, so no bytes
 * reach JavaScript. Adding a `'data'` listener makes it stop doing so ("unconsume"): from then on
 * every chunk is delivered through the socket's `'data'` event to the parser's own listener, which
 * is Node's regular path for sockets read from JavaScript. We hand Node the REAL socket (so
 * addresses, timeouts, keep-alive, backpressure, TLS and close handling are Node's own), trigger
 * the unconsume with a listener we remove again at once, and rewrite each `'data'` chunk on its way
 * to the parser by wrapping this one socket's `emit`. Node still adds and removes its own listener
 * as usual (e.g. on CONNECT), and the rewriter passes everything through once it sees a CONNECT. An
 * assertion checks the unconsume happened, so a Node change that broke it fails loudly.
 *
 * Framing agreement: every request Node delivers (`request` or `checkExpectation`) must be the next
 * request line the rewriter forwarded (same method token, same target), else the connection is
 * destroyed before any handler runs: a request llhttp found where the rewriter did not (smuggling)
 * is never served. A request that asked for an upgrade is answered, then the connection closes (the
 * rewriter forwards nothing after it). Node's own bare answers are replaced by Vault-shaped ones:
 * a missing `Host` (HTTP/1.1) and an unsupported `Expect` get `{"errors":[...]}` and close.
 *
 * Cost (npm run bench:http): ~1.5 µs per request in the rewriter plus one 'data' event per chunk;
 * the earlier design (a Duplex wrapper around every socket, i.e. two stream stacks per connection)
 * served ~0.88× the keep-alive request rate of a plain server; this one ~0.94× (same bench, one run).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { assert } from '../../lib/assert.js';
import { ListMethodRewriter, listMarkerMethod } from './list-method-rewriter.js';
import { writeBareError } from './bare-error.js';

export { listMarkerMethod };

/** TLS material for the https variant. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** Node's per-socket parser handle, as far as this module looks at it (`_consumed` is set by consume). */
interface ParserView {
  _consumed?: boolean;
}

/**
 * Makes every `'data'` chunk of `socket` pass through a fresh `ListMethodRewriter` before any
 * listener (Node's HTTP parser) sees it. Call right after Node's connection listener ran.
 */
function rewriteIncoming(socket: net.Socket): void {
  const rewriter = new ListMethodRewriter();
  rewriters.set(socket, rewriter);
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'data' || !Buffer.isBuffer(args[0])) return emit(event, ...args);
    const bytes = rewriter.transform(args[0]);
    return bytes.length === 0 && args[0].length > 0 ? true : emit(event, bytes);
  }) as net.Socket['emit'];
  // node:http wraps `on` so that adding a 'data' listener stops native consumption of the handle.
  const unconsume = (): void => undefined;
  socket.on('data', unconsume);
  socket.removeListener('data', unconsume);
  const parser = (socket as unknown as { parser?: ParserView | null }).parser;
  assert(
    parser === undefined || parser === null || parser._consumed !== true,
    'node:http still consumes the socket natively: LIST rewriting would be bypassed',
  );
}

/** The rewriter of each live socket (the TLS socket for https). */
const rewriters = new WeakMap<net.Socket, ListMethodRewriter>();

/**
 * True when `req` is the request the rewriter forwarded next; otherwise destroys the connection.
 * Also applies `closeAfter` (upgrade requests are answered, then the connection closes).
 */
function admit(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const forwarded = rewriters.get(req.socket)?.takeRequest();
  if (!forwarded || forwarded.method !== req.method || forwarded.target !== req.url) {
    req.socket.destroy();
    return false;
  }
  if (forwarded.closeAfter) res.shouldKeepAlive = false;
  return true;
}

/**
 * Creates the server fastify will drive (`serverFactory`): plain HTTP, or HTTPS when `tls` is given.
 * `handler` is fastify's request handler.
 */
export function createListAwareServer(
  handler: http.RequestListener,
  tls?: TlsMaterial,
): http.Server | https.Server {
  const guarded: http.RequestListener = (req, res) => {
    if (!admit(req, res)) return;
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      writeBareError(res, 400, 'missing required Host header'); // Go's net/http text, as Vault answers
      return;
    }
    handler(req, res);
  };
  // Node's own Host check answers a bare 400 outside the envelope; `guarded` does it instead.
  const options = { requireHostHeader: false };
  const server = tls
    ? https.createServer({ ...options, cert: tls.cert, key: tls.key }, guarded)
    : http.createServer(options, guarded);
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (admit(req, res)) writeBareError(res, 417, 'expectation failed');
  });
  const event = tls ? 'secureConnection' : 'connection';
  const listeners = server.listeners(event) as ((socket: unknown) => void)[];
  assert(listeners.length === 1, `expected exactly one ${event} listener on a fresh server`);
  const [nodeConnectionListener] = listeners;
  server.removeListener(event, nodeConnectionListener);
  server.on(event, (socket: net.Socket) => {
    nodeConnectionListener.call(server, socket);
    rewriteIncoming(socket);
  });
  return server;
}
