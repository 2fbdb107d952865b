/**
 * Request forwarding (Vault's `handleRequestForwarding`): a standby hands every HTTP request that
 * Vault does not answer locally to the active node over the cluster RPC channel, and returns the
 * active node's answer unchanged (status, headers, body). The active node serves it through its
 * own HTTP app (`inject`), with the client's remote address, so ACL, audit and metrics happen
 * once, there. `X-Vault-No-Request-Forwarding` gets Vault's 307 to the active node's `api_addr`.
 *
 * Retries: each forwarded request carries (client id = the standby's boot id, sequence, floor =
 * the lowest sequence the standby still awaits). The active node remembers the last responses it
 * gave (bounded) and answers a repeated (client id, sequence) from that memory. It also runs the
 * request under that identity (`runAsForwarded`), so every Raft write the request makes carries it
 * into the log and the replicated dedupe table. A retry that reaches a NEW active node after a
 * failover is therefore recognised there too: if the old active node's writes for it were
 * committed, it is not run again and the standby gets 409 `already_applied` (the original answer
 * was lost with the old node); if they were not, it runs — once.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ArcaError } from '../../lib/errors.js';
import { runAsForwarded, SequenceWindow } from '../../storage/raft/write-identity.js';
import type { ClusterLogger } from './logger.js';
import { ClusterCallError, type CallFailureReason } from './rpc.js';
import type { ClusterTransport } from './transport.js';
import { EvictionMap } from '../../lib/eviction-order.js';

/** The RPC method forwarded requests travel on. */
export const forwardMethod = 'http.forward';

/** One HTTP request as the standby received it. */
export interface ForwardedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: Uint8Array | null;
  remoteAddress: string;
  clientId: string;
  seq: number;
  /** The lowest sequence the standby still awaits an answer for (0: unknown, an older standby). */
  floor?: number;
}

/** The active node's answer, relayed verbatim. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
}

/**
 * Paths a standby answers itself (Vault's http/handler.go: handlers not wrapped in
 * `handleRequestForwarding`, plus `handleLogicalNoForward`). Everything else is forwarded.
 */
const localPaths = new Set([
  'sys/init',
  'sys/seal-status',
  'sys/seal-backend-status',
  'sys/seal',
  'sys/unseal',
  'sys/leader',
  'sys/health',
  'sys/monitor',
  'sys/metrics',
  'sys/in-flight-req',
  'sys/storage/raft/bootstrap',
  'sys/storage/raft/join',
]);
const localPrefixes = ['sys/pprof/'];

/** True when a standby answers `path` (a request path without `/v1/`) itself. */
export function isLocallyAnswered(path: string): boolean {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return localPaths.has(p) || localPrefixes.some((prefix) => p.startsWith(prefix));
}

/** Headers that describe one hop, not the request (never relayed). */
const hopHeaders = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Copies relayable headers into a plain msgpack-safe record. */
export function relayableHeaders(
  headers: IncomingHttpHeaders | Record<string, unknown>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (hopHeaders.has(lower) || lower === internalForwardHeader) continue;
    if (typeof value === 'string') out[lower] = value;
    else if (typeof value === 'number') out[lower] = String(value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[lower] = value;
  }
  return out;
}

/**
 * Marks a request injected by the forwarding server so the HTTP layer never forwards it again.
 * Its value is a per-process random secret, so a client cannot forge it.
 */
export const internalForwardHeader = 'x-arca-internal-forwarded';

/** Serves one forwarded request through the local HTTP app (fastify `inject`). */
export type InjectFn = (request: ForwardedRequest, marker: string) => Promise<ForwardedResponse>;

/** Options of the forwarding engine. */
export interface ForwardingOptions {
  transport: ClusterTransport;
  logger: ClusterLogger;
  /** Deadline of one forwarded request, including the connection wait. */
  timeoutMs: number;
  /** How many (client id, sequence) answers the active node remembers. */
  dedupeEntriesMax: number;
  /** Longest wait for a connection to the active node before answering 503. */
  connectWaitMs: number;
  /**
   * True when a Raft write of forwarded request (client id, sequence) has been applied on this
   * (active) node — the replicated dedupe table (`RaftStorage.forwardedRequestApplied`).
   */
  forwardedRequestApplied?: (clientId: string, seq: number) => boolean;
}

/**
 * Both halves of forwarding: `forward` (standby → active) and the `http.forward` handler (active),
 * installed by `serve`. One per process.
 */
