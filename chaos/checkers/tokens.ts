/**
 * Token/lease rules L1–L6 (the team's lease-correctness definitions), checked offline from the
 * history on the harness's clock. Per token: a create granting TTL T, then uses (lookup-self
 * with the token), root lookups, renews (always with the create's TTL as increment, so a renew
 * never shortens the expiry) and at most one revoke.
 * - L1 no early expiry: an op that observes the token invalid and COMPLETED before
 *   max(grant/renew invoke + TTL) − B_early is a violation, unless a revoke was invoked before it
 *   completed. (The observation happens somewhere between invoke and complete: an op that began
 *   earlier but was answered after the expiry — e.g. its node was paused — saw a legitimate expiry.)
 * - L2 no use after an acknowledged revoke: every op invoked after the ack must see it invalid.
 * - L3 bounded lateness: an op invoked after max(grant/renew complete + TTL) + B_late must see it
 *   invalid (unbounded, and counted as unchecked, after a renew with an unknown outcome).
 * - L4 eventual revocation: the final-phase lookup of every token past its L3 bound sees it gone.
 * - L5 no resurrection: once an op observed it invalid, no op invoked later sees it valid.
 * - L6 monotone expiry: a lookup that follows another in real time never reports an expiry
 *   earlier by more than B_early.
 */
import type { History, Op } from '../history.js';

/** Allowances in ms: earliness for L1/L6 (2ε + slack), lateness for L3/L4 (2ε + election + π). */
export interface TokenBounds {
  earlyMs: number;
  lateMs: number;
}

/** One rule violation with the ops involved (the first is the offending observation). */
export interface TokenViolation {
  rule: 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6';
  token: string;
  opIds: number[];
  detail: string;
}

/** Result of the token check. */
export interface TokenResult {
  tokens: number;
  observations: number;
  violations: TokenViolation[];
  /** Tokens whose lateness could not be bounded (a renew with unknown outcome). */
  lateUnchecked: number;
  /** Tokens past their expiry with no final-phase observation (L4 not verified). */
  finalUnverified: number;
}

const isObservation = (o: Op): boolean =>
  (o.f === 'token-use' || o.f === 'token-lookup' || o.f === 'token-renew') && o.outcome !== 'unknown';
const sawValid = (o: Op): boolean => isObservation(o) && o.outcome === 'ok';
const sawInvalid = (o: Op): boolean => isObservation(o) && o.outcome === 'fail';

/** Checks L1–L6 for every token in the history. */
export function checkTokens(history: History, bounds: TokenBounds): TokenResult {
  const byToken = new Map<string, Op[]>();
  for (const op of history.ops) {
    if (!op.f.startsWith('token-')) continue;
    const list = byToken.get(op.key) ?? [];
    list.push(op);
    byToken.set(op.key, list);
  }
  const violations: TokenViolation[] = [];
  let observations = 0;
  let lateUnchecked = 0;
  let finalUnverified = 0;
  let tokens = 0;
  for (const [token, ops] of byToken) {
    const create = ops.find((o) => o.f === 'token-create' && o.outcome === 'ok');
    if (create === undefined || create.completeMs === null) continue;
    tokens++;
    const ttlMs = (create.result?.ttlSeconds ?? create.ttlSeconds ?? 0) * 1000;
    const renews = ops.filter((o) => o.f === 'token-renew' && o.outcome === 'ok');
    const revokes = ops.filter((o) => o.f === 'token-revoke');
    const unknownRenew = ops.some((o) => o.f === 'token-renew' && o.outcome === 'unknown');
    const renewTtlMs = (r: Op): number => (r.result?.ttlSeconds ?? r.ttlSeconds ?? 0) * 1000;
    const latestExpiry = unknownRenew
      ? Infinity
      : Math.max(create.completeMs + ttlMs, ...renews.map((r) => r.completeMs! + renewTtlMs(r)));
    if (unknownRenew) lateUnchecked++;
    const observed = ops.filter(isObservation);
    observations += observed.length;
    const v = (rule: TokenViolation['rule'], ids: number[], detail: string): void => {
      violations.push({ rule, token, opIds: ids, detail });
    };
    for (const o of observed) {
      const done = o.completeMs!;
      if (sawInvalid(o)) {
        // L1: the expiry this op must respect is set by the grant and the renews acknowledged before it began.
        const before = renews.filter((r) => r.completeMs! < o.invokeMs);
        const earliest = Math.max(create.invokeMs + ttlMs, ...before.map((r) => r.invokeMs + renewTtlMs(r)));
        const revokedMaybe = revokes.some((r) => r.outcome !== 'fail' && r.invokeMs < done);
        if (!revokedMaybe && done < earliest - bounds.earlyMs) {
          v(
            'L1',
            [o.id, create.id],
            `seen invalid ${Math.round(earliest - done)} ms before its earliest expiry`,
          );
        }
      }
      if (sawValid(o)) {
        const acked = revokes.find((r) => r.outcome === 'ok' && r.completeMs! < o.invokeMs);
        if (acked !== undefined) v('L2', [o.id, acked.id], 'valid after its revocation was acknowledged');
        if (o.invokeMs > latestExpiry + bounds.lateMs) {
          v(
            o.final === true ? 'L4' : 'L3',
            [o.id, create.id],
            `valid ${Math.round(o.invokeMs - latestExpiry)} ms after its latest expiry`,
          );
        }
        const dead = observed.find((p) => sawInvalid(p) && p.completeMs! < o.invokeMs);
        if (dead !== undefined) v('L5', [o.id, dead.id], 'valid again after it was observed invalid');
      }
    }
    // L6: successive lookups (in real time) never move the expiry back by more than B_early.
    const lookups = observed.filter(
      (o) => o.f === 'token-lookup' && o.outcome === 'ok' && o.result?.expireWallMs !== undefined,
    );
    for (const later of lookups) {
      for (const earlier of lookups) {
        if (earlier.completeMs! >= later.invokeMs) continue;
        const back = earlier.result!.expireWallMs! - later.result!.expireWallMs!;
        if (back > bounds.earlyMs)
          v('L6', [later.id, earlier.id], `expiry moved back by ${Math.round(back)} ms`);
      }
    }
    // L4: a token past its lateness bound at the end must have been observed gone in the final phase.
    const finals = ops.filter((o) => o.final === true && isObservation(o));
    const lastEnd = Math.max(...ops.map((o) => o.completeMs ?? o.invokeMs));
    const revokedAck = revokes.some((r) => r.outcome === 'ok');
    if (latestExpiry !== Infinity && lastEnd > latestExpiry + bounds.lateMs && !revokedAck) {
      const after = finals.filter((o) => o.invokeMs > latestExpiry + bounds.lateMs);
      if (after.length === 0) finalUnverified++;
    }
  }
  return { tokens, observations, violations, lateUnchecked, finalUnverified };
}
