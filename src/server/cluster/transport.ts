/**
 * `ClusterTransport`: the node-to-node channel as the rest of the server sees it. One-way messages
 * on named channels (Raft), request/response calls (forwarding, joins), membership via `setPeers`.
 * Underneath: Noise XX over TCP with pinned identities, an allow-list, u32+msgpack frames and a
 * coalescing, bounded sender per connection. It knows nothing of Raft.
 *
 * At the queue bound (`clusterPeerQueueBytesMax` bytes waiting for a slow peer): `send` drops the
 * message, counts it in `stats().messagesDropped` and returns false (Raft tolerates loss);
 * `call` fails at once with `ClusterCallError` reason 'queue_full' (503 'unavailable'). A message
 * to a peer that is not connected is dropped the same way; a call waits for the connection until
 * its deadline.
 */
import './polyfill.js';
import { limits } from '../../lib/limits.js';
import type { Rng } from '../../lib/rng.js';
import { type PeerAddress, parsePeerAddress } from './address.js';
import { type BackoffPolicy, defaultReconnectBackoff } from './backoff.js';
import { type ConnectionCloseReason, type ConnectionOptions, PeerConnection } from './connection.js';
import { type Envelope, type MessageEnvelope, parseEnvelope } from './envelope.js';
import type { NodeIdentity } from './identity.js';
import { ClusterListener } from './listener.js';
import { type ClusterLogger, describeError } from './logger.js';
import { OutboundLink } from './outbound-link.js';
import { type CallHandler, ClusterCallError, RpcEngine } from './rpc.js';
import { SecureChannel, type SecureConnection } from './secure-channel.js';

/** How to build a transport. Limits default to `src/lib/limits.ts`. */
export interface ClusterTransportOptions {
  identity: NodeIdentity;
  /** Nodes with a different cluster id can never complete a handshake with this one. */
  clusterId: string;
  listen: PeerAddress;
  logger: ClusterLogger;
  /** Jitter for reconnect backoff. */
  rng: Rng;
  /**
   * Extra admission for inbound peers beyond the `setPeers` membership (e.g. a node that presented
   * a valid join ticket). Called at every handshake and by `refreshAllowList()`.
   */
  isAllowed?: (peerId: string) => boolean;
  handshakeTimeoutMs?: number;
  frameBytesMax?: number;
  peerQueueBytesMax?: number;
  pendingHandshakesMax?: number;
  reconnectBackoff?: BackoffPolicy;
}

/** Options of one call. */
export interface CallOptions {
  /** Deadline for the whole call, including waiting for the connection. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Receives one-way messages of a channel with the sender's authenticated peer id. */
export type MessageHandler = (fromPeerId: string, message: unknown) => void;

/** Counters for metrics and tests. */
export interface ClusterTransportStats {
  messagesSent: number;
  messagesDropped: number;
  messagesReceived: number;
  messagesUnrouted: number;
  connectionsClosed: Partial<Record<ConnectionCloseReason, number>>;
  refusals: Record<string, number>;
  pendingCalls: number;
}

/** The node-to-node channel. Create with `ClusterTransport.start()`. */
export class ClusterTransport {
  private readonly links = new Map<string, OutboundLink>();
  private readonly inbound = new Map<string, PeerConnection>();
  private readonly channelHandlers = new Map<string, MessageHandler>();
  private readonly rpc: RpcEngine;
  private readonly connectionOptions: ConnectionOptions;
  private members = new Map<string, PeerAddress>();
  private closed = false;
  private readonly counters = {
    messagesSent: 0,
    messagesDropped: 0,
    messagesReceived: 0,
    messagesUnrouted: 0,
    connectionsClosed: {} as Partial<Record<ConnectionCloseReason, number>>,
  };

  private constructor(
    private readonly options: ClusterTransportOptions,
    private readonly channel: SecureChannel,
    private readonly listener: ClusterListener,
    /** The bound listen address (the real port when 0 was asked for). */
    readonly address: PeerAddress,
  ) {
    this.rpc = new RpcEngine(options.logger, limits.clusterInboundCallsMax);
    this.connectionOptions = {
      frameBytesMax: options.frameBytesMax ?? limits.clusterFrameBytesMax,
      queueBytesMax: options.peerQueueBytesMax ?? limits.clusterPeerQueueBytesMax,
      logger: options.logger,
    };
  }

