/**
 * One authenticated cluster connection: decrypted bytes → frames → values delivered in order to the
 * owner, and values → coalescing sender → Noise. A frame error or write error aborts this
 * connection only (logged with its reason); the process and the other connections carry on.
 */
import type { SecureConnection } from './secure-channel.js';
import { FrameDecoder, FrameError, encodeBody } from './framing.js';
import { PeerSender } from './peer-sender.js';
import { type ClusterLogger, describeError } from './logger.js';

/** Why a connection ended (for logs and to fail in-flight calls). */
export type ConnectionCloseReason =
  | 'local_close'
  | 'remote_closed'
  | 'frame_too_large'
  | 'frame_undecodable'
  | 'protocol_violation'
  | 'write_failed'
  | 'peer_removed'
  | 'replaced';

/** Callbacks of the connection's owner (the connection manager). */
export interface ConnectionEvents {
  onValue(connection: PeerConnection, value: unknown): void;
  onClosed(connection: PeerConnection, reason: ConnectionCloseReason): void;
}

/** Settings of one connection. */
export interface ConnectionOptions {
  frameBytesMax: number;
  queueBytesMax: number;
  logger: ClusterLogger;
}

let nextConnectionId = 1;

/** A framed, bounded, ordered message connection to one authenticated peer. */
export class PeerConnection {
  /** Process-unique id (for logs and for matching calls to the connection they went out on). */
  readonly id = nextConnectionId++;
  readonly remotePeerId: string;
  readonly direction: 'inbound' | 'outbound';
  private readonly decoder: FrameDecoder;
  private readonly sender: PeerSender;
  private closeReason: ConnectionCloseReason | undefined;

  constructor(
    private readonly secure: SecureConnection,
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.remotePeerId = secure.remotePeerId;
    this.direction = secure.direction;
    this.decoder = new FrameDecoder(options.frameBytesMax);
    this.sender = new PeerSender(secure.stream, options.queueBytesMax, (err) => {
      options.logger.warn({ peerId: this.remotePeerId, err: describeError(err) }, 'cluster write failed');
      this.abort('write_failed');
    });
    const stream = secure.stream;
    stream.addEventListener('message', (event) => this.onData(event.data));
    stream.addEventListener('remoteCloseWrite', () => this.close('remote_closed'));
    stream.addEventListener('close', () => this.finish('remote_closed'));
  }

  /** True until the connection starts closing. */
  get isOpen(): boolean {
    return this.closeReason === undefined;
  }

  /** Bytes waiting in this connection's send queue. */
  get queuedBytes(): number {
    return this.sender.queuedBytes;
  }

  /** Sender counters (frames queued, refused at the bound, discarded on close, writes). */
  get senderStats(): PeerSender['stats'] {
    return this.sender.stats;
  }

  /**
   * Encodes and queues a value. Returns false when it was not queued (connection closing or the
   * queue bound reached). Throws only for values msgpack cannot encode (a programmer error).
   */
  send(value: unknown): boolean {
    if (this.closeReason !== undefined) return false;
    return this.sender.enqueue(encodeBody(value));
  }

  /** Graceful close: flushes what Noise already holds, then FIN. Queued frames are discarded. */
  close(reason: ConnectionCloseReason = 'local_close'): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.sender.close();
    this.secure.stream.close().catch(() => this.secure.socket.destroy());
    // A peer that never answers our FIN must not hold the socket for ever.
    const timer = setTimeout(() => this.secure.socket.destroy(), 2_000);
    timer.unref();
    this.secure.socket.once('close', () => clearTimeout(timer));
  }

  /** Hard close (TCP reset) for protocol violations. */
  abort(reason: ConnectionCloseReason): void {
    if (this.closeReason === undefined) this.closeReason = reason;
    this.sender.close();
    this.secure.stream.abort(new Error(reason));
    this.secure.socket.destroy();
    this.finish(reason);
  }

  private onData(data: Uint8Array | Iterable<Uint8Array>): void {
    if (this.closeReason !== undefined) return;
    try {
      const chunks = data instanceof Uint8Array ? [data] : data;
      for (const chunk of chunks) {
        for (const value of this.decoder.push(chunk)) {
          if (this.closeReason !== undefined) return;
          this.events.onValue(this, value);
        }
      }
    } catch (err) {
      const reason = err instanceof FrameError ? err.reason : 'protocol_violation';
      this.options.logger.warn(
        { peerId: this.remotePeerId, reason, err: describeError(err) },
        'cluster connection refused a frame; closing it',
      );
      this.abort(reason);
    }
  }

  private finishedReported = false;

  private finish(fallbackReason: ConnectionCloseReason): void {
    if (this.finishedReported) return;
    this.finishedReported = true;
    this.closeReason ??= fallbackReason;
    this.sender.close();
    this.events.onClosed(this, this.closeReason);
  }
}
