/**
 * The joining node's side of Vault's Raft join (`sys/storage/raft/join`, `retry_join`):
 *
 * 1. `join(leader_api_addr)`: asks the cluster (any member; a standby forwards) for a join bundle
 *    (`sys/storage/raft/bootstrap/challenge`). The node now reports itself initialised and sealed
 *    with the cluster's share counts.
 * 2. Its key holders unseal it (`sys/unseal`, intercepted here while the join is pending). With a
 *    quorum of shares it opens the bundle (src/core/join-challenge.ts) and sends the answer, bound
 *    to its member info, to `bootstrap/answer`. Wrong or foreign shares: `invalid_unseal_key`,
 *    progress reset, nothing sent.
 * 3. Admitted as a learner, it opens Raft with the peers the answer listed, waits until the
 *    leader's snapshot brought the seal records, and unseals core with the same shares, which it
 *    then zeroizes. The active node promotes it once it has caught up (autopilot.ts).
 */
import type { FastifyRequest } from 'fastify';
import { ArcaClient } from '../../api/client.js';
import { isApiError } from '../../api/errors.js';
import { decodeBase64Strict, zeroize } from '../../lib/bytes.js';
import type { Clock } from '../../lib/clock.js';
import { ArcaError, isArcaError } from '../../lib/errors.js';
import { answerJoinChallenge, bundleSealConfig, type JoinBundle } from '../../core/join-challenge.js';
import { decodeShare } from '../../core/lifecycle.js';
import { constantTimeEqual } from '../../lib/bytes.js';
import { keyringKey, sealConfigKey } from '../../storage/barrier/reserved-keys.js';
import type { SealConfig } from '../../storage/seal/seal-config.js';
import type { InterceptedResponse } from '../http/app.js';
import type { ClusterNode } from './cluster-node.js';
import { decodeJoinChallenge, type JoinPeer } from './join-wire.js';
import type { ClusterLogger } from './logger.js';
import type { MemberInfo } from './membership.js';

/** What the join flow needs from core. */
export interface JoinerCore {
  isInitialized(): Promise<boolean>;
  /** Unseals with raw shares (core's lifecycle). */
  unsealWith(shares: readonly Uint8Array[]): Promise<unknown>;
  /** Core's own seal-status body (the joiner patches the share counts and progress in). */
  sealStatusBody(): Promise<Record<string, unknown>>;
}

interface PendingJoin {
  leaderApiAddr: string;
  bundle: JoinBundle;
  sealConfig: SealConfig;
  nonVoter: boolean;
  shares: Buffer[];
  nonce: string;
}

/** The join state machine of one node. */
export class JoinClient {
  private pending: PendingJoin | undefined;
  private completing: Promise<void> | undefined;
  private retryLoop: AbortController | undefined;

  constructor(
    private readonly node: ClusterNode,
    private readonly core: JoinerCore,
    private readonly clock: Clock,
    private readonly logger: ClusterLogger,
  ) {}

  /** True while a join waits for its key holders. */
  get isPending(): boolean {
    return this.pending !== undefined;
  }

  /** `POST sys/storage/raft/join`. With `retry` it keeps trying in the background (Vault's behaviour). */
  async join(request: { leaderApiAddr: string; retry: boolean; nonVoter: boolean }): Promise<void> {
    await this.checkJoinable();
    if (!request.retry) {
      await this.fetchBundle(request.leaderApiAddr, request.nonVoter);
      return;
    }
    this.startRetrying([request.leaderApiAddr], request.nonVoter);
  }

