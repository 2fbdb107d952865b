/**
 * The link from this node to one peer: keeps one outbound connection up, redialling with jittered
 * exponential backoff after a failure or a drop, always pinning the peer id it expects. Everything
 * this node initiates towards the peer (one-way messages and calls) goes over this connection, so
 * per-peer order is the TCP order of one connection; a restart of the peer is a reconnect.
 */
import type { Rng } from '../../lib/rng.js';
import { type PeerAddress, formatPeerAddress } from './address.js';
import { type BackoffPolicy, reconnectDelayMs } from './backoff.js';
import { type ConnectionEvents, type ConnectionOptions, PeerConnection } from './connection.js';
import { HandshakeError, type SecureChannel } from './secure-channel.js';
import { describeError } from './logger.js';

/** What a link needs from the transport. */
export interface OutboundLinkDeps {
  channel: SecureChannel;
  connectionOptions: ConnectionOptions;
  events: ConnectionEvents;
  rng: Rng;
  backoff: BackoffPolicy;
}

/** Keeps a connection to one peer open until `close()`. */
export class OutboundLink {
  private current: PeerConnection | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private dialAbort: AbortController | undefined;
  private closed = false;
  private dialing = false;
  private waiters = new Set<(connection: PeerConnection | undefined) => void>();

  constructor(
    readonly peerId: string,
    private address: PeerAddress,
    private readonly deps: OutboundLinkDeps,
  ) {}

  /** The open connection, if any. */
  get connection(): PeerConnection | undefined {
    return this.current?.isOpen === true ? this.current : undefined;
  }

  /** Starts dialling. */
  start(): void {
    this.dial();
  }

  /** Changes the peer's address: drops the current connection and redials there. */
  setAddress(address: PeerAddress): void {
    if (address.host === this.address.host && address.port === this.address.port) return;
    this.address = address;
    this.attempt = 0;
    if (this.current !== undefined)
      this.current.close('replaced'); // its close handler redials
    else if (this.dialing)
      this.dialAbort?.abort(); // its failure handler redials
    else {
      this.clearTimer();
      this.dial();
    }
  }

  /** Resolves with the connection once open; rejects when `signal` fires or the link closes. */
  waitConnected(signal: AbortSignal): Promise<PeerConnection> {
    const open = this.connection;
    if (open !== undefined) return Promise.resolve(open);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const waiter = (connection: PeerConnection | undefined): void => {
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        if (connection === undefined) reject(new Error('link closed'));
        else resolve(connection);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Stops redialling and closes the connection. */
  close(reason: 'peer_removed' | 'local_close'): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.dialAbort?.abort();
    this.current?.close(reason);
    for (const waiter of [...this.waiters]) waiter(undefined);
  }

  private dial(): void {
    if (this.closed) return;
    this.timer = undefined;
    const abort = new AbortController();
    this.dialAbort = abort;
    this.dialing = true;
    const log = this.deps.connectionOptions.logger;
    const target = formatPeerAddress(this.address);
    this.deps.channel.dial(this.address, this.peerId, abort.signal).then(
      (secure) => {
        this.dialing = false;
        if (this.closed || abort.signal.aborted) {
          secure.socket.destroy();
          if (!this.closed) this.dial();
          return;
        }
        this.attempt = 0;
        const connection = new PeerConnection(secure, this.deps.connectionOptions, {
          onValue: (c, value) => this.deps.events.onValue(c, value),
          onClosed: (c, reason) => this.onConnectionClosed(c, reason),
        });
        this.current = connection;
        log.info({ peerId: this.peerId, address: target }, 'cluster peer connected');
        for (const waiter of [...this.waiters]) waiter(connection);
      },
      (err: unknown) => {
        this.dialing = false;
        if (this.closed) return;
        const reason = err instanceof HandshakeError ? err.reason : 'handshake_failed';
        const fields = { peerId: this.peerId, address: target, reason, attempt: this.attempt };
        // A peer that stays down should not flood the log: warn on the first failures only.
        if (this.attempt < 3) log.warn({ ...fields, err: describeError(err) }, 'cluster dial failed');
        else log.debug(fields, 'cluster dial failed');
        this.scheduleRedial();
      },
    );
  }

  private onConnectionClosed(connection: PeerConnection, reason: string): void {
    this.deps.events.onClosed(connection, reason as Parameters<ConnectionEvents['onClosed']>[1]);
    if (this.current !== connection) return;
    this.current = undefined;
    if (this.closed) return;
    this.deps.connectionOptions.logger.info({ peerId: this.peerId, reason }, 'cluster peer disconnected');
    this.scheduleRedial();
  }

  private scheduleRedial(): void {
    if (this.closed || this.timer !== undefined) return;
    const delayMs = reconnectDelayMs(this.attempt++, this.deps.backoff, this.deps.rng);
    this.timer = setTimeout(() => this.dial(), delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
