/**
 * A `net.Socket` as a libp2p `MessageStream`, the shape `@chainsafe/libp2p-noise` 17 encrypts. This
 * is what lets us use Noise without a libp2p node. Writes are corked so each Noise chunk (u16
 * length + ciphertext) leaves in one `writev`; `canSendMore` mirrors `socket.write()` so
 * backpressure flows up to the encrypted stream and from there to our per-peer sender.
 */
import './polyfill.js';
import type { Socket } from 'node:net';
import { AbstractMessageStream } from '@libp2p/utils';
import type { SendResult } from '@libp2p/utils';
import { defaultLogger } from '@libp2p/logger';
import type { AbortOptions } from '@libp2p/interface';

/** Socket buffer size for cluster sockets: large enough that a coalesced batch rarely blocks. */
export const clusterSocketHighWaterMarkBytes = 1024 * 1024;

/**
 * Noise's read buffer bound (bytes held while nobody listens). We always listen, so this only
 * matters during the handshake; it must exceed one Noise message (64 KiB).
 */
const readBufferBytesMax = 8 * 1024 * 1024;

const libp2pLogger = defaultLogger();

/** Wraps a connected socket. `direction` is 'outbound' for the dialler, 'inbound' for the acceptor. */
export class SocketMessageStream extends AbstractMessageStream {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly socket: Socket,
    direction: 'inbound' | 'outbound',
  ) {
    super({
      log: libp2pLogger.forComponent(`arca:cluster:socket:${direction}`),
      direction,
      maxReadBufferLength: readBufferBytesMax,
    });
    socket.setNoDelay(true);
    // A peer whose host vanished sends no FIN; keepalive lets the kernel notice within minutes.
    socket.setKeepAlive(true, 15_000);
    socket.on('data', (buf: Buffer) => this.onData(buf));
    socket.on('end', () => this.onRemoteCloseWrite());
    socket.on('close', (hadError: boolean) => {
      if (hadError) this.abort(new Error('socket closed with an error'));
      else this.onTransportClosed();
    });
    socket.on('error', (err) => this.abort(err));
    socket.on('drain', () => this.safeDispatchEvent('drain'));
  }

  override sendData(data: Parameters<AbstractMessageStream['sendData']>[0]): SendResult {
    let canSendMore = true;
    this.socket.cork();
    try {
      for (const buf of data) canSendMore = this.socket.write(buf);
    } finally {
      this.socket.uncork();
    }
    return { sentBytes: data.byteLength, canSendMore };
  }

  override sendReset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  override sendPause(): void {
    this.socket.pause();
  }

  override sendResume(): void {
    this.socket.resume();
  }

  /** Flushes queued bytes, half-closes, and resolves once the socket has fully closed. */
  override async close(options?: AbortOptions): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.status !== 'open') return;
    this.status = 'closing';
    this.writeStatus = 'closing';
    this.closing = (async () => {
      if (this.writeBufferLength > 0) await this.onDrain(options).catch(() => undefined);
      const closed = new Promise<void>((resolve) => {
        if (this.socket.destroyed) resolve();
        else this.socket.once('close', () => resolve());
      });
      this.socket.end();
      const timer = setTimeout(() => this.socket.destroy(), 2_000);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
      }
      this.onTransportClosed();
    })();
    return this.closing;
  }
}
