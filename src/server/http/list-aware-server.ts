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
 * as usual (e.g. on CONNECT), and the rewriter passes everything through once it sees a CONNECT or
 * an Upgrade. An assertion checks the unconsume happened, so a Node change that broke it fails loudly.
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
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean =>
    event === 'data' && Buffer.isBuffer(args[0])
      ? emit(event, rewriter.transform(args[0]))
      : emit(event, ...args)) as net.Socket['emit'];
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

/**
 * Creates the server fastify will drive (`serverFactory`): plain HTTP, or HTTPS when `tls` is given.
 * `handler` is fastify's request handler.
 */
export function createListAwareServer(
  handler: http.RequestListener,
  tls?: TlsMaterial,
): http.Server | https.Server {
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
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
