/**
 * The rekey ceremony (Vault's `vault/rekey.go`, barrier key only): re-split the key-encryption
 * key (KEK) into new shares without ever writing it down. One attempt at a time, identified by a
 * nonce. A quorum of CURRENT shares proves the holders (the combined KEK must unwrap the stored
 * root key and that root key must be the one the barrier runs with); then a fresh random KEK is
 * split into the new shares, optionally PGP-encrypted (each share's hex text, as Vault) and
 * backed up under the barrier.
 *
 * Without `require_verification` the new KEK is committed at once. With it, the new KEK is held
 * in memory only until a quorum of NEW shares reproduces it (`verify`); the old shares keep
 * working until that moment and stop at it. Commit = the root key wrapped under the new KEK and
 * the new seal config, in one replicated physical batch (`ShamirSeal.replaceKek`).
 *
 * Combined keys and collected shares exist only in memory and are zeroized after use, on cancel
 * and on `clear()` (seal / loss of activity). All operations are serialised.
 */
import { randomUUID } from 'node:crypto';
import { constantTimeEqual, zeroize } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { parsePgpPublicKeys, pgpEncryptEach, type PgpRecipient } from '../../lib/pgp.js';
import { secureRandomBytes } from '../../lib/rng.js';
import { aeadKeyBytes } from '../../storage/barrier/aead.js';
import { validateSealParams, type SealConfig } from '../../storage/seal/seal-config.js';
import type { ShamirSeal } from '../../storage/seal/shamir-seal.js';
import { splitSecret } from '../../storage/seal/shamir.js';
import { saveRekeyBackup, type BackupStorage } from './rekey-backup.js';
import { alreadySubmitted, combineQuorum, shareFromText } from './share-input.js';

/** `PUT sys/rekey/init` parameters. */
export interface RekeyParams {
  secretShares: number;
  secretThreshold: number;
  pgpKeys: string[];
  backup: boolean;
  requireVerification: boolean;
}

/** `GET sys/rekey/init`. */
export interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  pgpFingerprints: string[] | null;
  backup: boolean;
  verificationRequired: boolean;
  verificationNonce: string;
}

/** The new shares of a completed `update` (raw, or PGP-encrypted messages). */
export interface RekeyResult {
  nonce: string;
  shares: Buffer[];
  pgpFingerprints: string[] | null;
  backup: boolean;
  verificationRequired: boolean;
  verificationNonce: string;
}

/** `GET sys/rekey/verify`. */
export interface RekeyVerifyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
}

interface Attempt {
  nonce: string;
  params: RekeyParams;
  recipients: PgpRecipient[];
  progress: Buffer[];
  verificationKey?: Buffer;
  verificationNonce: string;
  verificationProgress: Buffer[];
}

/** What the rekey ceremony needs from the seal. */
export type RekeySeal = Pick<ShamirSeal, 'config' | 'isCurrentKek' | 'replaceKek'>;

