/**
 * Joins that prove the key holders (Vault's `sys/storage/raft/bootstrap/challenge` and `answer`).
 *
 * The active node issues a JOIN BUNDLE to a node that asks to join: the three records below the
 * barrier that a Shamir unseal needs (seal config, the root key wrapped under the KEK, the keyring
 * sealed under the root key — all ciphertext except the share counts) plus a fresh 32-byte
 * challenge encrypted by the barrier's active term key (AAD: a per-node path). The joiner can read
 * the challenge only by unsealing a throw-away barrier over that bundle with its key holders'
 * shares: wrong or foreign shares fail exactly like `sys/unseal` (`invalid_unseal_key`).
 *
 * The answer is not the challenge itself but HMAC-SHA256(challenge, the joiner's member info), so
 * it binds the node id, addresses and Noise public key the joiner will be admitted with: an
 * eavesdropper on the answer cannot reuse it for another key. Each challenge is single use and
 * expires after `ttlMs`.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual, zeroize } from '../lib/bytes.js';
import type { Clock } from '../lib/clock.js';
import { ArcaError } from '../lib/errors.js';
import { secureRandomBytes } from '../lib/rng.js';
import type { Barrier } from '../storage/barrier/barrier.js';
import { Barrier as ThrowAwayBarrier } from '../storage/barrier/barrier.js';
import { keyringKey, sealConfigKey, wrappedRootKeyKey } from '../storage/barrier/reserved-keys.js';
import { MemoryPhysical } from '../storage/physical/memory.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import { ShamirSeal } from '../storage/seal/shamir-seal.js';
import { decodeSealConfig, type SealConfig } from '../storage/seal/seal-config.js';

/** What the active node hands a joiner (all fields are ciphertext but the seal config). */
export interface JoinBundle {
  sealConfig: Uint8Array;
  wrappedRootKey: Uint8Array;
  keyring: Uint8Array;
  challenge: Uint8Array;
}

/** The facts an answer binds: what the joiner will be admitted as. */
export interface JoinClaim {
  nodeId: string;
  apiAddr: string;
  clusterAddr: string;
  publicKey: string;
}

const challengeBytes = 32;

/** The barrier path a node's challenge is encrypted for (AAD only; never stored). */
export function joinChallengePath(nodeId: string): string {
  return `core/raft/join-challenge/${Buffer.from(nodeId, 'utf8').toString('hex')}`;
}

/** HMAC-SHA256(challenge, canonical claim): the answer a key holder's node sends back. */
export function joinAnswer(challenge: Uint8Array, claim: JoinClaim): Buffer {
  const canonical = JSON.stringify([claim.nodeId, claim.apiAddr, claim.clusterAddr, claim.publicKey]);
  return createHmac('sha256', challenge).update(canonical, 'utf8').digest();
}

