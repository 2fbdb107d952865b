/**
 * The Shamir seal: generates the key hierarchy at init and collects unseal shares.
 *
 * Init: KEK and root key from `secureRandomBytes`; the root key is stored wrapped under the KEK
 * (AES-256-GCM, AAD = its storage path) at `core/wrapped-root-key`; the barrier's term-1 keyring is
 * created under the root key; the seal config is written — all in ONE synced physical batch, so a
 * crash never leaves a half-initialized vault. The KEK is split into shares and both keys are
 * zeroized. The barrier is left UNSEALED so core can write the root token, then core seals it.
 *
 * Unseal: shares are collected per attempt (identified by a random UUID nonce). At the threshold
 * they are combined into a candidate KEK which must open the GCM-wrapped root key: that is how
 * a wrong, foreign or insufficient set of shares (which Shamir happily combines into garbage) is
 * detected. Failure → `invalid_unseal_key` and the attempt is reset.
 *
 * Malformed input: a share shorter than 16 or longer than 33 bytes is rejected before it is
 * counted (Vault's messages, 400, progress unchanged). A share of plausible length is counted as
 * Vault does; if it is wrong the threshold attempt fails and resets.
 */
import { randomUUID } from 'node:crypto';
import { constantTimeEqual, zeroize } from '../../lib/bytes.js';
import { ArcaError, isArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import { aeadKeyBytes, aeadOpen, aeadSeal } from '../barrier/aead.js';
import type { Barrier } from '../barrier/barrier.js';
import { sealConfigKey, wrappedRootKeyKey } from '../barrier/reserved-keys.js';
import type { PhysicalBackend } from '../physical/physical.js';
import { encodeSealConfig, readSealConfig, validateSealParams, type SealConfig } from './seal-config.js';
import { combineShares, splitSecret } from './shamir.js';

/** What `sys/seal-status` and `sys/unseal` report about the current unseal attempt. */
export interface UnsealProgress {
  sealed: boolean;
  threshold: number;
  shares: number;
  progress: number;
  /** A random UUID per attempt; '' when no attempt is in progress. */
  nonce: string;
}

/** Shortest share accepted (Vault: the barrier's minimum key length). */
export const unsealKeyBytesMin = 16;
/** Longest share accepted (a 32-byte key plus the one-byte x-coordinate). */
export const unsealKeyBytesMax = aeadKeyBytes + 1;

const wrappedRootKeyVersion = 1;
const wrappedRootKeyAad = Buffer.from(wrappedRootKeyKey, 'utf8');

/** Shamir-split KEK seal over a barrier; see the module comment. */
export class ShamirSeal {
  private parts: Buffer[] = [];
  private nonce = '';
  private knownConfig: SealConfig | undefined;
  /** Serialises init and share submission, so concurrent shares are all counted exactly once. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly barrier: Barrier,
  ) {}

  /** The stored seal config; undefined ⇔ not initialized. */
  async config(): Promise<SealConfig | undefined> {
    const config = await readSealConfig(this.physical);
    this.knownConfig = config;
    return config;
  }

  /**
   * Initializes the vault (see the module comment) and returns the shares (raw bytes; the HTTP
   * layer renders hex and base64). `invalid_request` for bad parameters, `already_initialized`.
   */
  initialize(params: { secretShares: number; secretThreshold: number }): Promise<{ shares: Buffer[] }> {
    return this.serially(async () => {
      validateSealParams(params);
      if ((await this.config()) !== undefined || (await this.barrier.isInitialized())) {
        throw new ArcaError('already_initialized');
      }
      const config: SealConfig = {
        type: 'shamir',
        secretShares: params.secretShares,
        secretThreshold: params.secretThreshold,
      };
      const kek = secureRandomBytes(aeadKeyBytes);
      const rootKey = secureRandomBytes(aeadKeyBytes);
      try {
        const wrapped = aeadSeal(kek, rootKey, wrappedRootKeyAad, Buffer.from([wrappedRootKeyVersion]));
        await this.barrier.initialize(rootKey, [
          { type: 'put', key: wrappedRootKeyKey, value: wrapped },
          { type: 'put', key: sealConfigKey, value: encodeSealConfig(config) },
        ]);
        this.knownConfig = config;
        this.clearAttempt();
        const split = await splitSecret(kek, config.secretShares, config.secretThreshold);
        const shares = split.map((share) => Buffer.from(share));
        zeroize(...split);
        return { shares };
      } finally {
        zeroize(kek, rootKey);
      }
    });
  }

  /**
   * Adds one share (raw bytes) to the current attempt. Duplicates are not double counted. At the
   * threshold: combine → KEK → unwrap root key → unseal the barrier. Errors: `invalid_request`
   * for a malformed length (not counted), `not_initialized`, `invalid_unseal_key` (attempt reset).
   * On an unsealed vault returns the current status.
   */
  submitShare(share: Uint8Array): Promise<UnsealProgress> {
    return this.serially(async () => {
      if (share.length < unsealKeyBytesMin) {
        throw new ArcaError(
          'invalid_request',
          `invalid key: key is shorter than minimum ${unsealKeyBytesMin} bytes`,
        );
      }
      if (share.length > unsealKeyBytesMax) {
        throw new ArcaError(
          'invalid_request',
          `invalid key: key is longer than maximum ${unsealKeyBytesMax} bytes`,
        );
      }
      const config = await this.config();
      if (config === undefined) throw new ArcaError('not_initialized');
      if (!this.barrier.isSealed()) return this.progress();

      if (!this.parts.some((part) => constantTimeEqual(part, share))) {
        if (this.parts.length === 0) this.nonce = randomUUID();
        this.parts.push(Buffer.from(share));
      }
      if (this.parts.length < config.secretThreshold) return this.progress();

      const parts = this.parts;
      this.parts = [];
      this.nonce = '';
      try {
        await this.unsealWith(parts);
      } finally {
        zeroize(...parts);
      }
      return this.progress();
    });
  }

  /**
   * True when `kek` (a combined share quorum of a key-holder ceremony) unwraps the stored root
   * key AND that root key is the one the unsealed barrier runs with (Vault's `VerifyRoot`).
   * The caller zeroizes `kek`. `sealed` while sealed.
   */
  async isCurrentKek(kek: Uint8Array): Promise<boolean> {
    if (this.barrier.isSealed()) throw new ArcaError('sealed');
    const wrapped = await this.physical.get(wrappedRootKeyKey);
    if (wrapped === undefined || wrapped[0] !== wrappedRootKeyVersion || kek.length !== aeadKeyBytes) {
      return false;
    }
    const rootKey = aeadOpen(kek, wrapped.subarray(1), wrappedRootKeyAad);
    if (rootKey === undefined) return false;
    try {
      return this.barrier.isRootKey(rootKey);
    } finally {
      zeroize(rootKey);
    }
  }

  /**
   * Commits a rekey: the barrier's root key wrapped under `newKek` and the new seal config go in
   * ONE physical batch (replicated with Raft storage, so every node's next unseal needs the new
   * shares, and no crash leaves the two out of step). The root key itself is unchanged: unsealed
   * standbys keep reading the keyring with the root key they hold. The caller zeroizes `newKek`.
   */
  replaceKek(newKek: Uint8Array, params: { secretShares: number; secretThreshold: number }): Promise<void> {
    return this.serially(async () => {
      validateSealParams(params);
      if (newKek.length !== aeadKeyBytes) throw new ArcaError('internal', 'new key has the wrong length');
      const config: SealConfig = {
        type: 'shamir',
        secretShares: params.secretShares,
        secretThreshold: params.secretThreshold,
      };
      const wrapped = this.barrier.withRootKey((rootKey) =>
        aeadSeal(newKek, rootKey, wrappedRootKeyAad, Buffer.from([wrappedRootKeyVersion])),
      );
      await this.physical.batch([
        { type: 'put', key: wrappedRootKeyKey, value: wrapped },
        { type: 'put', key: sealConfigKey, value: encodeSealConfig(config) },
      ]);
      this.knownConfig = config;
    });
  }

  /** Discards the shares collected so far. `vault_unsealed` when the vault is unsealed. */
  resetProgress(): void {
    if (!this.barrier.isSealed()) throw new ArcaError('vault_unsealed');
    this.clearAttempt();
  }

  /**
   * The current attempt. `threshold`/`shares` come from the last config read (0 until `config()`,
   * `initialize` or `submitShare` has read it).
   */
  progress(): UnsealProgress {
    return {
      sealed: this.barrier.isSealed(),
      threshold: this.knownConfig?.secretThreshold ?? 0,
      shares: this.knownConfig?.secretShares ?? 0,
      progress: this.parts.length,
      nonce: this.nonce,
    };
  }

  private async unsealWith(parts: Buffer[]): Promise<void> {
    let kek: Uint8Array | undefined;
    let rootKey: Buffer | undefined;
    try {
      try {
        kek = await combineShares(parts);
      } catch {
        // Duplicate x-coordinates or unequal lengths: not a valid set of shares.
        throw new ArcaError('invalid_unseal_key');
      }
      const wrapped = await this.physical.get(wrappedRootKeyKey);
      if (wrapped === undefined) throw new ArcaError('integrity_failure', 'wrapped root key is missing');
      if (wrapped[0] !== wrappedRootKeyVersion)
        throw new ArcaError('integrity_failure', 'wrapped root key format');
      rootKey =
        kek.length === aeadKeyBytes ? aeadOpen(kek, wrapped.subarray(1), wrappedRootKeyAad) : undefined;
      if (rootKey === undefined) throw new ArcaError('invalid_unseal_key');
      await this.barrier.unseal(rootKey);
    } catch (err) {
      if (isArcaError(err, 'invalid_unseal_key')) this.clearAttempt();
      throw err;
    } finally {
      zeroize(kek, rootKey);
    }
  }

  private clearAttempt(): void {
    zeroize(...this.parts);
    this.parts = [];
    this.nonce = '';
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