export class RequestForwarding {
  /** This process's forwarding identity; a restart is a new client. */
  readonly clientId = randomUUID();
  /** The secret value of `internalForwardHeader` for requests this process injects. */
  readonly marker = randomUUID();
  /** This standby's request sequences and floor. */
  private readonly sequences = new SequenceWindow();
  /** Oldest-inserted first (see EvictionMap for why not a Map's `keys().next()`). */
  private readonly answered = new EvictionMap<string, Promise<ForwardedResponse>>();
  private answerHere: ((request: ForwardedRequest) => Promise<ForwardedResponse>) | undefined;

  constructor(private readonly options: ForwardingOptions) {}

  /**
   * Active side: answers forwarded requests with `inject` while `isActive()`; otherwise refuses
   * with 503 so the standby can report "no active node" instead of forwarding in a loop. A node
   * that leads Raft but is still activating (`isActivating()`) holds the request for up to
   * `connectWaitMs` until it is active: right after a failover the standbys already name it, and
   * bouncing them with 503 only turns the activation time into client errors and retries.
   */
  serve(inject: InjectFn, isActive: () => boolean, isActivating: () => boolean = () => false): void {
    this.answerHere = (request) => {
      if (!isActive()) throw noActiveNode();
      return this.answerOnce(inject, request);
    };
    this.options.transport.handle(forwardMethod, async (_fromPeerId, payload) => {
      const request = parseForwardedRequest(payload);
      const deadline = performance.now() + this.options.connectWaitMs;
      while (!isActive() && isActivating() && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      if (!isActive()) throw noActiveNode();
      return this.answerOnce(inject, request);
    });
  }

  /**
   * Runs a forwarded request once: answered from memory when this node already ran it; refused
   * with 409 `already_applied` when another (earlier active) node's writes for it are applied;
   * otherwise served under its identity so its Raft writes carry it.
   */
  private answerOnce(inject: InjectFn, request: ForwardedRequest): Promise<ForwardedResponse> {
    const key = `${request.clientId}/${request.seq}`;
    const known = this.answered.get(key);
    if (known !== undefined) return known;
    if (this.options.forwardedRequestApplied?.(request.clientId, request.seq) === true)
      return Promise.resolve(alreadyApplied());
    const answer = runAsForwarded(request.clientId, request.seq, request.floor ?? 0, () =>
      inject(request, this.marker),
    );
    this.answered.set(key, answer);
    answer.catch(() => {
      // Only this answer's own entry: the key may have been evicted and answered anew since.
      if (this.answered.get(key) === answer) this.answered.delete(key);
    });
    while (this.answered.size > this.options.dedupeEntriesMax) {
      const oldest = this.answered.oldestKey();
      if (oldest === undefined) break;
      this.answered.delete(oldest);
    }
    return answer;
  }

  /**
   * Standby side: forwards to the active node (`target()` is asked again for the retry, so a
   * request caught in a failover follows the new leader). When the active node is not connected,
   * at most `connectWaitMs` is spent waiting for it (a dead leader must not hold requests for the
   * whole deadline). A request lost in transit is retried once with the same sequence, where that
   * cannot run it twice (`mayRetryForwarded`). Failures surface as 503/504 `ArcaError`s.
   *
   * Resolves `'local'` (nothing was sent, or nothing needs resending) when `target()` says this
   * node itself became the active node while the request waited: the caller serves it here. A
   * failover often elects the very standby holding the request; without this it would wait out
   * `connectWaitMs` for a leader that is itself and answer 503.
   */
  async forward(
    target: () => ForwardTarget,
    request: Omit<ForwardedRequest, 'clientId' | 'seq'>,
  ): Promise<ForwardedResponse | 'local'> {
    return this.sequences.run((seq, floor) =>
      this.forwardAs({ ...request, clientId: this.clientId, seq, floor }, target),
    );
  }

  private async forwardAs(
    forwarded: ForwardedRequest,
    target: () => ForwardTarget,
  ): Promise<ForwardedResponse | 'local'> {
    const transport = this.options.transport;
    const call = (peerId: string): Promise<unknown> =>
      transport.call(peerId, forwardMethod, forwarded, { timeoutMs: this.options.timeoutMs });
    let result: unknown;
    const first = await this.connectedActive(target);
    if (first === 'local') return 'local';
    try {
      result = await call(first.peerId);
    } catch (err) {
      if (!(err instanceof ClusterCallError)) throw err;
      const next = await this.connectedActive(target);
      const nextPeerId = next === 'local' ? undefined : next.peerId;
      if (!mayRetryForwarded(err.reason, first.peerId, nextPeerId)) throw err;
      if (nextPeerId === undefined) {
        // This node became the active node: the retry is served here, under the same identity
        // (possibly delivered to the old active node: the dedupe table decides).
        if (this.answerHere === undefined) throw err;
        return await this.answerHere(forwarded);
      }
      this.options.logger.debug({ peerId: nextPeerId }, 'forwarded request failed in transit; retrying');
      result = await call(nextPeerId);
    }
    return parseForwardedResponse(result);
  }

  /**
   * The active node's peer id once a connection to it is open, or `'local'` once this node is the
   * active node. During a failover the standby may still name the dead leader: it re-asks every
   * 25 ms, up to `connectWaitMs`, so a request follows the new leader (or this node's own
   * activation) as soon as this node learns of it. 503 when none is reachable in time.
   */
  private async connectedActive(target: () => ForwardTarget): Promise<{ peerId: string } | 'local'> {
    const transport = this.options.transport;
    const deadline = performance.now() + this.options.connectWaitMs;
    for (;;) {
      const t = target();
      if (t === 'local') return 'local';
      if (t !== undefined && transport.isConnected(t.peerId)) return t;
      if (performance.now() >= deadline) throw noActiveNode();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * Where a standby's request should go right now: the active node's peer id, `'local'` when this
 * node has become the active node, or undefined while no active node is known.
 */
export type ForwardTarget = { peerId: string } | 'local' | undefined;

/**
 * Whether a forwarded request that failed with `reason` on `sentTo` may be sent again to `next`
 * (undefined: this node itself, now active). Never sent (`not_connected`, `queue_full`): anywhere.
 * Possibly delivered (lost connection, timeout): also anywhere, under the same (client id,
 * sequence): the same active node answers from memory, a NEW active node from the replicated
 * dedupe table (its writes carry the identity), so it is applied once either way (a chaos gameday
 * once saw a register write re-applied this way, before the identity reached the log). A handler's
 * own failure is never retried. (`sentTo`/`next` are kept for callers and tests that log them.)
 */
export function mayRetryForwarded(
  reason: CallFailureReason,
  _sentTo: string,
  _next: string | undefined,
): boolean {
  return reason !== 'remote_error';
}

/** The answer to a retry whose writes another active node already applied (its answer is lost). */
function alreadyApplied(): ForwardedResponse {
  const error = new ArcaError('already_applied');
  return {
    status: error.httpStatus,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ errors: error.messages })),
  };
}

/** Vault's answer when a standby knows no active node. */
export function noActiveNode(): ArcaError {
  return new ArcaError('no_leader', 'local node not active but active cluster node not found');
}

function isHeaderRecord(value: unknown): value is Record<string, string | string[]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
  );
}