  /** Binds the cluster port and starts accepting allowed peers. */
  static async start(options: ClusterTransportOptions): Promise<ClusterTransport> {
    const channel = new SecureChannel({
      identity: options.identity,
      clusterId: options.clusterId,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? limits.clusterHandshakeTimeoutMs,
    });
    const ref: { transport?: ClusterTransport } = {}; // the listener's callbacks need the transport
    const listener = new ClusterListener({
      channel,
      isAllowed: (peerId) => ref.transport?.isAllowed(peerId) === true,
      pendingHandshakesMax: options.pendingHandshakesMax ?? limits.clusterPendingHandshakesMax,
      logger: options.logger,
      onConnection: (secure) => ref.transport?.adoptInbound(secure),
    });
    const address = await listener.listen(options.listen);
    const transport = new ClusterTransport(options, channel, listener, address);
    ref.transport = transport;
    options.logger.info({ peerId: options.identity.peerId, address }, 'cluster transport listening');
    return transport;
  }

  /** This node's peer id. */
  get peerId(): string {
    return this.options.identity.peerId;
  }

  /**
   * Sets the membership: peer id → "host:port". Links to new peers are dialled (pinning their id),
   * links and inbound connections of removed peers are closed. Invalid addresses are logged and
   * skipped. This node's own id is ignored.
   */
  setPeers(peers: ReadonlyMap<string, string>): void {
    if (this.closed) return;
    const next = new Map<string, PeerAddress>();
    for (const [peerId, text] of peers) {
      if (peerId === this.peerId) continue;
      const address = parsePeerAddress(text);
      if (address === undefined) {
        this.options.logger.warn({ peerId, address: text }, 'cluster peer has an invalid address; skipped');
        continue;
      }
      next.set(peerId, address);
    }
    this.members = next;
    for (const [peerId, link] of this.links) {
      if (next.has(peerId)) continue;
      link.close('peer_removed');
      this.links.delete(peerId);
    }
    for (const [peerId, address] of next) {
      const link = this.links.get(peerId);
      if (link !== undefined) {
        link.setAddress(address);
        continue;
      }
      const created = new OutboundLink(peerId, address, {
        channel: this.channel,
        connectionOptions: this.connectionOptions,
        events: { onValue: (c, v) => this.onValue(c, v), onClosed: (c, r) => this.onClosed(c, r) },
        rng: this.options.rng,
        backoff: this.options.reconnectBackoff ?? defaultReconnectBackoff,
      });
      this.links.set(peerId, created);
      created.start();
    }
    this.refreshAllowList();
  }

  /** Re-checks inbound connections against the allow-list and closes those no longer allowed. */
  refreshAllowList(): void {
    for (const [peerId, connection] of this.inbound) {
      if (this.isAllowed(peerId)) continue;
      this.options.logger.info({ peerId }, 'cluster peer no longer allowed; closing its connection');
      connection.close('peer_removed');
      this.inbound.delete(peerId);
    }
  }

  /**
   * Queues a one-way message to a member. Returns false when it was dropped (peer not connected,
   * or its send queue at the bound); dropped messages are counted, never retried.
   */
  send(peerId: string, channel: string, message: unknown): boolean {
    const connection = this.links.get(peerId)?.connection;
    const envelope: MessageEnvelope = [0, channel, message];
    if (connection === undefined || !connection.send(envelope)) {
      this.counters.messagesDropped++;
      return false;
    }
    this.counters.messagesSent++;
    return true;
  }

  /** Registers the (single) handler of a one-way channel. */
  onMessage(channel: string, handler: MessageHandler): void {
    if (this.channelHandlers.has(channel))
      throw new Error(`cluster channel ${channel} already has a handler`);
    this.channelHandlers.set(channel, handler);
  }