  /** `retry_join` from the configuration: try each leader in turn until one hands out a bundle. */
  startRetrying(leaders: readonly string[], nonVoter = false): void {
    if (leaders.length === 0 || this.retryLoop !== undefined) return;
    const controller = new AbortController();
    this.retryLoop = controller;
    void (async () => {
      for (let attempt = 0; !controller.signal.aborted; attempt++) {
        if (this.pending !== undefined || this.node.storage.current !== undefined) break;
        const leader = leaders[attempt % leaders.length];
        try {
          await this.fetchBundle(leader, nonVoter);
          break;
        } catch (err) {
          this.logger.debug({ leader, err: (err as Error).message }, 'raft join attempt failed; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
      if (this.retryLoop === controller) this.retryLoop = undefined;
    })();
  }

  /** Stops a background retry loop. */
  stop(): void {
    this.retryLoop?.abort();
    this.retryLoop = undefined;
    if (this.pending !== undefined) zeroize(...this.pending.shares);
  }

  /** `GET sys/seal-status` while the join waits: the cluster's share counts and our progress. */
  async sealStatus(): Promise<InterceptedResponse> {
    const pending = this.pending;
    const body = await this.core.sealStatusBody();
    if (pending !== undefined) {
      Object.assign(body, {
        initialized: true,
        sealed: true,
        t: pending.sealConfig.secretThreshold,
        n: pending.sealConfig.secretShares,
        progress: pending.shares.length,
        nonce: pending.nonce,
      });
    }
    return json(200, body);
  }

  /** `PUT sys/unseal` while the join waits (see the module comment, step 2 and 3). */
  async unseal(request: FastifyRequest): Promise<InterceptedResponse> {
    const pending = this.pending;
    if (pending === undefined) throw new ArcaError('not_initialized');
    const body = parseJsonBody(request.body);
    if (body.reset === true) {
      zeroize(...pending.shares);
      pending.shares = [];
      pending.nonce = '';
      return this.sealStatus();
    }
    if (typeof body.key !== 'string') throw new ArcaError('unseal_key_required');
    const share = decodeShare(body.key);
    if (!pending.shares.some((s) => s.length === share.length && constantTimeEqual(s, share))) {
      if (pending.shares.length === 0) pending.nonce = crypto.randomUUID();
      pending.shares.push(share);
    } else {
      zeroize(share);
    }
    if (pending.shares.length < pending.sealConfig.secretThreshold) return this.sealStatus();
    this.completing ??= this.complete(pending).finally(() => {
      this.completing = undefined;
    });
    await this.completing;
    return this.sealStatus();
  }

  private async complete(pending: PendingJoin): Promise<void> {
    const shares = pending.shares;
    let peers: MemberInfo[];
    try {
      peers = await this.answerChallenge(pending);
    } catch (err) {
      zeroize(...shares);
      pending.shares = [];
      pending.nonce = '';
      throw err;
    }
    this.pending = undefined;
    try {
      const storage = await this.node.openForJoin(peers);
      await this.waitForSealRecords(storage);
      await this.core.unsealWith(shares);
      this.logger.info({ leader: pending.leaderApiAddr }, 'joined the raft cluster and unsealed');
    } finally {
      zeroize(...shares);
    }
  }

  /**
   * Opens the pending bundle with the shares and sends the answer. When the cluster refuses the
   * answer (403: the challenge is gone, e.g. leadership moved to a node that never issued it), it
   * asks once for a fresh bundle and answers that, with the shares it still holds.
   */
  private async answerChallenge(pending: PendingJoin): Promise<MemberInfo[]> {
    const claim = this.claim();
    for (let attempt = 0; ; attempt++) {
      let answer: Buffer;
      try {
        answer = await answerJoinChallenge(pending.bundle, claim, pending.shares, this.clock);
      } catch (err) {
        throw isArcaError(err) ? err : new ArcaError('invalid_unseal_key');
      }
      try {
        return await this.sendAnswer(pending, answer);
      } catch (err) {
        if (attempt > 0 || !(err instanceof AnswerRefused)) throw err;
        this.logger.info(
          { leader: pending.leaderApiAddr },
          'raft join answer refused; asking for a fresh challenge',
        );
        pending.bundle = await this.requestBundle(pending.leaderApiAddr);
      }
    }
  }

  private async sendAnswer(pending: PendingJoin, answer: Buffer): Promise<MemberInfo[]> {
    const client = new ArcaClient({ address: pending.leaderApiAddr, timeoutMs: 30_000 });
    try {
      const self = this.node.self;
      const secret = await client.write('sys/storage/raft/bootstrap/answer', {
        server_id: self.nodeId,
        answer: answer.toString('base64'),
        cluster_addr: self.clusterAddr,
        api_addr: self.apiAddr,
        public_key: self.publicKey,
        non_voter: pending.nonVoter,
      });
      const peers = (secret?.data as { peers?: JoinPeer[] } | undefined)?.peers ?? [];
      return peers
        .filter((p) => typeof p.server_id === 'string' && typeof p.public_key === 'string')
        .map((p) => ({
          nodeId: p.server_id,
          clusterAddr: p.cluster_addr,
          apiAddr: p.api_addr,
          publicKey: p.public_key,
        }));
    } catch (err) {
      const message = `raft join answer refused: ${(err as Error).message}`;
      if (isApiError(err) && err.status === 403) throw new AnswerRefused(message);
      throw new ArcaError('upstream', message);
    } finally {
      client.close();
    }
  }

  private async waitForSealRecords(storage: {
    get(key: string): Promise<Uint8Array | undefined>;
  }): Promise<void> {
    const deadline = this.clock.monotonicMs() + 60_000;
    while (
      (await storage.get(sealConfigKey)) === undefined ||
      (await storage.get(keyringKey)) === undefined
    ) {
      if (this.clock.monotonicMs() > deadline)
        throw new ArcaError('timeout', 'the leader did not send its state in time');
      await new Promise<void>((resolve) => {
        const off = this.node.storage.onApplied(() => {
          off();
          resolve();
        });
        setTimeout(() => {
          off();
          resolve();
        }, 200).unref();
      });
    }
  }

  private async fetchBundle(leaderApiAddr: string, nonVoter: boolean): Promise<void> {
    const bundle = await this.requestBundle(leaderApiAddr);
    await this.checkJoinable();
    if (this.pending !== undefined) zeroize(...this.pending.shares);
    this.pending = {
      leaderApiAddr,
      bundle,
      sealConfig: bundleSealConfig(bundle),
      nonVoter,
      shares: [],
      nonce: '',
    };
    this.logger.info({ leader: leaderApiAddr }, 'raft join pending: waiting for the unseal keys');
  }

  /** `sys/storage/raft/bootstrap/challenge` at `leaderApiAddr`: a join bundle for this node. */
  private async requestBundle(leaderApiAddr: string): Promise<JoinBundle> {
    const client = new ArcaClient({ address: leaderApiAddr, timeoutMs: 10_000 });
    let challenge: string;
    try {
      const secret = await client.write('sys/storage/raft/bootstrap/challenge', {
        server_id: this.node.self.nodeId,
      });
      const value = (secret?.data as { challenge?: unknown } | undefined)?.challenge;
      challenge = typeof value === 'string' ? value : '';
    } catch (err) {
      throw new ArcaError('upstream', `error during raft bootstrap init call: ${(err as Error).message}`);
    } finally {
      client.close();
    }
    return decodeJoinChallenge(decodeBase64Strict(challenge));
  }

  private async checkJoinable(): Promise<void> {
    if (this.node.storage.current !== undefined || (await this.core.isInitialized())) {
      throw new ArcaError('invalid_request', "join can't be invoked on an initialized cluster");
    }
  }

  private claim(): { nodeId: string; apiAddr: string; clusterAddr: string; publicKey: string } {
    const self = this.node.self;
    return {
      nodeId: self.nodeId,
      apiAddr: self.apiAddr,
      clusterAddr: self.clusterAddr,
      publicKey: self.publicKey,
    };
  }
}

/** The cluster refused the answer itself (403), as opposed to being unreachable or busy. */
class AnswerRefused extends ArcaError {
  constructor(message: string) {
    super('upstream', message);
  }
}

function parseJsonBody(body: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(body) || body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    throw new ArcaError('malformed_json');
  }
}

function json(status: number, body: unknown): InterceptedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  };
}
