/**
 * Noise XX over TCP between cluster nodes that know each other's identity keys. Dialling pins the
 * expected peer id (checked at handshake message 2, so the dialler never reveals its identity to an
 * impostor); accepting checks the authenticated remote peer id against the caller's allow-list after
 * message 3. The prologue binds the cluster id: nodes of different clusters fail at message 2. Every
 * handshake has a deadline. Failures are `HandshakeError`s with a stable, secret-free `reason`.
 */
import './polyfill.js';
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { defaultLogger } from '@libp2p/logger';
import { peerIdFromString } from '@libp2p/peer-id';
import type { ConnectionEncrypter, MessageStream, PeerId, Upgrader } from '@libp2p/interface';
import type { NodeIdentity } from './identity.js';
import { SocketMessageStream, clusterSocketHighWaterMarkBytes } from './socket-stream.js';
import type { PeerAddress } from './address.js';

/** Why a handshake did not produce a connection. Stable strings: logs and tests key on them. */
export type HandshakeFailureReason =
  | 'connect_failed'
  | 'handshake_timeout'
  | 'pinned_peer_mismatch'
  | 'peer_not_allowed'
  | 'peer_closed'
  | 'handshake_failed'
  | 'aborted';

/** A refused or failed handshake. The message is secret-free (no keys, no payloads). */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    readonly reason: HandshakeFailureReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** An authenticated, encrypted connection. `stream` carries plaintext; message boundaries are not kept. */
export interface SecureConnection {
  /** The remote's authenticated peer id. */
  readonly remotePeerId: string;
  /** The decrypted stream (write plaintext with `send`, read with the 'message' event). */
  readonly stream: MessageStream;
  /** The TCP socket underneath (for addresses and hard teardown). */
  readonly socket: Socket;
  readonly direction: 'inbound' | 'outbound';
}

/** What the secure channel needs: who we are, which cluster, how long a handshake may take. */
export interface SecureChannelOptions {
  identity: NodeIdentity;
  /** Bound into the Noise prologue: nodes with a different cluster id cannot complete a handshake. */
  clusterId: string;
  handshakeTimeoutMs: number;
}

/** The Noise prologue for a cluster id (versioned so a future wire change cannot half-talk). */
export function clusterPrologue(clusterId: string): Uint8Array {
  return new TextEncoder().encode(`arca-cluster/1 cluster=${clusterId}`);
}

/**
 * Creates secured connections. Holds ONE Noise encrypter for the process (each instance makes its
 * own X25519 static key, signed by the Ed25519 identity).
 */
export class SecureChannel {
  private readonly encrypter: ConnectionEncrypter;

  constructor(private readonly options: SecureChannelOptions) {
    const privateKey = options.identity.privateKey;
    this.encrypter = noise({ prologueBytes: clusterPrologue(options.clusterId) })({
      peerId: peerIdFromString(options.identity.peerId),
      privateKey,
      logger: defaultLogger(),
      // Only consulted when stream-muxer negotiation is on; we always skip it.
      upgrader: undefined as unknown as Upgrader,
    });
  }

  /** Dials `address` and completes the handshake only if the remote proves it is `expectedPeerId`. */
  async dial(address: PeerAddress, expectedPeerId: string, signal?: AbortSignal): Promise<SecureConnection> {
    let expected: PeerId;
    try {
      expected = peerIdFromString(expectedPeerId);
    } catch {
      throw new HandshakeError('handshake_failed', 'expected peer id is not a valid peer id');
    }
    const deadline = this.deadline(signal);
    const socket = await connectSocket(address, deadline);
    const raw = new SocketMessageStream(socket, 'outbound');
    try {
      const secured = await this.encrypter.secureOutbound(raw, {
        remotePeer: expected,
        skipStreamMuxerNegotiation: true,
        signal: deadline,
      });
      return {
        remotePeerId: secured.remotePeer.toString(),
        stream: secured.connection,
        socket,
        direction: 'outbound',
      };
    } catch (err) {
      socket.destroy();
      throw classify(err, deadline, signal);
    }
  }

  /**
   * Runs the responder side on an accepted socket and admits the remote only if `isAllowed` says so
   * for its authenticated peer id. On any failure the socket is destroyed before this rejects.
   */
  async accept(
    socket: Socket,
    isAllowed: (peerId: string) => boolean,
    signal?: AbortSignal,
  ): Promise<SecureConnection> {
    const deadline = this.deadline(signal);
    const raw = new SocketMessageStream(socket, 'inbound');
    let secured;
    try {
      secured = await this.encrypter.secureInbound(raw, {
        skipStreamMuxerNegotiation: true,
        signal: deadline,
      });
    } catch (err) {
      socket.destroy();
      throw classify(err, deadline, signal);
    }
    const remotePeerId = secured.remotePeer.toString();
    let allowed: boolean;
    try {
      allowed = isAllowed(remotePeerId);
    } catch {
      allowed = false; // a failing allow-list denies (deny by default)
    }
    if (!allowed) {
      raw.abort(new Error('peer not allowed'));
      socket.destroy();
      throw new HandshakeError('peer_not_allowed', `peer ${remotePeerId} is not a cluster member`);
    }
    return { remotePeerId, stream: secured.connection, socket, direction: 'inbound' };
  }

  private deadline(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.handshakeTimeoutMs);
    return signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
  }
}

function connectSocket(address: PeerAddress, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // @types/node 20 lacks `highWaterMark` in NetConnectOpts; Node 20 honours it.
    const options = {
      host: address.host,
      port: address.port,
      highWaterMark: clusterSocketHighWaterMarkBytes,
    };
    const socket = connect(options as NetConnectOpts);
    const onAbort = (): void => {
      socket.destroy();
      reject(
        new HandshakeError(isTimeout(signal.reason) ? 'handshake_timeout' : 'aborted', 'while connecting'),
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new HandshakeError('connect_failed', err.code ?? 'socket error'));
    });
  });
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/** Maps Noise/libp2p errors to a reason without copying their text (it may name public keys). */
function classify(err: unknown, deadline: AbortSignal, signal: AbortSignal | undefined): HandshakeError {
  if (err instanceof HandshakeError) return err;
  const name = err instanceof Error ? err.name : '';
  if (deadline.aborted) {
    const external = signal?.aborted === true;
    return external
      ? new HandshakeError('aborted', 'handshake aborted by caller')
      : new HandshakeError('handshake_timeout', 'handshake did not complete in time');
  }
  if (name === 'UnexpectedPeerError') {
    return new HandshakeError('pinned_peer_mismatch', 'remote identity is not the expected peer');
  }
  if (name === 'UnexpectedEOFError' || name === 'StreamResetError' || name === 'StreamClosedError') {
    return new HandshakeError('peer_closed', 'remote closed the connection during the handshake');
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new HandshakeError('peer_closed', code);
  }
  // Wrong prologue (another cluster), garbage, corrupted data, invalid signatures…
  return new HandshakeError(
    'handshake_failed',
    name === '' ? 'handshake failed' : `${name} during handshake`,
  );
}
