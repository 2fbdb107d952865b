/**
 * Request/response over cluster connections: numbered calls, a deadline and cancellation per call,
 * responses accepted only from the connection the request went out on (a peer cannot answer
 * another peer's call), every pending call failed fast when its connection drops. Handlers get the
 * caller's authenticated peer id; their `ArcaError`s travel back with code and messages, anything
 * else becomes a bare 'internal' (no stack, no text that might carry secrets).
 */
import { ArcaError, errorCatalog, type ErrorCode } from '../../lib/errors.js';
import type { PeerConnection } from './connection.js';
import type { FailureEnvelope, RequestEnvelope, ResultEnvelope } from './envelope.js';
import { type ClusterLogger, describeError } from './logger.js';

/** Why a call failed on this side of the wire (or 'remote_error' when the handler failed). */
export type CallFailureReason =
  'not_connected' | 'queue_full' | 'timeout' | 'aborted' | 'connection_lost' | 'closed' | 'remote_error';

/**
 * A failed cluster call: an `ArcaError` (so the HTTP layer maps it) plus a `reason`. Local failures
 * use 'unavailable' (503) or 'timeout' (504); remote failures carry the handler's code.
 */
export class ClusterCallError extends ArcaError {
  override name = 'ClusterCallError';
  constructor(
    readonly reason: CallFailureReason,
    code: ErrorCode,
    messages?: string | string[],
  ) {
    super(code, messages);
  }
}

/** Serves one method. Returns (or resolves to) a msgpack-encodable result. */
export type CallHandler = (fromPeerId: string, payload: unknown, signal: AbortSignal) => unknown;

interface PendingCall {
  connectionId: number;
  resolve(result: unknown): void;
  reject(err: ClusterCallError): void;
}

/** The RPC engine; the transport facade routes envelopes to it and tells it when connections close. */
export class RpcEngine {
  private readonly handlers = new Map<string, CallHandler>();
  private readonly pending = new Map<number, PendingCall>();
  private readonly inbound = new Map<number, { count: number; controller: AbortController }>();
  private nextCallId = 1;

  constructor(
    private readonly logger: ClusterLogger,
    private readonly inboundCallsMax: number,
  ) {}

  /** Registers the handler for `method` (one per method). */
  handle(method: string, handler: CallHandler): void {
    if (this.handlers.has(method)) throw new Error(`cluster method ${method} already has a handler`);
    this.handlers.set(method, handler);
  }

  /** Sends a request on `connection`; settles with the result or a `ClusterCallError`. */
  call(connection: PeerConnection, method: string, payload: unknown, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    const id = this.nextCallId++;
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        reject(abortError(signal));
      };
      this.pending.set(id, {
        connectionId: connection.id,
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      const request: RequestEnvelope = [1, id, method, payload];
      let queued: boolean;
      try {
        queued = connection.send(request);
      } catch (err) {
        this.pending.delete(id);
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err))); // payload msgpack cannot encode
        return;
      }
      if (!queued) {
        this.pending
          .get(id)
          ?.reject(new ClusterCallError('queue_full', 'unavailable', 'cluster peer send queue is full'));
        this.pending.delete(id);
      }
    });
  }

  /** Settles the pending call a response belongs to, if it came from the right connection. */
  onResponse(connection: PeerConnection, envelope: ResultEnvelope | FailureEnvelope): void {
    const call = this.pending.get(envelope[1]);
    if (call === undefined || call.connectionId !== connection.id) {
      this.logger.debug({ peerId: connection.remotePeerId }, 'cluster response for no pending call dropped');
      return;
    }
    this.pending.delete(envelope[1]);
    if (envelope[0] === 2) {
      call.resolve(envelope[2]);
      return;
    }
    const code = envelope[2] in errorCatalog ? (envelope[2] as ErrorCode) : 'internal';
    call.reject(new ClusterCallError('remote_error', code, envelope[3]));
  }

  /** Runs the handler for a request and answers on the same connection. */
  onRequest(connection: PeerConnection, envelope: RequestEnvelope): void {
    const [, id, method, payload] = envelope;
    const handler = this.handlers.get(method);
    if (handler === undefined) {
      this.logger.warn(
        { peerId: connection.remotePeerId, method },
        'cluster call for unknown method refused',
      );
      this.reply(connection, [3, id, 'unsupported_operation', [`unknown cluster method ${method}`]]);
      return;
    }
    const slot = this.inboundSlot(connection);
    if (slot.count >= this.inboundCallsMax) {
      this.logger.warn(
        { peerId: connection.remotePeerId, method },
        'cluster call refused: too many in flight',
      );
      this.reply(connection, [3, id, 'unavailable', ['too many cluster calls in flight']]);
      return;
    }
    slot.count++;
    void (async () => {
      let response: ResultEnvelope | FailureEnvelope;
      try {
        response = [2, id, await handler(connection.remotePeerId, payload, slot.controller.signal)];
      } catch (err) {
        if (err instanceof ArcaError) {
          response = [3, id, err.code, err.messages];
        } else {
          this.logger.error(
            { peerId: connection.remotePeerId, method, err: describeError(err) },
            'cluster call handler failed',
          );
          response = [3, id, 'internal', []];
        }
      } finally {
        slot.count--;
      }
      this.reply(connection, response);
    })();
  }

  /** Fails the calls that went out on `connection` and cancels the handlers serving it. */
  connectionClosed(connection: PeerConnection): void {
    for (const [id, call] of this.pending) {
      if (call.connectionId !== connection.id) continue;
      this.pending.delete(id);
      call.reject(new ClusterCallError('connection_lost', 'unavailable', 'cluster connection lost'));
    }
    const slot = this.inbound.get(connection.id);
    if (slot !== undefined) {
      slot.controller.abort(
        new ClusterCallError('connection_lost', 'unavailable', 'cluster connection lost'),
      );
      this.inbound.delete(connection.id);
    }
  }

  /** Fails every pending call (transport shutting down). */
  close(): void {
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(new ClusterCallError('closed', 'unavailable', 'cluster transport closed'));
    }
    for (const slot of this.inbound.values()) slot.controller.abort(new Error('cluster transport closed'));
    this.inbound.clear();
  }

  /** Calls waiting for a response (for tests and metrics). */
  get pendingCalls(): number {
    return this.pending.size;
  }

  private inboundSlot(connection: PeerConnection): { count: number; controller: AbortController } {
    let slot = this.inbound.get(connection.id);
    if (slot === undefined) {
      slot = { count: 0, controller: new AbortController() };
      this.inbound.set(connection.id, slot);
    }
    return slot;
  }

  private reply(connection: PeerConnection, response: ResultEnvelope | FailureEnvelope): void {
    if (!connection.isOpen) return;
    let queued: boolean;
    try {
      queued = connection.send(response);
    } catch (err) {
      // The handler returned something msgpack cannot encode: answer with a bare internal error.
      this.logger.error(
        { peerId: connection.remotePeerId, err: describeError(err) },
        'cluster result unencodable',
      );
      queued = connection.send([3, response[1], 'internal', []]);
    }
    if (!queued) {
      this.logger.warn({ peerId: connection.remotePeerId }, 'cluster response dropped: send queue full');
    }
  }
}

function abortError(signal: AbortSignal): ClusterCallError {
  const reason: unknown = signal.reason;
  if (reason instanceof ClusterCallError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new ClusterCallError('timeout', 'timeout', 'cluster call timed out');
  }
  return new ClusterCallError('aborted', 'unavailable', 'cluster call aborted');
}