/** The active node's side: issues bundles and checks answers. One per core. */
export class JoinChallenges {
  private readonly pending = new Map<string, { challenge: Buffer; expiresAtMs: number }>();

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly barrier: Barrier,
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
    private readonly pendingMax = 64,
  ) {}

  /**
   * A bundle for `nodeId`. An unexpired pending challenge for the node is handed out again rather
   * than replaced (as Vault does): a joiner whose first request timed out, or a duplicate that
   * arrives late, must not invalidate the bundle the joiner actually holds. `sealed` while the
   * barrier is sealed.
   */
  async issue(nodeId: string): Promise<JoinBundle> {
    if (this.barrier.isSealed()) throw new ArcaError('sealed');
    const [sealConfig, wrappedRootKey, keyring] = await Promise.all([
      this.physical.get(sealConfigKey),
      this.physical.get(wrappedRootKeyKey),
      this.physical.get(keyringKey),
    ]);
    if (sealConfig === undefined || wrappedRootKey === undefined || keyring === undefined)
      throw new ArcaError('not_initialized');
    this.expire();
    let entry = this.pending.get(nodeId);
    if (entry === undefined) {
      while (this.pending.size >= this.pendingMax) this.drop(this.pending.keys().next().value as string);
      entry = {
        challenge: secureRandomBytes(challengeBytes),
        expiresAtMs: this.clock.monotonicMs() + this.ttlMs,
      };
      this.pending.set(nodeId, entry);
    }
    const sealedChallenge = this.barrier.sealDetached(joinChallengePath(nodeId), entry.challenge);
    return { sealConfig, wrappedRootKey, keyring, challenge: sealedChallenge };
  }

  /**
   * True when `answer` is the HMAC of `claim.nodeId`'s pending challenge over `claim`. The
   * challenge is consumed either way (one attempt per challenge), compared in constant time.
   */
  verify(claim: JoinClaim, answer: Uint8Array): boolean {
    const entry = this.take(claim, answer);
    if (entry === undefined) return false;
    zeroize(entry.challenge);
    return true;
  }

  /**
   * Verifies `answer` (throwing `permission_denied` like a wrong answer in Vault) and runs
   * `admit`. If admission fails after a right answer (e.g. a configuration change is still
   * pending), the challenge is pending again with its original expiry, so the joiner can send the
   * same answer again instead of being refused forever; a wrong answer still consumes it.
   */
  async verifyAndAdmit<T>(claim: JoinClaim, answer: Uint8Array, admit: () => Promise<T>): Promise<T> {
    const entry = this.take(claim, answer);
    if (entry === undefined) throw new ArcaError('permission_denied', 'invalid answer given');
    try {
      const admitted = await admit();
      zeroize(entry.challenge);
      return admitted;
    } catch (err) {
      if (this.pending.has(claim.nodeId) || entry.expiresAtMs <= this.clock.monotonicMs())
        zeroize(entry.challenge);
      else this.pending.set(claim.nodeId, entry);
      throw err;
    }
  }

  /** Removes and returns `claim.nodeId`'s pending entry when `answer` matches it; consumes it either way. */
  private take(claim: JoinClaim, answer: Uint8Array): { challenge: Buffer; expiresAtMs: number } | undefined {
    this.expire();
    const entry = this.pending.get(claim.nodeId);
    if (entry === undefined) return undefined;
    this.pending.delete(claim.nodeId);
    const expected = joinAnswer(entry.challenge, claim);
    if (answer.length === expected.length && constantTimeEqual(expected, answer)) return entry;
    zeroize(entry.challenge);
    return undefined;
  }

  private expire(): void {
    const now = this.clock.monotonicMs();
    for (const [nodeId, entry] of this.pending) if (entry.expiresAtMs <= now) this.drop(nodeId);
  }

  private drop(nodeId: string): void {
    const entry = this.pending.get(nodeId);
    if (entry !== undefined) zeroize(entry.challenge);
    this.pending.delete(nodeId);
  }
}

/** The seal configuration a bundle carries (threshold and shares for the joiner's unseal). */
export function bundleSealConfig(bundle: JoinBundle): SealConfig {
  return decodeSealConfig(bundle.sealConfig);
}

/**
 * The joiner's side: unseals a throw-away barrier over the bundle with `shares` and computes the
 * answer for `claim`. Throws `invalid_unseal_key` for wrong, foreign or too few shares.
 */
export async function answerJoinChallenge(
  bundle: JoinBundle,
  claim: JoinClaim,
  shares: readonly Uint8Array[],
  clock: Clock,
): Promise<Buffer> {
  const physical = new MemoryPhysical();
  await physical.batch([
    { type: 'put', key: sealConfigKey, value: bundle.sealConfig },
    { type: 'put', key: wrappedRootKeyKey, value: bundle.wrappedRootKey },
    { type: 'put', key: keyringKey, value: bundle.keyring },
  ]);
  const barrier = new ThrowAwayBarrier(physical, clock);
  const seal = new ShamirSeal(physical, barrier);
  try {
    let progress = { sealed: true };
    for (const share of shares) {
      progress = await seal.submitShare(share);
      if (!progress.sealed) break;
    }
    if (progress.sealed) throw new ArcaError('invalid_unseal_key', 'not enough unseal key shares');
    const challenge = barrier.openDetached(joinChallengePath(claim.nodeId), bundle.challenge);
    try {
      return joinAnswer(challenge, claim);
    } finally {
      zeroize(challenge);
    }
  } finally {
    await barrier.close();
  }
}
