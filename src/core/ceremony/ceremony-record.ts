/**
 * The ceremony record (beyond Vault): every key-share submission of an unseal, rekey, rekey
 * verification or root generation — and every start and cancel — is written to the operational
 * log and, where audit devices exist, to the audit trail: time, ceremony, nonce, progress,
 * remote address, PGP fingerprints when known. NEVER the share, nor its HMAC (the audit devices
 * HMAC strings they are given, so the share is simply never handed to them), nor an OTP.
 *
 * A sealed node has no audit devices loaded (their table lives behind the barrier), so unseal
 * submissions are recorded in the operational log only.
 *
 * Ordering: `before` runs before the submission changes any state and fails closed (500
 * `internal error`, nothing counted) when devices exist and none can record; `after` records the
 * outcome and, since the state already changed, only logs its own failure.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ArcaError, isArcaError } from '../../lib/errors.js';
import type { ResponseAuth } from '../../logical/response.js';
import type { AuditBroker, AuditEntry } from '../audit-broker.js';

/** The operational log (core's pino logger has this shape). */
export interface CeremonyLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Which ceremony a record belongs to. */
export type CeremonyKind = 'unseal' | 'rekey' | 'rekey-verify' | 'generate-root';

/** What a record says (all of it safe to show). */
export interface CeremonyFacts {
  ceremony: CeremonyKind;
  /** `share` for a submission; `start` / `cancel` for the attempt itself. */
  action: 'share' | 'start' | 'cancel';
  /** The request path, e.g. `sys/rekey/update`. */
  path: string;
  nonce: string;
  /** Shares counted so far (after the submission in `after`). */
  progress: number;
  /** Shares needed. */
  required: number;
  remoteAddress: string;
  pgpFingerprints?: string[];
  /** `after` only: accepted (counted), complete (quorum reached, done) or refused (error). */
  outcome?: 'accepted' | 'complete' | 'refused';
  /** `after` of a refused submission: the error text (catalog messages carry no secrets). */
  error?: string;
}

/** Writes ceremony records; see the module comment. */
export class CeremonyRecorder {
  constructor(
    private readonly logger: CeremonyLogger,
    private readonly clock: Clock,
    private readonly audit: () => AuditBroker | undefined,
  ) {}

  /**
   * Before the state changes: logged, and audited when devices exist (fails closed with
   * `audit_failed`). Returns the request id that pairs it with `after`.
   */
  async before(facts: CeremonyFacts): Promise<string> {
    const id = randomUUID();
    this.log(facts, 'ceremony request');
    const broker = this.activeBroker(facts);
    if (broker !== undefined) {
      try {
        await broker.logRequest(this.entry('request', id, facts));
      } catch (err) {
        this.logger.error(
          { ceremony: facts.ceremony, err: errorText(err) },
          'no audit backend succeeded in logging the ceremony request',
        );
        throw new ArcaError('audit_failed');
      }
    }
    return id;
  }

  /**
   * After the state changed: the outcome. `auth` (a root token just generated) is audited like
   * any token creation: the devices write its HMAC. Returns false when devices exist and none
   * could record it (the caller decides; the log has the reason).
   */
  async after(id: string, facts: CeremonyFacts, auth?: ResponseAuth): Promise<boolean> {
    this.log(facts, 'ceremony outcome');
    const broker = this.activeBroker(facts);
    if (broker === undefined) return true;
    const entry = this.entry('response', id, facts);
    entry.response = { data: null, ...(auth === undefined ? {} : { auth }) };
    if (facts.error !== undefined) entry.error = facts.error;
    try {
      await broker.logResponse(entry);
      return true;
    } catch (err) {
      this.logger.error(
        { ceremony: facts.ceremony, err: errorText(err) },
        'no audit backend succeeded in logging the ceremony outcome',
      );
      return false;
    }
  }

  private activeBroker(facts: CeremonyFacts): AuditBroker | undefined {
    if (facts.ceremony === 'unseal') return undefined;
    const broker = this.audit();
    return broker !== undefined && broker.hasDevices() ? broker : undefined;
  }

  private log(facts: CeremonyFacts, msg: string): void {
    this.logger.info(
      {
        ceremony: facts.ceremony,
        action: facts.action,
        path: facts.path,
        nonce: facts.nonce,
        progress: facts.progress,
        required: facts.required,
        remote_address: facts.remoteAddress,
        ...(facts.pgpFingerprints === undefined ? {} : { pgp_fingerprints: facts.pgpFingerprints }),
        ...(facts.outcome === undefined ? {} : { outcome: facts.outcome }),
        ...(facts.error === undefined ? {} : { error: facts.error }),
      },
      msg,
    );
  }

  private entry(type: AuditEntry['type'], id: string, facts: CeremonyFacts): AuditEntry {
    return {
      type,
      timeMs: this.clock.wallMs(),
      request: {
        id,
        operation: facts.action === 'cancel' ? 'delete' : 'update',
        path: facts.path,
        data: {
          ceremony: facts.ceremony,
          action: facts.action,
          nonce: facts.nonce,
          progress: facts.progress,
          required: facts.required,
          ...(facts.pgpFingerprints === undefined ? {} : { pgp_fingerprints: facts.pgpFingerprints }),
          ...(facts.outcome === undefined ? {} : { outcome: facts.outcome }),
        },
        mountPoint: 'sys/',
        mountType: 'system',
        mountAccessor: '',
        clientToken: '',
        remoteAddress: facts.remoteAddress,
        headers: {},
      },
    };
  }
}

/** The error text a refused submission records (catalog messages only; never a share). */
export function errorText(err: unknown): string {
  if (isArcaError(err)) return err.messages.join('; ');
  return 'internal error';
}
