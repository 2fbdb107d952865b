/**
 * An `http.Server`/`https.Server` whose connections pass through `ListMethodRewriter` before Node's
 * HTTP parser, so the Vault `LIST` method works on every request of every connection (keep-alive,
 * pipelined, with or without a body). Used as fastify's `serverFactory`.
 *
 * How: Node's documented way to feed an HTTP server an arbitrary byte stream is to emit its
 * connection event with any `Duplex`. We take the server's own connection listener (the one
 * `node:http` registers on `'connection'`, or on `'secureConnection'` for https, after TLS), and
 * call it with a `RewritingSocket` — a Duplex around the real socket whose readable side is the
 * rewritten stream and whose writable side is the socket itself. Real sockets are still accepted,
 * tracked and closed by the `net`/`tls` server; the wrapper forwards the socket API the HTTP layer
 * and fastify use (addresses, timeouts, keep-alive, `encrypted`, destroy) and relays `'timeout'`.
 */
import { Duplex } from 'node:stream';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { assert } from '../../lib/assert.js';
import { ListMethodRewriter, listMarkerMethod } from './list-method-rewriter.js';

export { listMarkerMethod };

/** A Duplex over a real socket that rewrites request methods on the way in. */
export class RewritingSocket extends Duplex {
  private readonly rewriter = new ListMethodRewriter();

  constructor(readonly socket: net.Socket) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(this.rewriter.transform(chunk))) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('timeout', () => this.emit('timeout'));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('drain', () => this.emit('drain'));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i].chunk);
    this.socket.write(chunks[chunks.length - 1].chunk, callback);
    this.socket.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy(error ?? undefined);
    callback(error);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  /** fastify derives `request.protocol` from this (true on a TLS socket). */
  get encrypted(): boolean {
    return (this.socket as { encrypted?: boolean }).encrypted === true;
  }
  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }
  get bytesRead(): number {
    return this.socket.bytesRead;
  }
  address(): ReturnType<net.Socket['address']> {
    return this.socket.address();
  }
  setTimeout(timeoutMs: number, callback?: () => void): this {
    this.socket.setTimeout(timeoutMs);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelayMs?: number): this {
    this.socket.setKeepAlive(enable, initialDelayMs);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }
  destroySoon(): void {
    this.end();
  }
}

/** TLS material for the https variant. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
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
    nodeConnectionListener.call(server, new RewritingSocket(socket));
  });
  return server;
}