/** One rekey attempt at a time; see the module comment. */
export class RekeyCeremony {
  private attempt: Attempt | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly seal: RekeySeal,
    private readonly backupStorage: BackupStorage,
  ) {}

  /** The attempt's status (not started: zeros and the current threshold as `required`). */
  status(): Promise<RekeyStatus> {
    return this.serially(async () => this.statusOf(await this.currentConfig()));
  }

  /** Starts an attempt; Vault's 400s for bad parameters or one already in progress. */
  start(params: RekeyParams): Promise<RekeyStatus> {
    return this.serially(async () => {
      const config = await this.currentConfig();
      if (params.backup && params.pgpKeys.length === 0) {
        throw new ArcaError(
          'invalid_request',
          'cannot request a backup of the new keys without providing PGP keys for encryption',
        );
      }
      if (params.pgpKeys.length > 0 && params.pgpKeys.length !== params.secretShares) {
        throw new ArcaError('invalid_request', 'incorrect number of PGP keys for rekey');
      }
      if (params.secretThreshold > params.secretShares) {
        throw new ArcaError('invalid_request', 'provided threshold greater than the total shares');
      }
      try {
        validateSealParams(params);
      } catch (err) {
        const why = err instanceof ArcaError ? err.messages.join('; ') : 'invalid parameters';
        throw new ArcaError(
          'invalid_request',
          why.replace(/^invalid seal configuration/, 'invalid rekey seal configuration'),
        );
      }
      if (this.attempt !== undefined) throw new ArcaError('invalid_request', 'rekey already in progress');
      const recipients = await parsePgpPublicKeys(params.pgpKeys);
      this.attempt = {
        nonce: randomUUID(),
        params: { ...params, pgpKeys: [...params.pgpKeys] },
        recipients,
        progress: [],
        verificationNonce: '',
        verificationProgress: [],
      };
      return this.statusOf(config);
    });
  }

  /** Cancels the attempt (also a pending verification), zeroizing what it held. */
  cancel(): Promise<void> {
    return this.serially(async () => {
      await this.currentConfig();
      this.clear();
    });
  }

  /**
   * Adds one CURRENT share. Below the threshold: the status. At it: the new shares (and, with
   * verification, the verification nonce; otherwise the new KEK is already committed).
   */
  update(keyText: string | undefined, nonce: string): Promise<RekeyStatus | RekeyResult> {
    return this.serially(async () => {
      const share = shareFromText(keyText);
      try {
        const config = await this.currentConfig();
        const attempt = this.attempt;
        if (attempt === undefined) throw new ArcaError('invalid_request', 'no barrier rekey in progress');
        if (attempt.verificationKey !== undefined) {
          throw new ArcaError(
            'invalid_request',
            `rekey operation already finished; verification must be performed; nonce for the verification operation is ${JSON.stringify(attempt.verificationNonce)}`,
          );
        }
        if (nonce !== attempt.nonce) {
          throw new ArcaError(
            'invalid_request',
            `incorrect nonce supplied; nonce for this rekey operation is ${JSON.stringify(attempt.nonce)}`,
          );
        }
        if (alreadySubmitted(attempt.progress, share)) {
          throw new ArcaError(
            'invalid_request',
            'given key has already been provided during this generation operation',
          );
        }
        attempt.progress.push(Buffer.from(share));
        if (attempt.progress.length < config.secretThreshold) return this.statusOf(config);
        const parts = attempt.progress;
        attempt.progress = [];
        await this.proveQuorum(parts);
        return await this.issueNewShares(attempt);
      } finally {
        zeroize(share);
      }
    });
  }

  /** `GET sys/rekey/verify`: 400 `no rekey configuration found` without an attempt. */
  verifyStatus(): Promise<RekeyVerifyStatus> {
    return this.serially(async () => {
      await this.currentConfig();
      return this.verifyStatusOf();
    });
  }

  /** `DELETE sys/rekey/verify`: restarts verification with a new nonce (the attempt stays). */
  restartVerification(): Promise<RekeyVerifyStatus> {
    return this.serially(async () => {
      await this.currentConfig();
      const attempt = this.attempt;
      if (attempt !== undefined) {
        zeroize(...attempt.verificationProgress);
        attempt.verificationProgress = [];
        if (attempt.verificationKey !== undefined) attempt.verificationNonce = randomUUID();
      }
      return this.verifyStatusOf();
    });
  }

  /**
   * Adds one NEW share to the verification. At the new threshold the combined key must equal the
   * pending KEK: then it is committed (old shares stop working now). A mismatch is 400 and
   * restarts verification with a new nonce.
   */
  verify(
    keyText: string | undefined,
    nonce: string,
  ): Promise<RekeyVerifyStatus | { nonce: string; complete: true }> {
    return this.serially(async () => {
      const share = shareFromText(keyText);
      try {
        await this.currentConfig();
        const attempt = this.attempt;
        if (attempt === undefined) throw new ArcaError('invalid_request', 'no rekey in progress');
        const pending = attempt.verificationKey;
        if (pending === undefined)
          throw new ArcaError('invalid_request', 'no rekey verification in progress');
        if (nonce !== attempt.verificationNonce) {
          throw new ArcaError(
            'invalid_request',
            `incorrect nonce supplied; nonce for this verify operation is ${JSON.stringify(attempt.verificationNonce)}`,
          );
        }
        if (alreadySubmitted(attempt.verificationProgress, share)) {
          throw new ArcaError(
            'invalid_request',
            'given key has already been provided during this verify operation',
          );
        }
        attempt.verificationProgress.push(Buffer.from(share));
        if (attempt.verificationProgress.length < attempt.params.secretThreshold)
          return this.verifyStatusOf();
        const parts = attempt.verificationProgress;
        attempt.verificationProgress = [];
        const combined = await combineQuorum(parts);
        try {
          if (combined === undefined || !constantTimeEqual(combined, pending)) {
            attempt.verificationNonce = randomUUID();
            throw new ArcaError(
              'invalid_request',
              'rekey verification failed; incorrect key shares supplied',
            );
          }
          await this.seal.replaceKek(pending, attempt.params);
        } finally {
          zeroize(combined);
        }
        const done = { nonce: attempt.verificationNonce, complete: true as const };
        this.clear();
        return done;
      } finally {
        zeroize(share);
      }
    });
  }

  /** Forgets the attempt and zeroizes its shares and pending key (seal, step-down, cancel). */
  clear(): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    if (attempt === undefined) return;
    zeroize(...attempt.progress, ...attempt.verificationProgress, attempt.verificationKey);
  }

  /** The nonce and fingerprints of the attempt, for the ceremony record ('' when none). */
  recordFacts(): { nonce: string; progress: number; verificationProgress: number; fingerprints?: string[] } {
    const a = this.attempt;
    if (a === undefined) return { nonce: '', progress: 0, verificationProgress: 0 };
    return {
      nonce: a.verificationKey === undefined ? a.nonce : a.verificationNonce,
      progress: a.progress.length,
      verificationProgress: a.verificationProgress.length,
      ...(a.recipients.length > 0 ? { fingerprints: a.recipients.map((r) => r.fingerprint) } : {}),
    };
  }

  private async proveQuorum(parts: Buffer[]): Promise<void> {
    const kek = await combineQuorum(parts);
    try {
      if (kek === undefined || !(await this.seal.isCurrentKek(kek))) {
        throw new ArcaError(
          'invalid_request',
          'root key verification failed: the key shares do not unlock the current root key',
        );
      }
    } finally {
      zeroize(kek);
    }
  }

  private async issueNewShares(attempt: Attempt): Promise<RekeyResult> {
    const { params, recipients } = attempt;
    const newKek = secureRandomBytes(aeadKeyBytes);
    let keep = false;
    try {
      const split = await splitSecret(newKek, params.secretShares, params.secretThreshold);
      let shares: Buffer[] = split.map((s) => Buffer.from(s));
      zeroize(...split);
      let fingerprints: string[] | null = null;
      if (recipients.length > 0) {
        const hexTexts = shares.map((s) => Buffer.from(s.toString('hex'), 'utf8'));
        try {
          const encrypted = await pgpEncryptEach(hexTexts, recipients);
          zeroize(...shares);
          shares = encrypted;
        } finally {
          zeroize(...hexTexts);
        }
        fingerprints = recipients.map((r) => r.fingerprint);
        if (params.backup) await saveRekeyBackup(this.backupStorage, attempt.nonce, fingerprints, shares);
      }
      const result: RekeyResult = {
        nonce: attempt.nonce,
        shares,
        pgpFingerprints: fingerprints,
        backup: params.backup,
        verificationRequired: params.requireVerification,
        verificationNonce: '',
      };
      if (params.requireVerification) {
        attempt.verificationKey = newKek;
        attempt.verificationNonce = randomUUID();
        result.verificationNonce = attempt.verificationNonce;
        keep = true;
        return result;
      }
      await this.seal.replaceKek(newKek, params);
      this.clear();
      return result;
    } finally {
      if (!keep) zeroize(newKek);
    }
  }

  private async currentConfig(): Promise<SealConfig> {
    const config = await this.seal.config();
    if (config === undefined) throw new ArcaError('invalid_request', 'server is not yet initialized');
    return config;
  }

  private statusOf(config: SealConfig): RekeyStatus {
    const a = this.attempt;
    return {
      nonce: a?.nonce ?? '',
      started: a !== undefined,
      t: a?.params.secretThreshold ?? 0,
      n: a?.params.secretShares ?? 0,
      progress: a?.progress.length ?? 0,
      required: config.secretThreshold,
      pgpFingerprints:
        a !== undefined && a.recipients.length > 0 ? a.recipients.map((r) => r.fingerprint) : null,
      backup: a !== undefined && a.recipients.length > 0 ? a.params.backup : false,
      verificationRequired: a?.params.requireVerification ?? false,
      verificationNonce: a?.verificationNonce ?? '',
    };
  }

  private verifyStatusOf(): RekeyVerifyStatus {
    const a = this.attempt;
    if (a === undefined) throw new ArcaError('invalid_request', 'no rekey configuration found');
    return {
      nonce: a.verificationNonce,
      started: a.verificationKey !== undefined,
      t: a.params.secretThreshold,
      n: a.params.secretShares,
      progress: a.verificationProgress.length,
    };
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