  /** Calls `method` on a member; rejects with a `ClusterCallError` on timeout, abort, loss or refusal. */
  async call(peerId: string, method: string, payload: unknown, options: CallOptions): Promise<unknown> {
    if (this.closed) throw new ClusterCallError('closed', 'unavailable', 'cluster transport closed');
    const link = this.links.get(peerId);
    if (link === undefined) {
      throw new ClusterCallError('not_connected', 'unavailable', 'not a cluster peer');
    }
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let connection: PeerConnection;
    try {
      connection = await link.waitConnected(signal);
    } catch {
      if (timeout.aborted)
        throw new ClusterCallError('timeout', 'timeout', 'cluster peer not reachable in time');
      if (signal.aborted) throw new ClusterCallError('aborted', 'unavailable', 'cluster call aborted');
      throw new ClusterCallError('not_connected', 'unavailable', 'cluster peer removed');
    }
    return this.rpc.call(connection, method, payload, signal);
  }

  /** Registers the handler of a call method. */
  handle(method: string, handler: CallHandler): void {
    this.rpc.handle(method, handler);
  }

  /**
   * Bytes waiting in the send queue to `peerId` (0 when not connected). Producers that can wait
   * (snapshot streaming, benchmarks) throttle on this instead of running into the bound; Raft can
   * use it to skip a slow follower.
   */
  queuedBytes(peerId: string): number {
    return this.links.get(peerId)?.connection?.queuedBytes ?? 0;
  }

  /** True when an outbound connection to `peerId` is open. */
  isConnected(peerId: string): boolean {
    return this.links.get(peerId)?.connection !== undefined;
  }

  /** Counters (copies). */
  stats(): ClusterTransportStats {
    return {
      ...this.counters,
      connectionsClosed: { ...this.counters.connectionsClosed },
      refusals: { ...this.listener.refusals },
      pendingCalls: this.rpc.pendingCalls,
    };
  }

  /** Stops listening, closes every connection, fails pending calls. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listenerClosed = this.listener.close(); // resolves once accepted sockets are gone too
    for (const link of this.links.values()) link.close('local_close');
    this.links.clear();
    for (const connection of this.inbound.values()) connection.close('local_close');
    this.inbound.clear();
    this.rpc.close();
    await listenerClosed;
    this.options.logger.info({ peerId: this.peerId }, 'cluster transport closed');
  }

  private isAllowed(peerId: string): boolean {
    if (this.closed || peerId === this.peerId) return false;
    return this.members.has(peerId) || this.options.isAllowed?.(peerId) === true;
  }

  private adoptInbound(secure: SecureConnection): void {
    if (this.closed || !this.isAllowed(secure.remotePeerId)) {
      secure.socket.destroy();
      return;
    }
    const connection = new PeerConnection(secure, this.connectionOptions, {
      onValue: (c, v) => this.onValue(c, v),
      onClosed: (c, r) => this.onClosed(c, r),
    });
    // A peer dials us over one link; a second inbound connection means it restarted or redialled,
    // so the older one is stale.
    const previous = this.inbound.get(secure.remotePeerId);
    this.inbound.set(secure.remotePeerId, connection);
    previous?.close('replaced');
  }

  private onValue(connection: PeerConnection, value: unknown): void {
    const envelope: Envelope = parseEnvelope(value); // throws ProtocolViolation → connection aborted
    switch (envelope[0]) {
      case 0:
        this.deliver(connection, envelope);
        return;
      case 1:
        this.rpc.onRequest(connection, envelope);
        return;
      case 2:
      case 3:
        this.rpc.onResponse(connection, envelope);
        return;
    }
  }

  private deliver(connection: PeerConnection, envelope: MessageEnvelope): void {
    const handler = this.channelHandlers.get(envelope[1]);
    if (handler === undefined) {
      this.counters.messagesUnrouted++;
      return;
    }
    this.counters.messagesReceived++;
    try {
      handler(connection.remotePeerId, envelope[2]);
    } catch (err) {
      this.options.logger.error(
        { peerId: connection.remotePeerId, channel: envelope[1], err: describeError(err) },
        'cluster message handler threw',
      );
    }
  }

  private onClosed(connection: PeerConnection, reason: ConnectionCloseReason): void {
    this.counters.connectionsClosed[reason] = (this.counters.connectionsClosed[reason] ?? 0) + 1;
    this.rpc.connectionClosed(connection);
    if (this.inbound.get(connection.remotePeerId) === connection)
      this.inbound.delete(connection.remotePeerId);
  }
}
