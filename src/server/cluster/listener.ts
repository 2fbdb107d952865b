/**
 * The cluster port: accepts TCP connections, runs the responder handshake under a deadline, admits
 * only allowed peer ids, and bounds the number of handshakes in progress. Every refusal is logged
 * with its reason and the remote address (never key material or bytes received); a refused or
 * failed connection never affects the others.
 */
import { createServer, type Server, type ServerOpts, type Socket } from 'node:net';
import { HandshakeError, type SecureChannel, type SecureConnection } from './secure-channel.js';
import { clusterSocketHighWaterMarkBytes } from './socket-stream.js';
import type { PeerAddress } from './address.js';
import { type ClusterLogger, describeError } from './logger.js';

/** Listener settings. */
export interface ClusterListenerOptions {
  channel: SecureChannel;
  isAllowed: (peerId: string) => boolean;
  pendingHandshakesMax: number;
  logger: ClusterLogger;
  onConnection: (secure: SecureConnection) => void;
}

/** Counters of refused inbound connections by reason (for metrics and tests). */
export type RefusalCounts = Record<string, number>;

/** The listening side of the cluster channel. */
export class ClusterListener {
  private readonly server: Server;
  private readonly handshaking = new Set<Socket>();
  private readonly closeController = new AbortController();
  readonly refusals: RefusalCounts = {};

  constructor(private readonly options: ClusterListenerOptions) {
    // @types/node 20 lacks `highWaterMark` in ServerOpts; Node 20 honours it for accepted sockets.
    const serverOptions = { highWaterMark: clusterSocketHighWaterMarkBytes } as ServerOpts;
    this.server = createServer(serverOptions, (socket) => this.onSocket(socket));
    this.server.on('error', (err) =>
      options.logger.error({ err: describeError(err) }, 'cluster listener error'),
    );
  }

  /** Binds; resolves with the actual address (port 0 picks a free port). */
  listen(address: PeerAddress): Promise<PeerAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        const bound = this.server.address();
        if (bound === null || typeof bound === 'string')
          reject(new Error('cluster listener has no TCP address'));
        else resolve({ host: bound.address, port: bound.port });
      });
    });
  }

  /** Stops accepting and aborts handshakes in progress (established connections are the owner's). */
  async close(): Promise<void> {
    this.closeController.abort();
    for (const socket of this.handshaking) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = this.options.logger;
    socket.on('error', () => undefined); // reported through the handshake result
    if (this.handshaking.size >= this.options.pendingHandshakesMax) {
      this.refuse('too_many_handshakes', remote, 'too many cluster handshakes in progress');
      socket.destroy();
      return;
    }
    this.handshaking.add(socket);
    this.options.channel.accept(socket, this.options.isAllowed, this.closeController.signal).then(
      (secure) => {
        this.handshaking.delete(socket);
        log.info({ peerId: secure.remotePeerId, remote }, 'cluster peer accepted');
        this.options.onConnection(secure);
      },
      (err: unknown) => {
        this.handshaking.delete(socket);
        socket.destroy();
        if (err instanceof HandshakeError) this.refuse(err.reason, remote, err.message);
        else this.refuse('handshake_failed', remote, describeError(err));
      },
    );
  }

  private refuse(reason: string, remote: string, detail: string): void {
    this.refusals[reason] = (this.refusals[reason] ?? 0) + 1;
    if (this.closeController.signal.aborted) return;
    this.options.logger.warn({ reason, remote, detail }, 'cluster connection refused');
  }
}
