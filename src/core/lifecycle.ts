/**
 * The seal lifecycle: initialise (split the key, create the root token, leave the vault sealed),
 * unseal (collect shares; on quorum the barrier opens and core runs its post-unseal setup) and seal
 * (pre-seal teardown, then the barrier drops and zeroises its keys). Transitions are serialised so
 * two concurrent unseal calls cannot both run the setup.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import { decodeBase64Strict, decodeHexStrict, zeroize } from '../lib/bytes.js';
import type { Barrier } from '../storage/barrier/barrier.js';
import {
  unsealKeyBytesMax,
  unsealKeyBytesMin,
  type ShamirSeal,
  type UnsealProgress,
} from '../storage/seal/shamir-seal.js';

/** What core plugs into the lifecycle: build and drop everything that lives behind the barrier. */
export interface LifecycleHooks {
  /** Runs right after the barrier opens (loads or creates mounts, policies, token store). */
  setup(): Promise<void>;
  /** Runs right before the barrier closes (drops caches and engine instances). */
  teardown(): Promise<void>;
  /** Creates a root token while the barrier is open during init; returns the token. */
  createRootToken(id?: string): Promise<string>;
}

export type LifecycleState = 'sealed' | 'unsealed';

/** The seal's view of where unsealing stands (seal-status without the cluster fields). */
export interface SealState {
  initialized: boolean;
  sealed: boolean;
  threshold: number;
  shares: number;
  progress: number;
  nonce: string;
}

/** Result of a successful init: the shares (caller must zeroise) and the root token. */
export interface InitResult {
  shares: Buffer[];
  rootToken: string;
}

export class SealLifecycle {
  private state: LifecycleState = 'sealed';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly barrier: Barrier,
    private readonly seal: ShamirSeal,
    private readonly hooks: LifecycleHooks,
  ) {}

  /** Whether requests behind the barrier can be served (barrier open AND setup done). */
  isUnsealed(): boolean {
    return this.state === 'unsealed';
  }

  async isInitialized(): Promise<boolean> {
    return (await this.seal.config()) !== undefined;
  }

  /** Seal configuration and unseal progress. */
  async status(): Promise<SealState> {
    const config = await this.seal.config();
    if (config === undefined) {
      return { initialized: false, sealed: true, threshold: 0, shares: 0, progress: 0, nonce: '' };
    }
    const progress = this.seal.progress();
    return {
      initialized: true,
      sealed: !this.isUnsealed(),
      threshold: config.secretThreshold,
      shares: config.secretShares,
      progress: this.isUnsealed() ? 0 : progress.progress,
      nonce: this.isUnsealed() ? '' : progress.nonce,
    };
  }

  /**
   * Initialises storage: splits a fresh key into shares, creates the default mounts and policies
   * and a root token, then seals. 400 `Vault is already initialized` the second time.
   */
  init(
    secretShares: number,
    secretThreshold: number,
    opts: { rootTokenId?: string } = {},
  ): Promise<InitResult> {
    return this.serialised(async () => {
      if (await this.isInitialized()) throw new ArcaError('already_initialized');
      const { shares } = await this.seal.initialize({ secretShares, secretThreshold });
      try {
        await this.hooks.setup();
        const rootToken = await this.hooks.createRootToken(opts.rootTokenId);
        return { shares, rootToken };
      } catch (err) {
        zeroize(...shares);
        throw err;
      } finally {
        await this.closeBarrier();
      }
    });
  }

  /**
   * Submits one share, hex (tried first) or base64. Malformed text → 400 with progress unchanged;
   * a wrong quorum → 400 and progress reset (by the seal). On quorum runs the post-unseal setup.
   */
  submitKey(keyText: string): Promise<SealState> {
    return this.serialised(async () => {
      if (!(await this.isInitialized())) throw new ArcaError('not_initialized');
      if (this.isUnsealed()) return this.status();
      const share = decodeShare(keyText);
      let progress: UnsealProgress;
      try {
        progress = await this.seal.submitShare(share);
      } catch (err) {
        if (isArcaError(err, 'invalid_unseal_key')) this.resetQuietly();
        throw err;
      } finally {
        zeroize(share);
      }
      if (!progress.sealed && !this.barrier.isSealed()) await this.openCore();
      return this.status();
    });
  }

  /** Discards collected shares. 400 `vault is unsealed` when there is nothing to reset. */
  reset(): Promise<SealState> {
    return this.serialised(async () => {
      if (!(await this.isInitialized())) throw new ArcaError('not_initialized');
      if (this.isUnsealed()) throw new ArcaError('vault_unsealed');
      this.seal.resetProgress();
      return this.status();
    });
  }

  /** Seals: teardown, then the barrier forgets its keys. Idempotent. */
  sealVault(): Promise<void> {
    return this.serialised(async () => {
      if (!(await this.isInitialized())) throw new ArcaError('not_initialized');
      if (!this.isUnsealed()) return;
      await this.closeBarrier();
    });
  }

  /** Unseals programmatically with raw shares (dev mode and tests). */
  async unsealWith(shares: readonly Uint8Array[]): Promise<SealState> {
    let state = await this.status();
    for (const share of shares) {
      if (!state.sealed) break;
      state = await this.submitKey(Buffer.from(share).toString('hex'));
    }
    return state;
  }

  private async openCore(): Promise<void> {
    try {
      await this.hooks.setup();
      this.state = 'unsealed';
    } catch (err) {
      await this.closeBarrier();
      throw err;
    }
  }

  private async closeBarrier(): Promise<void> {
    this.state = 'sealed';
    try {
      await this.hooks.teardown();
    } finally {
      if (!this.barrier.isSealed()) this.barrier.seal();
    }
  }

  private resetQuietly(): void {
    try {
      this.seal.resetProgress();
    } catch {
      // Already reset by the seal, or unsealed in between: nothing to discard.
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Vault's share decoding: hex when the text is valid hex AND decodes to a plausible share length
 * (so base64 that happens to be valid hex is not misread), otherwise base64; anything else is 400.
 */
export function decodeShare(text: string): Buffer {
  const trimmed = text.trim();
  const hex = decodeHexStrict(trimmed);
  if (hex !== undefined && hex.length >= unsealKeyBytesMin && hex.length <= unsealKeyBytesMax) return hex;
  zeroize(hex);
  const share = decodeBase64Strict(trimmed);
  if (share === undefined || share.length === 0) {
    throw new ArcaError('invalid_request', "'key' must be a valid hex or base64 string");
  }
  return share;
}