/** Validates a forwarded request received from a peer (a malformed one is a 400). */
export function parseForwardedRequest(payload: unknown): ForwardedRequest {
  const r = payload as Partial<ForwardedRequest> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    typeof r.method !== 'string' ||
    typeof r.url !== 'string' ||
    !r.url.startsWith('/') ||
    !isHeaderRecord(r.headers) ||
    !(r.body === null || r.body instanceof Uint8Array) ||
    typeof r.remoteAddress !== 'string' ||
    typeof r.clientId !== 'string' ||
    typeof r.seq !== 'number' ||
    !(r.floor === undefined || typeof r.floor === 'number')
  ) {
    throw new ArcaError('invalid_request', 'malformed forwarded request');
  }
  return r as ForwardedRequest;
}

function parseForwardedResponse(value: unknown): ForwardedResponse {
  const r = value as Partial<ForwardedResponse> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    typeof r.status !== 'number' ||
    !isHeaderRecord(r.headers) ||
    !(r.body instanceof Uint8Array)
  ) {
    throw new ArcaError('upstream', 'malformed response from the active node');
  }
  return r as ForwardedResponse;
}

/**
 * Vault's `respondStandby`: the URL a 307 points to — the active node's `api_addr` with the
 * request's path and query. Undefined when there is no usable address.
 */
export function standbyRedirectLocation(activeApiAddr: string | undefined, url: string): string | undefined {
  if (activeApiAddr === undefined || activeApiAddr === '') return undefined;
  let base: URL;
  try {
    base = new URL(activeApiAddr);
  } catch {
    return undefined;
  }
  const scheme = base.protocol === 'http:' || base.protocol === 'https:' ? base.protocol : 'https:';
  return `${scheme}//${base.host}${url}`;
}
